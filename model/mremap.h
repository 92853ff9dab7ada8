// mremap(2) (mm/mremap.c v6.18): moving a whole VMA, MREMAP_DONTUNMAP, and
// resizing (shrink; expand in place or, with MREMAP_MAYMOVE, by moving).
#pragma once
#include "model/events.h"

namespace mm {

// mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, new): the VMA holding
// `page` moves, whole and unresized, to the lowest free range of the
// model's address space that does not overlap it (get_unmapped_area).
Outcome mremap_move(State& s, int proc, int page, const Config& cfg);

// mremap(old, len, len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP): move_vma, then
// dontunmap_complete: the source VMA stays (its PTEs none, VM_LOCKED
// cleared, anon_vma unlinked) and the moved VMA takes a new VMA slot.
Outcome mremap_dontunmap(State& s, int proc, int page, const Config& cfg);

// Whether an expanding mremap may move the VMA (MREMAP_MAYMOVE).
enum class MremapMayMove : uint8_t { No, Yes };

// mremap(old, len, new_npages pages, flags) of the whole VMA holding `page`:
// mremap_at -> shrink_vma (new_npages < npages), expand_vma (new_npages >
// npages: vrm_can_expand_in_place -> expand_vma_in_place, else -ENOMEM
// without MREMAP_MAYMOVE, else move_vma to a new range of new_npages).
// new_npages 0, the form explore and check alphabets use, means one page
// (shrink) or two pages (expand): every VMA stays within two pages, so two
// VMAs always fit the model's four.
Outcome mremap_shrink(State& s, int proc, int page, int new_npages, const Config& cfg);
Outcome mremap_expand(State& s, int proc, int page, int new_npages, MremapMayMove may_move, const Config& cfg);

}  // namespace mm
