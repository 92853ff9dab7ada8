// MADV_COLLAPSE (mm/khugepaged.c v6.18): madvise_collapse ->
// hpage_collapse_scan_pmd -> collapse_huge_page, on the model's 2-page THP.
#pragma once
#include "model/events.h"

namespace mm {

// madvise(MADV_COLLAPSE) of the aligned page pair holding `page` (the
// model's PMD range).  A refused collapse is Done with the scan result in
// the outcome's reason (madvise returns an errno; nothing changes).
Outcome madvise_collapse(State& s, int proc, int page, const Config& cfg);

}  // namespace mm
