// mremap(2) (mm/mremap.c v6.18): do_mremap -> remap_move -> move_vma ->
// copy_vma + move_page_tables -> move_ptes; mremap_userfaultfd_prep.
//
// Model: the whole VMA moves without resizing (no MREMAP_DONTUNMAP, no
// expand/shrink, no merge with a neighbour); the new range is the lowest
// free one that does not overlap the old VMA.  Per-address ghost state
// (the expected values, guard/wp/lazyfree/mlock bits) and pins taken at
// those addresses move with the PTEs: they describe the buffer, which the
// program now reaches at the new address.
#include "model/mremap.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"

namespace mm {

namespace {

// get_unmapped_area: lowest start whose range overlaps no VMA (the moving
// one included: MREMAP_FIXED onto a fresh reservation never overlaps it).
int unmapped_area(const Process& p, int npages) {
  for (int start = 0; start + npages <= MAX_PAGES; start++) {
    bool free = true;
    for (int pg = start; pg < start + npages; pg++) free &= find_vma(p, pg) == nullptr;
    if (free) return start;
  }
  return -1;
}

// move_soft_dirty_pte: "Set soft dirty bit so we can notice in userspace
// the ptes were moved" (present and swap PTEs, CONFIG_MEM_SOFT_DIRTY).
// need_clear_uffd_wp (vma_has_uffd_without_event_remap): a uffd-wp marker
// is dropped, the uffd-wp bit of present and swap PTEs cleared.
Pte move_pte(Pte pte, bool need_clear_uffd_wp, const Config& cfg) {
  if (cfg.CONFIG_MEM_SOFT_DIRTY && (pte.kind == PteKind::Present || pte.kind == PteKind::Swap))
    pte.bits |= PTE_SOFT_DIRTY;
  if (!need_clear_uffd_wp) return pte;
  if (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_UFFD_WP)) return Pte{};  // pte_clear
  if (pte.kind == PteKind::Present || pte.kind == PteKind::Swap) pte.bits &= ~PTE_UFFD_WP;
  return pte;
}

}  // namespace

Outcome mremap_move(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mremap returns EFAULT)");
  const Vma old = *v;
  const int to = unmapped_area(p, old.npages);
  if (to < 0) return {Status::OutOfCapacity, "no free range for mremap to move to (raise MAX_PAGES)"};
  // move_huge_pmd needs both ranges PMD-aligned; otherwise the PMD is split
  // first (split_huge_pmd in move_page_tables).
  if ((to - old.start) % MAX_FOLIO_PAGES != 0)
    for (int pg = old.start; pg < old.start + old.npages; pg++)
      if (p.pte[pg].kind == PteKind::Present && (p.pte[pg].bits & PTE_PMD)) split_huge_pmd(s, proc, pg, cfg);
  // mremap_userfaultfd_prep without UFFD_FEATURE_EVENT_REMAP (the model has
  // no EVENT_REMAP): userfaultfd_reset_ctx drops VM_UFFD_WP.
  const bool need_clear_uffd_wp = userfaultfd_wp(old);
  Process moved = p;
  for (int i = 0; i < old.npages; i++) {
    moved.pte[old.start + i] = Pte{};
    moved.expect[old.start + i] = 0;
    moved.ghost[old.start + i] = 0;
    moved.ghost2[old.start + i] = 0;
    const uint8_t bit = 1u << (old.start + i);
    moved.pinned &= ~bit;
    moved.pin_folio[old.start + i] = moved.pin_subpage[old.start + i] = moved.pin_value[old.start + i] = 0;
  }
  for (int i = 0; i < old.npages; i++) {
    const int from = old.start + i, dst = to + i;
    moved.pte[dst] = move_pte(p.pte[from], need_clear_uffd_wp, cfg);
    moved.expect[dst] = p.expect[from];
    moved.ghost[dst] = need_clear_uffd_wp ? (p.ghost[from] & ~GHOST_WP) : p.ghost[from];
    moved.ghost2[dst] = p.ghost2[from];
    if (p.pinned & (1u << from)) {
      moved.pinned |= 1u << dst;
      moved.pin_folio[dst] = p.pin_folio[from];
      moved.pin_subpage[dst] = p.pin_subpage[from];
      moved.pin_value[dst] = p.pin_value[from];  // ghost: what the pin was given
    }
  }
  Vma* nv = find_vma(moved, page);
  nv->start = static_cast<uint8_t>(to);
  if (need_clear_uffd_wp) nv->flags &= ~VM_UFFD_WP;
  p = moved;
  return Outcome::done();
}

}  // namespace mm
