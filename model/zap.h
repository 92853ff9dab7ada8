// Unmapping: zap_pte_range and its callers (MADV_DONTNEED, munmap, exit).
#pragma once
#include "model/events.h"

namespace mm {

// struct zap_details: munmap and exit drop PTE markers, MADV_DONTNEED keeps them.
struct ZapDetails {
  bool drop_markers = false;  // ZAP_FLAG_DROP_MARKER
};

// zap_pte_range for one page of `proc`.
void zap_one_pte(State& s, int proc, int page, const ZapDetails& d, const Config& cfg);

// madvise(MADV_DONTNEED) on one page.
Outcome madvise_dontneed(State& s, int proc, int page, const Config& cfg);
// munmap of the whole VMA containing `page` (do_vmi_munmap).
Outcome do_munmap(State& s, int proc, int page, const Config& cfg);
// exit_mmap: every VMA goes, and the pins the process held are released.
Outcome exit_mmap(State& s, int proc, const Config& cfg);

}  // namespace mm
