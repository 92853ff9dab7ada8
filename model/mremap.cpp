// mremap(2) (mm/mremap.c v6.18): do_mremap -> remap_move -> move_vma ->
// copy_vma + move_page_tables -> move_ptes; mremap_userfaultfd_prep.
//
// Also MREMAP_DONTUNMAP (dontunmap_complete) and resizing (mremap_at:
// shrink_vma, expand_vma).  Model: whole VMAs only (no VMA split, no merge
// with a neighbour); a moving mremap goes to the lowest free range that
// does not overlap the old VMA.  Per-address ghost state
// (the expected values, guard/wp/lazyfree/mlock bits) and pins taken at
// those addresses move with the PTEs: they describe the buffer, which the
// program now reaches at the new address.
#include "model/mremap.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/decisions.h"
#include "model/mlock.h"
#include "model/mm.h"
#include "model/zap.h"

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
  // is_swap_pte: migration entries too.
  const bool swp = pte.kind == PteKind::Swap || pte.kind == PteKind::Migration;
  if (cfg.CONFIG_MEM_SOFT_DIRTY && (pte.kind == PteKind::Present || swp)) pte.bits |= PTE_SOFT_DIRTY;
  if (!need_clear_uffd_wp) return pte;
  if (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_UFFD_WP)) return Pte{};  // pte_clear
  if (pte.kind == PteKind::Present || swp) pte.bits &= ~PTE_UFFD_WP;
  return pte;
}

// move_vma: copy_vma into a new range of `new_npages` at `to` +
// move_page_tables of the old range's PTEs, then either unmap_source_vma
// (a move) or dontunmap_complete (MREMAP_DONTUNMAP).  `old_slot` is the
// source VMA's slot; a move keeps the VMA in it, DONTUNMAP puts the copy in
// `new_slot`.
Outcome move_vma(State& s, int proc, int old_slot, int to, int new_npages, int new_slot, const Config& cfg) {
  Process& p = s.proc[proc];
  const Vma old = p.vma[old_slot];
  const bool dontunmap = new_slot != old_slot;
  // move_huge_pmd needs both ranges PMD-aligned; otherwise the PMD is split
  // first (split_huge_pmd in move_page_tables).
  if ((to - old.start) % MAX_FOLIO_PAGES != 0)
    for (int pg = old.start; pg < old.start + old.npages; pg++)
      if (p.pte[pg].kind == PteKind::Present && (p.pte[pg].bits & PTE_PMD)) split_huge_pmd(s, proc, pg, cfg);
  // move_ptes: need_clear_uffd_wp = vma_has_uffd_without_event_remap(old)
  // (the model has no UFFD_FEATURE_EVENT_REMAP); mremap_userfaultfd_prep
  // -> userfaultfd_reset_ctx then drops VM_UFFD_WP from the new VMA.
  const bool need_clear_uffd_wp = userfaultfd_wp(old);
  Process moved = p;
  // get_and_clear_ptes: the source PTEs become none (no marker is left,
  // DONTUNMAP or not); what the program reaches there is gone with them.
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
  // copy_vma: the new VMA has the old one's flags, file and anon_vma.
  Vma nv = old;
  nv.start = static_cast<uint8_t>(to);
  nv.npages = static_cast<uint8_t>(new_npages);
  if (need_clear_uffd_wp) nv.flags &= ~VM_UFFD_WP;
  moved.vma[new_slot] = nv;
  if (dontunmap) {
    // dontunmap_complete: "We always clear VM_LOCKED[ONFAULT] on the old
    // VMA", and a whole-VMA move unlinks its anon_vma (unlink_anon_vmas):
    // the next fault there maps a fresh page.  The old VMA stays
    // registered with its userfaultfd context.
    Vma& ov = moved.vma[old_slot];
    ov.flags &= ~(VM_LOCKED | VMA_ANON_VMA);
  }
  p = moved;
  return Outcome::done();
}

// vrm_set_new_addr -> get_unmapped_area for MREMAP_DONTUNMAP and a moving
// expansion (no MREMAP_FIXED): the highest free range that does not overlap
// the VMA, as x86-64's top-down mmap layout (arch_get_unmapped_area_topdown)
// picks.  Top-down also keeps the model within its pages: a copy lands at
// the far end, so the original can still grow in place.
int unmapped_area_excluding(const Process& p, const Vma& v, int npages) {
  for (int start = MAX_PAGES - npages; start >= 0; start--) {
    bool free = true;
    for (int pg = start; pg < start + npages; pg++)
      free &= find_vma(p, pg) == nullptr && !(pg >= v.start && pg < v.start + v.npages);
    if (free) return start;
  }
  return -1;
}

int vma_slot(const Process& p, const Vma* v) { return static_cast<int>(v - p.vma.data()); }

