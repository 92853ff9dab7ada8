#include "model/clean_end.h"

#include "model/mm.h"

namespace mm {

bool is_clean_end(const State& s) {
  for (const Process& p : s.proc)
    if (p.alive == PROC_ALIVE) return false;
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (s.folio[f].test(FOLIO_ALLOCATED) && !folio_in_page_cache(s, f) && folio_pipe_refs(s, f) == 0) return false;
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++) {
      const SwapSlot& sl = s.swap[t].slot[i];
      // A shmem swap entry keeps its count; a cached copy can still be dropped.
      if (sl.has_cache || sl.count != shmem_swap_refs(s, t, i)) return false;
    }
  return true;
}

}  // namespace mm
