// GUP pins (mm/gup.c), UFFDIO_WRITEPROTECT (mm/userfaultfd.c,
// change_pte_range in mm/mprotect.c) and clear_refs (fs/proc/task_mmu.c).
#include "model/decisions.h"
#include "model/gup.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/migrate_knobs.h"
#include "model/mm.h"

namespace mm {

// gup_must_unshare (FOLL_PIN | FOLL_LONGTERM, no FOLL_WRITE): a R/O pin of
// an anon page that is not PageAnonExclusive must unshare it first, so the
// pin and the mapping keep seeing the same page.  A page that is not anon
// (the shared zero page, a page-cache page) is unshared in a private COW
// mapping only: the pin then holds a fresh exclusive anon copy.
static bool gup_must_unshare(const State& s, const Vma& v, const Pte& pte, const Config& cfg) {
  if (!cfg.gup_unshare_on_ro_pin) {
    MM_DECIDE("gup_must_unshare", "mm/internal.h", "FAULT_FLAG_UNSHARE exists (v5.19)", "false: v5.14 pins the page as it is");
    return false;
  }
  if (pte.a == NONE || !s.folio[pte.a].test(PG_anon)) {
    const bool r = is_cow_mapping(v);
    MM_DECIDE("gup_must_unshare", "mm/internal.h", "!folio_test_anon(folio): is_cow_mapping(vma->vm_flags)",
              r ? "true: unshare into a private anon copy" : "false", -1, -1, pte.a == NONE ? -1 : pte.a);
    return r;
  }
  const bool r = !(s.folio[pte.a].anon_exclusive & (1u << pte.b));
  MM_DECIDE("gup_must_unshare", "mm/internal.h", "!PageAnonExclusive(page)",
            r ? "true: FAULT_FLAG_UNSHARE first" : "false: the page is exclusive, pin it", -1, -1, pte.a);
  return r;
}

// __get_user_pages: follow_page_pte, faulting in (handle_mm_fault, read)
// until the page is present, and with FAULT_FLAG_UNSHARE while
// gup_must_unshare; then try_grab_folio(FOLL_PIN).
// Model: one pin per page and process; v5.14's pin of the shared zero page
// (which the kernel allowed) is not modelled (Disabled).
Outcome pin_user_pages_ro(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  const Vma* v = find_vma(p, page);
  if (!v) return {Status::Sigsegv, "no VMA at this address (pin_user_pages returns -EFAULT)"};
  // check_vma_flags: no VM_READ (PROT_NONE) and no FOLL_FORCE.
  if (v->flags2 & VM_NOACCESS) return {Status::Sigsegv, "pin_user_pages of a PROT_NONE VMA returns -EFAULT"};
  if (p.pinned & (1u << page)) return Outcome::disabled("the page is already pinned (the model holds one pin per page)");
  // __get_user_pages: fault in until follow_page_pte succeeds.
  for (int tries = 0; tries < 4; tries++) {
    const Pte& pte = p.pte[page];
    if (pte.kind != PteKind::Present) {
      Outcome o = handle_mm_fault(s, proc, page, false, false, cfg);
      if (o.status != Status::Done) return o;
      continue;
    }
    if (gup_must_unshare(s, *v, pte, cfg)) {
      Outcome o = handle_mm_fault(s, proc, page, false, true, cfg);  // FAULT_FLAG_UNSHARE
      if (o.status != Status::Done) return o;
      continue;  // follow_page_pte again
    }
    if (p.pte[page].a == NONE) return Outcome::disabled("pinning the shared zero page is not modelled");
    try_grab_folio_pin(s, proc, page, cfg);
    return Outcome::done();
  }
  return Outcome::disabled("GUP did not converge");
}

// try_grab_folio(FOLL_PIN) on the page the PTE maps: the pin's reference,
// and (ghost) the value the pin was given, which pin_coherence holds it to.
void try_grab_folio_pin(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  p.pinned |= 1u << page;
  p.ghost[page] &= ~GHOST_PIN_DETACHED;
  p.pin_folio[page] = p.pte[page].a;
  p.pin_subpage[page] = p.pte[page].b;
  p.pin_value[page] = s.folio[p.pte[page].a].content[p.pte[page].b];  // ghost
  // Ghost: was the pinned page exclusive to this mapping and mapped writable
  // when pinned?  That is the pin the kernel has promised to keep coherent
  // since v5.9 (a FOLL_WRITE pin breaks COW first; fork, clear_refs and
  // reclaim then leave the page alone).  A R/O pin of a write-protected page
  // had no such promise before FAULT_FLAG_UNSHARE (v5.19).  Exclusive: with
  // PG_anon_exclusive the flag; before it, anon, mapped once, not in the
  // swap cache and referenced by nothing but this mapping and this pin.
  const int f = p.pte[page].a;
  const Folio& fo = s.folio[f];
  const bool excl = fo.test(PG_anon) && !fo.test(PG_large) && (p.pte[page].bits & PTE_WRITE) &&
                    (cfg.PG_anon_exclusive ? (fo.anon_exclusive & (1u << p.pte[page].b)) != 0
                                           : folio_mapcount(s, f) == 1 && !fo.test(PG_swapcache) &&
                                                 folio_ref_count(s, f) == 2);
  if (excl) p.ghost2[page] |= GHOST2_PIN_EXCLUSIVE;
  else p.ghost2[page] &= ~GHOST2_PIN_EXCLUSIVE;
}

// unpin_user_page: the pin's reference goes; an otherwise unreferenced folio is freed.
Outcome unpin_user_page(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  Process& p = s.proc[proc];
  if (!(p.pinned & (1u << page))) return Outcome::disabled("no pin held at this page");
  int f = p.pin_folio[page];
  p.pinned &= ~(1u << page);
  p.pin_folio[page] = p.pin_subpage[page] = p.pin_value[page] = 0;
  p.ghost[page] &= ~GHOST_PIN_DETACHED;
  p.ghost2[page] &= ~GHOST2_PIN_EXCLUSIVE;
  folio_put_if_unused(s, f);
  return Outcome::done();
}

// change_pte_range on a migration entry (model/mprotect.h; declared here
// because this file keeps its own can_change_pte_writable).
void change_migration_entry(const State& s, Pte& pte);

// can_change_pte_writable (mm/mprotect.c), as MM_CP_TRY_CHANGE_WRITABLE
// uses it when uffd-wp is resolved: an exclusive anon page of a private VMA,
// or a dirty PTE of a shared one, may become writable without a fault.
static bool can_change_pte_writable(const State& s, const Vma& v, const Pte& pte, const Config& cfg) {
  if (!(v.flags & VM_WRITE) || (pte.bits & PTE_WRITE)) return false;
  if (vma_soft_dirty_enabled(v, cfg) && !(pte.bits & PTE_SOFT_DIRTY)) return false;  // pte_needs_soft_dirty_wp
  if (pte.bits & PTE_UFFD_WP) return false;
  if (!vma_is_shared(v)) {
    if (pte.a == NONE) return false;
    const Folio& fo = s.folio[pte.a];
    return fo.test(PG_anon) && (fo.anon_exclusive & (1u << pte.b));
  }
  return pte.bits & PTE_DIRTY;
}

// mwriteprotect_range -> uffd_wp_range -> change_protection(MM_CP_UFFD_WP or
// MM_CP_UFFD_WP_RESOLVE) -> change_pte_range, for one page.
Outcome mwriteprotect_range(State& s, int proc, int page, bool enable, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (UFFDIO_WRITEPROTECT returns -ENOENT)");
  if (!userfaultfd_wp(*v)) return Outcome::disabled("the VMA is not registered for uffd-wp (-ENOENT)");
  Pte& pte = p.pte[page];
  // change_pmd_range: one page is less than the PMD (and pgtable_split_needed
  // for any file VMA), so a PMD mapping is split first -- for shmem the
  // split zaps it and the PTE below is none.
  if (pte.kind == PteKind::Present && (pte.bits & PTE_PMD)) split_huge_pmd(s, proc, page, cfg);
  // Guard and poison markers are left alone ("any access should sigbus/sigsegv anyway").
  const bool error_marker = pte.kind == PteKind::Marker &&
                            (pte.a & (enc::PTE_MARKER_GUARD | enc::PTE_MARKER_POISONED));
  if (error_marker) return Outcome::done();
  if (enable) {
    switch (pte.kind) {
      case PteKind::Present:
        pte.bits = (pte.bits | PTE_UFFD_WP) & ~PTE_WRITE;  // pte_mkuffd_wp write-protects
        break;
      case PteKind::Swap:
        pte.bits |= PTE_UFFD_WP;  // pte_swp_mkuffd_wp
        break;
      case PteKind::Migration:
        change_migration_entry(s, pte);  // a writable entry goes readable first
        pte.bits |= PTE_UFFD_WP;          // pte_swp_mkuffd_wp
        break;
      case PteKind::Marker:
        // A uffd-wp marker already protects; the RFC's PAGEOUT marker gains
        // the bit only where uffd-wp markers exist.
        if (cfg.CONFIG_PTE_MARKER_UFFD_WP) pte.a |= enc::PTE_MARKER_UFFD_WP;
        break;
      case PteKind::None:
        // userfaultfd_wp_use_markers: file-backed none PTEs get a marker
        // (the page cache or swap may still hold the page); unpopulated anon
        // PTEs are not protected (no UFFD_FEATURE_WP_UNPOPULATED).
        // UFFD_FEATURE_WP_UNPOPULATED makes anon VMAs use markers too.
        if ((vma_is_anonymous(*v) && !(v->flags2 & VM_UFFD_WP_UNPOPULATED)) || !cfg.CONFIG_PTE_MARKER_UFFD_WP)
          return Outcome::done();
        pte = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_UFFD_WP), 0};
        break;
    }
    p.ghost[page] |= GHOST_WP;
    return Outcome::done();
  }
  // MM_CP_UFFD_WP_RESOLVE: the bit goes; a marker is cleared outright (the
  // next fault is an ordinary one); MM_CP_TRY_CHANGE_WRITABLE may make the
  // PTE writable again (v5.14: the PTE stays read-only).
  switch (pte.kind) {
    case PteKind::Present:
      pte.bits &= ~PTE_UFFD_WP;
      if (cfg.PG_anon_exclusive && can_change_pte_writable(s, *v, pte, cfg)) pte.bits |= PTE_WRITE;
      break;
    case PteKind::Swap:
      pte.bits &= ~PTE_UFFD_WP;
      break;
    case PteKind::Migration:
      change_migration_entry(s, pte);
      pte.bits &= static_cast<uint8_t>(~PTE_UFFD_WP);  // pte_swp_clear_uffd_wp
      break;
    case PteKind::Marker:
      pte = Pte{};
      break;
    case PteKind::None:
      break;
  }
  p.ghost[page] &= ~GHOST_WP;
  return Outcome::done();
}

