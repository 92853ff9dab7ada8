// MADV_COLLAPSE on the 2-page THP model: the checks of
// hpage_collapse_scan_pmd / __collapse_huge_page_isolate (mm/khugepaged.c
// v6.18) for a collapse_control with is_khugepaged == false, and what
// collapse_huge_page leaves behind.
#include "model/khugepaged.h"

#include <cerrno>
#include <cstring>

#include "model/decisions.h"
#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"

namespace mm {

namespace {

Outcome refused(const char* scan_result) { return {Status::Done, scan_result}; }

// folio_expected_ref_count (include/linux/mm.h) for an anon folio: one
// reference per mapping, one per page in the swap cache.
int folio_expected_ref_count(const State& s, int f) {
  const Folio& fo = s.folio[f];
  return folio_large_mapcount(s, f) + (fo.test(PG_swapcache) ? fo.nr_pages() : 0);
}

// madvise_collapse_errno (mm/khugepaged.c v6.18), keyed by the SCAN_* name
// each refusal's reason starts with.  SCAN_PMD_NULL stands for the
// kernel's SCAN_PMD_NONE (a pmd_none range) and for the VMA without an
// anon_vma that thp_vma_allowable_order refuses: both EINVAL.
int collapse_errno(const char* reason) {
  if (!reason || !*reason) return 0;
  auto starts = [&](const char* p) { return std::strncmp(reason, p, std::strlen(p)) == 0; };
  if (starts("SCAN_ALLOC_HUGE_PAGE_FAIL")) return ENOMEM;
  if (starts("SCAN_EXCEED_NONE_PTE") || starts("SCAN_CGROUP_CHARGE_FAIL")) return EBUSY;
  if (starts("SCAN_PAGE_COUNT") || starts("SCAN_PAGE_LOCK") || starts("SCAN_PAGE_LRU") || starts("SCAN_DEL_PAGE_LRU"))
    return EAGAIN;
  return EINVAL;
}

// The scan of one PTE: nullptr when it may be collapsed, else the
// SCAN_* result that stops the collapse.
const char* scan_pte(const State& s, const Vma& v, const Pte& pte) {
  switch (pte.kind) {
    case PteKind::Swap:
    case PteKind::Marker:
    case PteKind::Migration:
      // is_swap_pte: MADV_COLLAPSE has no max_ptes_swap limit, but
      // pte_swp_uffd_wp_any refuses uffd-wp swap PTEs and markers.
      if (pte.kind == PteKind::Marker ? (pte.a & enc::PTE_MARKER_UFFD_WP) : (pte.bits & PTE_UFFD_WP))
        return "SCAN_PTE_UFFD_WP: a uffd-wp swap PTE or marker";
      return nullptr;
    case PteKind::None:
      // pte_none or the zero page: no max_ptes_none limit for MADV_COLLAPSE,
      // but none at all in a userfaultfd-armed VMA.
      return userfaultfd_wp(v) ? "SCAN_EXCEED_NONE_PTE: an empty PTE in a userfaultfd-armed VMA" : nullptr;
    case PteKind::Present:
      break;
  }
  if (pte.a == NONE) return userfaultfd_wp(v) ? "SCAN_EXCEED_NONE_PTE: the zero page in a userfaultfd-armed VMA" : nullptr;
  if (pte.bits & PTE_UFFD_WP) return "SCAN_PTE_UFFD_WP: a uffd-wp PTE";
  const Folio& fo = s.folio[pte.a];
  if (!fo.test(PG_anon)) return "SCAN_PAGE_ANON: not an anonymous page";
  if (!folio_test_lru(fo)) return "SCAN_PAGE_LRU: the folio is not on the LRU";
  // folio_expected_ref_count != folio_ref_count: any reference beyond the
  // mappings and the swap cache stops it, a pin (GUP) or a pipe buffer's
  // FOLL_GET reference (vmsplice) alike.  Measured on 6.18.44: a vmspliced
  // page makes MADV_COLLAPSE fail with EAGAIN (docs/kernel-experiments.md
  // section 13).
  if (folio_ref_count(s, pte.a) != folio_expected_ref_count(s, pte.a))
    return folio_maybe_dma_pinned(s, pte.a) ? "SCAN_PAGE_COUNT: the folio is pinned"
                                            : "SCAN_PAGE_COUNT: the folio has a reference beyond its mappings (a pipe buffer)";
  // No test of PG_writeback: neither hpage_collapse_scan_pmd nor
  // __collapse_huge_page_isolate makes one.  A folio under swap writeback
  // is unlocked (swap_writeout unlocks it once the I/O is submitted) and
  // back on the LRU (shrink_folio_list keeps it), so folio_test_locked /
  // folio_trylock and folio_isolate_lru succeed; the copy stays in the swap
  // cache until the writeback ends (free_swap_cache skips it).
  return nullptr;
}

}  // namespace

Outcome madvise_collapse(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  const int head = page & ~(MAX_FOLIO_PAGES - 1);
  // thp_vma_allowable_order(TVA_FORCED_COLLAPSE): the PMD range must lie in
  // the VMA; sysfs "enabled" and VM_HUGEPAGE are not needed for MADV_COLLAPSE.
  if (head < v->start || head + MAX_FOLIO_PAGES > v->start + v->npages)
    return refused("EINVAL: the PMD range is not inside the VMA");
  // Model: only private anon memory (collapse_file of shmem/memfd is not
  // modelled), and not PROT_NONE.
  if (!vma_is_anonymous(*v)) return Outcome::disabled("model: MADV_COLLAPSE of file/shmem memory (collapse_file) is not modelled");
  if (v->flags2 & VM_NOACCESS) return Outcome::disabled("model: MADV_COLLAPSE of a PROT_NONE VMA is not modelled");
  // find_pmd_or_thp_or_none: already a PMD mapping -> SCAN_PMD_MAPPED, success.
  const Pte& h = p.pte[head];
  if (h.kind == PteKind::Present && (h.bits & PTE_PMD)) return Outcome::done();
  // Model: page tables are not modelled; a pair of none PTEs is pmd_none
  // (SCAN_PMD_NULL: nothing to collapse), as do_anonymous_page takes it.
  bool any = false;
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) any |= p.pte[head + i].kind != PteKind::None;
  if (!any) return refused("SCAN_PMD_NULL: no page table (the model: both PTEs none)");
  // hugepage_vma_revalidate(expect_anon): an anon VMA without an anon_vma
  // (only the zero page was ever mapped) is refused.
  if (!(v->flags & VMA_ANON_VMA)) return refused("SCAN_PAGE_ANON: hugepage_vma_revalidate: the VMA has no anon_vma");
  for (int i = 0; i < MAX_FOLIO_PAGES; i++)
    if (const char* why = scan_pte(s, *v, p.pte[head + i])) {
      MM_DECIDE("hpage_collapse_scan_pmd", "mm/khugepaged.c", "per-PTE scan (cc->is_khugepaged == false)", why, proc,
                head + i);
      return refused(why);
    }
  // __collapse_huge_page_swapin: do_swap_page on every swap PTE (a guard
  // marker faults SIGSEGV there and the collapse fails; a migration entry
  // waits: the model completes the migration).
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) {
    const Pte& pte = p.pte[head + i];
    if (pte.kind == PteKind::Marker) return refused("SCAN_SWAP_IN_FAIL: a marker does not swap in (guard: SIGSEGV)");
    if (pte.kind != PteKind::Swap && pte.kind != PteKind::Migration) continue;
    Outcome o = handle_mm_fault(s, proc, head + i, false, false, cfg);
    if (o.status == Status::OutOfCapacity) return o;
    if (o.status != Status::Done || p.pte[head + i].kind != PteKind::Present)
      return Outcome::disabled("model: the swap-in of MADV_COLLAPSE did not map the page");
    if (const char* why = scan_pte(s, *v, p.pte[head + i])) return Outcome::disabled(why);  // apply() restores
  }
  // collapse_huge_page: a new THP, __collapse_huge_page_copy (the zero page
  // and none PTEs copy zeroes), then set_pmd_at of
  // maybe_pmd_mkwrite(pmd_mkdirty(mk_huge_pmd)) and
  // folio_add_new_anon_rmap(RMAP_EXCLUSIVE).
  const int f = alloc_folio(s, cfg);
  if (f < 0) return {Status::OutOfCapacity, "no free folio for MADV_COLLAPSE (raise MAX_FOLIOS)"};
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon | PG_large | PG_dirty;
  fo.anon_exclusive = cfg.PG_anon_exclusive ? (1u << MAX_FOLIO_PAGES) - 1 : 0;
  int old[MAX_FOLIO_PAGES];
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) {
    const Pte& pte = p.pte[head + i];
    old[i] = (pte.kind == PteKind::Present && pte.a != NONE) ? pte.a : -1;
    fo.content[i] = old[i] >= 0 ? s.folio[old[i]].content[pte.b] : 0;
  }
  const uint8_t bits = PTE_PMD | pte_mkdirty_bits(cfg) | ((v->flags & VM_WRITE) ? PTE_WRITE : 0);
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) {
    p.pte[head + i] = Pte{PteKind::Present, bits, static_cast<uint8_t>(f), static_cast<uint8_t>(i)};
    // Ghost: the new THP is swap-backed and holds the data: MADV_FREE's
    // "may read as zero" is over.
    p.ghost[head + i] &= static_cast<uint8_t>(~GHOST_LAZYFREE);
  }
  // __collapse_huge_page_copy_succeeded: the old pages are unmapped
  // (folio_remove_rmap_pte), free_swap_cache, and their references dropped.
  for (int i = 0; i < MAX_FOLIO_PAGES; i++)
    if (old[i] >= 0 && s.folio[old[i]].test(FOLIO_ALLOCATED)) {
      free_swap_cache(s, old[i]);
      folio_put_if_unused(s, old[i]);
    }
  return Outcome::done();
}

int madvise_collapse_return(const State& s, int proc, int page, const Config& cfg) {
  State copy = s;
  const Outcome o = madvise_collapse(copy, proc, page, cfg);
  if (o.status != Status::Done) return -1;
  return collapse_errno(o.reason);
}

}  // namespace mm
