// mremap(2) of a whole VMA to a new address (mm/mremap.c v6.18).
#pragma once
#include "model/events.h"

namespace mm {

// mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, new): the VMA holding
// `page` moves, whole and unresized, to the lowest free range of the
// model's address space that does not overlap it (get_unmapped_area).
Outcome mremap_move(State& s, int proc, int page, const Config& cfg);

}  // namespace mm