// clear_refs_write(CLEAR_REFS_SOFT_DIRTY): VM_SOFTDIRTY goes from every VMA
// (vma_set_page_prot then wants write notification), and clear_soft_dirty /
// clear_soft_dirty_pmd write-protect present PTEs and clear their soft-dirty
// bit, or clear the bit of a swap PTE.  pte_is_pinned: a possibly pinned
// page of a COW mapping is left alone.  Markers are not touched.
Outcome clear_refs_soft_dirty(State& s, int proc, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  if (!cfg.CONFIG_MEM_SOFT_DIRTY) return Outcome::done();  // clear_soft_dirty is empty
  for (Vma& v : p.vma) v.flags &= ~VM_SOFTDIRTY;
  for (int pg = 0; pg < MAX_PAGES; pg++) {
    Pte& pte = p.pte[pg];
    const Vma* v = find_vma(p, pg);
    const bool pinned = v && pte.kind == PteKind::Present && !(pte.bits & PTE_PMD) && pte.a != NONE &&
                        is_cow_mapping(*v) && folio_needs_cow_for_dma(s, proc, pte.a);
    if (pte.kind == PteKind::Present && !pinned) pte.bits &= ~(PTE_SOFT_DIRTY | PTE_WRITE);
    // clear_soft_dirty: is_swap_pte covers migration entries too; a writable
    // one stays writable (v6.18), unless the proposed fix write-protects it.
    if (pte.kind == PteKind::Migration && migration_entry_wrprotect(cfg)) change_migration_entry(s, pte);
    if (pte.kind == PteKind::Swap || pte.kind == PteKind::Migration) pte.bits &= ~PTE_SOFT_DIRTY;
    if (!pinned) p.ghost[pg] &= ~(GHOST_WRITTEN | GHOST_SD_BLIND);
    if (pinned) p.ghost[pg] |= GHOST_SD_BLIND;  // ghost
  }
  return Outcome::done();
}

}  // namespace mm
