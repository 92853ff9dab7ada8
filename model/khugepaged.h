// MADV_COLLAPSE (mm/khugepaged.c v6.18): madvise_collapse ->
// hpage_collapse_scan_pmd -> collapse_huge_page, on the model's 2-page THP.
#pragma once
#include "model/events.h"

namespace mm {

// madvise(MADV_COLLAPSE) of the aligned page pair holding `page` (the
// model's PMD range).  A refused collapse is Done with the scan result in
// the outcome's reason (madvise returns an errno; nothing changes).
Outcome madvise_collapse(State& s, int proc, int page, const Config& cfg);

// What madvise(MADV_COLLAPSE) returns for that range: 0, or the errno of
// madvise_collapse_errno (mm/khugepaged.c) for the scan result that stopped
// it: EINVAL, EBUSY (SCAN_EXCEED_NONE_PTE), EAGAIN (SCAN_PAGE_COUNT,
// SCAN_PAGE_LRU, SCAN_PAGE_LOCK), ENOMEM.  -1 when the model does not model
// the call (a disabled outcome: file or PROT_NONE memory, no VMA).  `s` is
// not changed.
int madvise_collapse_return(const State& s, int proc, int page, const Config& cfg);

}  // namespace mm