// do_mremap's populate_expand: an expanded VM_LOCKED VMA is populated over
// the new part (mm_populate(new_addr + old_len, delta)), with the fault kind
// populate_vma_page_range uses.
Outcome populate_expand(State& s, int proc, const Vma& v, int old_npages, const Config& cfg) {
  if (!(v.flags & VM_LOCKED) || (v.flags2 & VM_NOACCESS)) return Outcome::done();
  const FaultinMode mode = (v.flags & VM_WRITE) && !vma_is_shared(v) ? FaultinMode::Write : FaultinMode::Read;
  for (int pg = v.start + old_npages; pg < v.start + v.npages; pg++) {
    Outcome o = faultin_page(s, proc, pg, mode, cfg);
    if (o.status == Status::OutOfCapacity) return o;
    if (o.status != Status::Done) return {Status::Done, "mm_populate stopped: -EFAULT"};
    if (s.proc[proc].pte[pg].kind == PteKind::Present && vma_is_anonymous(v)) s.proc[proc].ghost[pg] |= GHOST_MLOCKED;
  }
  return Outcome::done();
}

}  // namespace

Outcome mremap_move(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mremap returns EFAULT)");
  const int to = unmapped_area(p, v->npages);
  if (to < 0) return {Status::OutOfCapacity, "no free range for mremap to move to (raise MAX_PAGES)"};
  const int slot = vma_slot(p, v);
  return move_vma(s, proc, slot, to, v->npages, slot, cfg);
}

Outcome mremap_dontunmap(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mremap returns EFAULT)");
  const int to = unmapped_area_excluding(p, *v, v->npages);
  if (to < 0) return {Status::OutOfCapacity, "no free range for MREMAP_DONTUNMAP to move to (raise MAX_PAGES)"};
  int new_slot = -1;
  for (int i = 0; i < MAX_VMAS && new_slot < 0; i++)
    if (p.vma[i].kind == VmaKind::None) new_slot = i;
  if (new_slot < 0) return {Status::OutOfCapacity, "no free VMA slot for the MREMAP_DONTUNMAP copy (raise MAX_VMAS)"};
  return move_vma(s, proc, vma_slot(p, v), to, v->npages, new_slot, cfg);
}

// shrink_vma: do_vmi_munmap of [addr + new_len, addr + old_len), which
// zaps the tail as munmap does (ZAP_FLAG_DROP_MARKER).
Outcome mremap_shrink(State& s, int proc, int page, int new_npages, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mremap returns EFAULT)");
  if (new_npages == 0) new_npages = 1;
  if (new_npages < 1 || new_npages >= v->npages)
    return Outcome::disabled("a shrinking mremap needs a new size between 1 page and the VMA's size");
  const int slot = vma_slot(p, v);
  const int start = v->start, end = v->start + v->npages;
  for (int pg = start + new_npages; pg < end; pg++) {
    zap_one_pte(s, proc, pg, ZapDetails{.drop_markers = true}, cfg);
    Process& q = s.proc[proc];
    q.ghost[pg] = (q.pinned & (1u << pg)) ? GHOST_PIN_DETACHED : 0;  // the pin outlives the range
  }
  s.proc[proc].vma[slot].npages = static_cast<uint8_t>(new_npages);
  return Outcome::done();
}

Outcome mremap_expand(State& s, int proc, int page, int new_npages, MremapMayMove may_move, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mremap returns EFAULT)");
  if (new_npages == 0) new_npages = 2;
  if (new_npages <= v->npages) return Outcome::disabled("an expanding mremap needs a new size above the VMA's size");
  if (new_npages > MAX_PAGES) return {Status::OutOfCapacity, "mremap beyond the model's address space (raise MAX_PAGES)"};
  // Model: a file mapping grows only within the file (a page past EOF
  // would SIGBUS on access; the model's VMAs never reach past the inode).
  if (!vma_is_anonymous(*v) && v->inode != NONE && v->pgoff + new_npages > s.inode[v->inode].npages)
    return Outcome::disabled("model: expanding a file mapping past the file's end is not modelled");
  const int slot = vma_slot(p, v);
  const int old_npages = v->npages;
  // vrm_can_expand_in_place -> vma_expandable: nothing mapped in
  // [vm_end, vm_end + delta), inside the address space.
  bool expandable = v->start + new_npages <= MAX_PAGES;
  for (int pg = v->start + old_npages; expandable && pg < v->start + new_npages; pg++)
    expandable = find_vma(p, pg) == nullptr;
  if (expandable) {
    // expand_vma_in_place -> vma_merge_extend.  Model: no merge with a
    // following VMA that becomes adjacent (the model keeps two VMAs).
    p.vma[slot].npages = static_cast<uint8_t>(new_npages);
    MM_DECIDE("expand_vma", "mm/mremap.c", "vrm_can_expand_in_place(vrm)", "true: the VMA grows in place");
    return populate_expand(s, proc, s.proc[proc].vma[slot], old_npages, cfg);
  }
  // "We're not allowed to move the VMA, so error out."
  if (may_move == MremapMayMove::No) return {Status::Done, "mremap: -ENOMEM (no room to expand in place, no MREMAP_MAYMOVE)"};
  const int to = unmapped_area_excluding(p, *v, new_npages);
  if (to < 0) return {Status::OutOfCapacity, "no free range for the expanded VMA (raise MAX_PAGES)"};
  MM_DECIDE("expand_vma", "mm/mremap.c", "vrm_can_expand_in_place(vrm)", "false: MREMAP_MAYMOVE moves the VMA");
  Outcome o = move_vma(s, proc, slot, to, new_npages, slot, cfg);
  if (o.status != Status::Done) return o;
  return populate_expand(s, proc, s.proc[proc].vma[slot], old_npages, cfg);
}

}  // namespace mm
