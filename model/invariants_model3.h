// Invariants over the state model III added (guard markers, VM_LOCKED,
// lazyfree folios).  Listed in the library by model/invariants.cpp.
#pragma once
#include <cstdint>
#include <string>

#include "model/config.h"
#include "model/state.h"

namespace mm {

// guard_regions: facets 0 lost (a page the program guarded has no guard
// marker), 1 spurious (a guard marker nobody installed there).
uint32_t eval_guard_regions(const State& s, const Config& cfg, std::string* why);
// mlock_resident: facet 0 not-resident (a private anon page mlock() made
// resident is not present while its VMA is still VM_LOCKED).
uint32_t eval_mlock_resident(const State& s, const Config& cfg, std::string* why);
// lazyfree: facet 0 swap-backed-state (a folio without PG_swapbacked is anon,
// small and outside the swap cache).
uint32_t eval_lazyfree(const State& s, const Config& cfg, std::string* why);

}  // namespace mm
