// PAGEMAP_SCAN (fs/proc/task_mmu.c v6.18): do_pagemap_scan,
// pagemap_scan_test_walk, pagemap_page_category, pagemap_thp_category,
// make_uffd_wp_pte, pagemap_scan_pte_hole.
//
// Model: one page per call; the vector, max_pages and walk_end arguments
// are the program's business, not the kernel state's.
#include "model/pagemap_scan.h"

#include "model/encoding.h"
#include "model/migrate_knobs.h"
#include "model/mm.h"
#include "model/mprotect.h"

namespace mm {

namespace {

// userfaultfd_wp_async(vma) && userfaultfd_wp_use_markers(vma)
bool vma_wp_allowed(const Vma& v, const Config& cfg) {
  if (!userfaultfd_wp(v) || !(v.flags2 & VM_UFFD_WP_ASYNC)) return false;
  if (!cfg.CONFIG_PTE_MARKER_UFFD_WP) return false;
  return !vma_is_anonymous(v) || (v.flags2 & VM_UFFD_WP_UNPOPULATED);
}

}  // namespace

uint32_t pagemap_scan_categories(const State& s, int proc, int page, const Config& cfg) {
  const Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return 0;
  uint32_t c = vma_wp_allowed(*v, cfg) ? PAGE_IS_WPALLOWED : 0;
  const Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::None:
      break;  // pagemap_scan_pte_hole: only the VMA's categories
    case PteKind::Present:
      c |= PAGE_IS_PRESENT;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.a == NONE) {
        c |= PAGE_IS_PFNZERO;  // is_zero_pfn (the huge zero PMD: is_huge_zero_pmd)
      } else if (!s.folio[pte.a].test(PG_anon)) {
        c |= PAGE_IS_FILE;  // vm_normal_page && !PageAnon
      }
      if (pte.bits & PTE_PMD) c |= PAGE_IS_HUGE;  // pagemap_thp_category
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Swap:
      c |= PAGE_IS_SWAPPED;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Migration:
      // is_swap_pte: PAGE_IS_SWAPPED; PAGE_IS_FILE for a non-anon folio
      // (is_pfn_swap_entry); soft-dirty from the swap PTE.
      c |= PAGE_IS_SWAPPED;
      if (!(pte.bits & PTE_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (!s.folio[pte.a].test(PG_anon)) c |= PAGE_IS_FILE;
      if (pte.bits & PTE_SOFT_DIRTY) c |= PAGE_IS_SOFT_DIRTY;
      break;
    case PteKind::Marker:
      // A marker is a swap PTE to is_swap_pte: PAGE_IS_SWAPPED;
      // pte_swp_uffd_wp_any counts the uffd-wp marker.
      c |= PAGE_IS_SWAPPED;
      if (!(pte.a & enc::PTE_MARKER_UFFD_WP)) c |= PAGE_IS_WRITTEN;
      if (pte.a & enc::PTE_MARKER_GUARD) c |= PAGE_IS_GUARD;
      break;
  }
  return c;
}

Outcome pagemap_scan_wp(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (PAGEMAP_SCAN skips it)");
  // pagemap_scan_test_walk: PM_SCAN_CHECK_WPASYNC on a VMA that is not WP-allowed.
  if (!vma_wp_allowed(*v, cfg)) return {Status::Done, "PAGEMAP_SCAN: -EPERM (the VMA is not uffd-wp async)"};
  const uint32_t c = pagemap_scan_categories(s, proc, page, cfg);
  if (!(c & PAGE_IS_WRITTEN)) return Outcome::done();  // category_mask: only written pages match
  Pte& pte = p.pte[page];
  // make_uffd_wp_pte (a PMD: make_uffd_wp_pmd; the model keeps the pair equal).
  if (pte.kind == PteKind::Present) {
    const int head = (pte.bits & PTE_PMD) ? page & ~(MAX_FOLIO_PAGES - 1) : page;
    const int n = (pte.bits & PTE_PMD) ? MAX_FOLIO_PAGES : 1;
    for (int i = head; i < head + n; i++) {
      p.pte[i].bits = (p.pte[i].bits | PTE_UFFD_WP) & ~PTE_WRITE;
      p.ghost[i] |= GHOST_WP;
    }
    return Outcome::done();
  }
  // is_swap_pte covers migration entries: pte_swp_mkuffd_wp, even on a
  // writable one (unlike change_pte_range, make_uffd_wp_pte does not make it
  // readable first, and remove_migration_pte drops uffd-wp of a writable entry).
  if (pte.kind == PteKind::Migration && migration_entry_wrprotect(cfg)) change_migration_entry(s, pte);
  if (pte.kind == PteKind::Swap || pte.kind == PteKind::Migration) pte.bits |= PTE_UFFD_WP;
  else if (pte.kind == PteKind::Marker && !(pte.a & enc::PTE_MARKER_GUARD)) pte.a |= enc::PTE_MARKER_UFFD_WP;
  else return Outcome::done();
  p.ghost[page] |= GHOST_WP;
  return Outcome::done();
}

}  // namespace mm
