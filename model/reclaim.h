// Reclaim and swap-out (mm/vmscan.c, mm/rmap.c, mm/page_io.c, mm/swap_state.c).
#pragma once
#include "model/events.h"

namespace mm {

// madvise(MADV_PAGEOUT) on one page: madvise_cold_or_pageout_pte_range then
// reclaim_pages.  Folios mapped by more than one process are skipped.
Outcome madvise_pageout(State& s, int proc, int page, const Config& cfg);

// shrink_folio_list for one folio, as LRU reclaim does (no sharing filter).
Outcome shrink_folio_list(State& s, int folio, const Config& cfg);

// folio_end_writeback: the device finished writing the folio.
Outcome folio_end_writeback(State& s, int folio, const Config& cfg);

// The swap cache lets go of a folio: __remove_mapping (a later reclaim
// pass) frees an unmapped, clean one; folio_free_swap (under swap pressure)
// frees the slot of a mapped one no swap PTE needs any more.
Outcome swap_cache_drop(State& s, int folio, const Config& cfg);

// lru_add_drain (mm/swap.c lru_add_drain_cpu) on the CPU whose lru_add batch
// holds folio f: the folio goes on the LRU.  Only a folio that
// the knob lru_batch_other_cpu (model/lru_knobs.h) left off the LRU can be drained.
Outcome lru_add_drain(State& s, int folio, const Config& cfg);

// try_to_unmap_one for every mapping of the folio; false when one aborted.
bool try_to_unmap(State& s, int folio, const Config& cfg);

}  // namespace mm
