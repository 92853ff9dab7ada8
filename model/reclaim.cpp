// Reclaim and swap-out (mm/vmscan.c shrink_folio_list, mm/rmap.c
// try_to_unmap_one, mm/swapfile.c folio_alloc_swap (add_to_swap before
// v6.14), mm/page_io.c swap_writeout / __swap_writepage, mm/madvise.c).
#include <fmt/format.h>

#include "model/decisions.h"
#include "model/reclaim.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/madvise.h"
#include "model/mlock.h"
#include "model/mm.h"
#include "model/shmem.h"

namespace mm {

namespace {

bool any_swap_device(const State& s) {
  for (const SwapDevice& d : s.swap)
    if (d.flags & SWP_USED) return true;
  return false;
}

// add_to_swap (v6.18: folio_alloc_swap, then folio_mark_dirty in
// shrink_folio_list): allocate a slot and put the anon folio in the swap cache.
Outcome add_to_swap(State& s, int f) {
  int type = 0, slot = 0;
  if (!get_swap_page(s, type, slot)) {
    if (!any_swap_device(s)) return Outcome::disabled("no swap device: anon folios cannot be reclaimed");
    return {Status::OutOfCapacity, "swap is full (raise MAX_SLOTS)"};
  }
  Folio& fo = s.folio[f];
  fo.flags |= PG_swapcache | PG_dirty;
  fo.swap_type = static_cast<uint8_t>(type);
  fo.swap_slot = static_cast<uint8_t>(slot);
  s.swap[type].slot[slot].has_cache = 1;
  return Outcome::done();
}

// try_to_unmap_one for one PTE mapping folio f: folio_mark_dirty from a
// dirty PTE; file: the PTE is cleared (a marker where one is due; the RFC's
// PAGEOUT marker only when `reclaim`, not for the unmap before a split);
// anon: swap_duplicate, folio_try_share_anon_rmap_pte (fails on a
// possibly pinned exclusive page: the walk aborts), a swap PTE with
// pte_swp_mkexclusive iff the page was exclusive, soft-dirty and uffd-wp kept.
bool try_to_unmap_one(State& s, int proc, int page, int f, const Config& cfg, bool reclaim = true) {
  Process& p = s.proc[proc];
  Pte& pte = p.pte[page];
  const Vma& v = *find_vma(p, page);
  Folio& fo = s.folio[f];
  const int sub = pte.b;
  if (pte.bits & PTE_DIRTY) fo.flags |= PG_dirty;  // folio_mark_dirty
  if (!fo.test(PG_anon)) {
    // File/shmem: the PTE is simply cleared.  With CONFIG_PTE_MARKER_UFFD_WP a
    // wp-protected PTE in a registered VMA keeps a UFFD_WP marker; the RFC's
    // CONFIG_PTE_MARKER_PAGEOUT leaves a PAGEOUT marker on every one.
    uint8_t marker = 0;
    if (cfg.CONFIG_PTE_MARKER_UFFD_WP && userfaultfd_wp(v) && (pte.bits & PTE_UFFD_WP))
      marker |= enc::PTE_MARKER_UFFD_WP;
    if (cfg.CONFIG_PTE_MARKER_PAGEOUT && reclaim) marker |= enc::PTE_MARKER_PAGEOUT;
    MM_DECIDE("try_to_unmap_one", "mm/rmap.c",
              "!folio_test_anon(folio): pte_clear, or a marker (pte_install_uffd_wp_if_needed; the RFC's PAGEOUT marker)",
              marker & enc::PTE_MARKER_UFFD_WP ? "a UFFD_WP marker (the PTE was uffd-wp protected)"
              : marker                         ? "a PAGEOUT marker (CONFIG_PTE_MARKER_PAGEOUT)"
                                               : "pte_none: the page refaults from the page cache",
              proc, page, f);
    pte = marker ? Pte{PteKind::Marker, 0, marker, 0} : Pte{};
    return true;
  }
  const bool anon_exclusive = cfg.PG_anon_exclusive && (fo.anon_exclusive & (1u << sub));
  // folio_try_share_anon_rmap_pte fails on a possibly pinned exclusive page.
  if (anon_exclusive && folio_maybe_dma_pinned(s, f)) {
    MM_DECIDE("try_to_unmap_one", "mm/rmap.c", "anon_exclusive && folio_try_share_anon_rmap_pte(folio, subpage)",
              "-EBUSY: the page may be pinned; the PTE is restored, the walk aborts", proc, page, f);
    return false;
  }
  MM_DECIDE("try_to_unmap_one", "mm/rmap.c", "anon_exclusive = folio_test_anon(folio) && PageAnonExclusive(subpage)",
            !cfg.PG_anon_exclusive ? "no PG_anon_exclusive in this kernel: 0"
            : anon_exclusive ? (cfg.pte_swp_exclusive ? "1: the swap PTE gets pte_swp_mkexclusive"
                                                      : "1, but no swp pte bit in this kernel: the swap PTE forgets it")
                             : "0: a plain swap PTE",
            proc, page, f);
  s.swap[fo.swap_type].slot[fo.swap_slot].count++;  // swap_duplicate
  if (anon_exclusive) fo.anon_exclusive &= ~(1u << sub);
  uint8_t bits = pte.bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP);
  if (anon_exclusive && cfg.pte_swp_exclusive) bits |= PTE_SWP_EXCLUSIVE;
  pte = Pte{PteKind::Swap, bits, fo.swap_type, fo.swap_slot};
  return true;
}

// split_huge_pmd on every PMD mapping of folio f (TTU_SPLIT_HUGE_PMD): an
// anon PMD becomes PTEs, a file PMD is zapped.
void split_huge_pmds_of(State& s, int f, const Config& cfg) {
  for (int pi = 0; pi < MAX_PROCS; pi++)
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = s.proc[pi].pte[pg];
      if (s.proc[pi].alive == PROC_ALIVE && pte.kind == PteKind::Present && pte.a == f &&
          (pte.bits & PTE_PMD))
        split_huge_pmd(s, pi, pg, cfg);
    }
}

// unmap_folio for a file (shmem) folio: try_to_unmap of every PTE mapping,
// with no PAGEOUT hint ("file pages can simply be left unmapped, then
// faulted back on demand"); a uffd-wp PTE keeps its marker.
void unmap_file_folio(State& s, int f, const Config& cfg) {
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    if (s.proc[pi].alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = s.proc[pi].pte[pg];
      if (pte.kind == PteKind::Present && pte.a == f) try_to_unmap_one(s, pi, pg, f, cfg, false);
    }
  }
}

// split_folio (__folio_split): every PMD mapping is split first
// (split_huge_pmd); a file folio is then unmapped from every PTE
// (unmap_folio; remap_page leaves file pages unmapped), while an anon one
// keeps its mappings (migration entries, restored by remap_page); then the
// large folio becomes small folios with the subpages' exclusivity, PTEs and
// pins.  The tail takes the next free id, returned in `tail` (-1 when it
// was freed or there was nothing to split).
Outcome split_folio(State& s, int f, const Config& cfg, int& tail) {
  tail = -1;
  split_huge_pmds_of(s, f, cfg);
  if (!s.folio[f].test(FOLIO_ALLOCATED)) return Outcome::done();  // shmem: zapped and freed
  if (folio_maybe_dma_pinned(s, f)) return Outcome::disabled("split_folio fails on a pinned large folio");
  // can_split_folio: every reference but the mappings' (and the caches') is
  // one split_folio cannot account for -- a pipe's vmsplice reference too.
  if (folio_pipe_refs(s, f) > 0) return Outcome::disabled("split_folio fails: a pipe holds a reference (can_split_folio)");
  const bool file = !s.folio[f].test(PG_anon);
  if (file) unmap_file_folio(s, f, cfg);
  int t = alloc_folio(s);
  if (t < 0) return {Status::OutOfCapacity, "no free folio to split a THP into (raise MAX_FOLIOS)"};
  Folio& head = s.folio[f];
  Folio& tail_folio = s.folio[t];
  tail_folio.flags = head.flags & ~PG_large;
  tail_folio.anon_exclusive = (head.anon_exclusive >> 1) & 1;
  tail_folio.content[0] = head.content[1];
  head.flags &= ~PG_large;
  head.anon_exclusive &= 1;
  head.content[1] = 0;
  for (Process& p : s.proc)
    for (Pte& pte : p.pte)
      if (pte.kind == PteKind::Present && pte.a == f && pte.b == 1) {
        pte.a = static_cast<uint8_t>(t);
        pte.b = 0;
      }
  for (Process& p : s.proc)
    for (int pg = 0; pg < MAX_PAGES; pg++)
      if ((p.pinned & (1u << pg)) && p.pin_folio[pg] == f && p.pin_subpage[pg] == 1) {
        p.pin_folio[pg] = static_cast<uint8_t>(t);
        p.pin_subpage[pg] = 0;
      }
  int inode = 0, index = 0;
  if (shmem_folio_index(s, f, inode, index) && index + 1 < MAX_INODE_PAGES)
    s.inode[inode].pc[index + 1] = PcEntry{PcKind::Folio, static_cast<uint8_t>(t), 0};
  // The caller's reference goes (folio_put after split_folio): an
  // unmapped, unpinned part is freed.
  folio_put_if_unused(s, t);
  folio_put_if_unused(s, f);
  if (s.folio[t].test(FOLIO_ALLOCATED)) tail = t;
  return Outcome::done();
}

bool folio_zero_filled(const Folio& fo) {
  for (int i = 0; i < fo.nr_pages(); i++)
    if (fo.content[i] != 0) return false;
  return true;
}

// pageout -> swap_writeout -> __swap_writepage for a dirty folio in the swap
// cache.  swap_writeout first gives the slot back when no swap PTE or shmem
// entry needs it (folio_free_swap); a zero-filled folio is recorded in the
// zeromap without I/O (v6.12+); otherwise writeback starts and the device
// gets the data.  A SWP_SYNCHRONOUS_IO device writes synchronously
// (swap_writepage_bdev_sync; v5.14: bdev_write_page via ->rw_page), so
// writeback has ended before pageout() returns; so does a device the
// scenario declares SWP_SYNC_WRITEBACK.  Model: no zswap, no
// arch_prepare_to_swap, no plugging.
void pageout(State& s, int f, const Config& cfg) {
  Folio& fo = s.folio[f];
  if (folio_free_swap(s, f)) {
    MM_DECIDE("swap_writeout", "mm/page_io.c", "folio_free_swap(folio)", "true: nothing uses the slot any more, no I/O", -1, -1, f);
    return;
  }
  fo.flags &= ~PG_dirty;  // folio_clear_dirty_for_io
  SwapDevice& dev = s.swap[fo.swap_type];
  if (cfg.swap_zeromap && folio_zero_filled(fo)) {
    MM_DECIDE("swap_writeout", "mm/page_io.c", "is_folio_zero_filled(folio)", "true: swap_zeromap_folio_set, no writeback", -1, -1, f);
    dev.slot[fo.swap_slot].content = 0;  // swap_zeromap_folio_set: reads back as zeroes
    return;
  }
  fo.flags |= PG_writeback;  // folio_start_writeback
  dev.slot[fo.swap_slot].content = fo.content[0];
  const bool sync = dev.flags & (SWP_SYNCHRONOUS_IO | SWP_SYNC_WRITEBACK);
  MM_DECIDE("__swap_writepage", "mm/page_io.c", "data_race(sis->flags & SWP_SYNCHRONOUS_IO) (swap_writepage_bdev_sync)",
            sync ? "true: writeback ends before pageout returns" : "false: the folio stays under writeback until folio_end_writeback",
            -1, -1, f);
  if (sync) fo.flags &= ~PG_writeback;
}

// __remove_mapping for an unmapped, clean, unpinned folio: it leaves the
// swap cache (the slot keeps its data and its swap count) and is freed.
void remove_mapping_swapcache(State& s, int f) {
  delete_from_swap_cache(s, f);
  free_folio(s, f);
}

}  // namespace

static Outcome shrink_small_folio(State& s, int f, bool anon, const Config& cfg);

// The tail of a shmem folio split by shmem_writeout, on the same
// folio_list: unmapped and dirty like its head, it goes through the rest of
// the pass.  It is not on the LRU (isolated on the list), so a Disabled
// outcome only means "kept"; a capacity bound still surfaces.
static Outcome shrink_split_tail(State& s, int t, const Config& cfg) {
  if (!s.folio[t].test(FOLIO_ALLOCATED)) return Outcome::done();
  Outcome o = shrink_small_folio(s, t, false, cfg);
  return o.status == Status::Disabled ? Outcome::done() : o;
}

bool try_to_unmap(State& s, int f, const Config& cfg) {
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    if (s.proc[pi].alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = s.proc[pi].pte[pg];
      if (pte.kind != PteKind::Present || pte.a != f) continue;
      if (!try_to_unmap_one(s, pi, pg, f, cfg)) return false;
    }
  }
  return true;
}

// Model: one folio, isolated from the LRU, ignoring references (as
// reclaim_pages does for MADV_PAGEOUT); folio_trylock succeeds; no mlock,
// no demotion, no lazyfree.  A large folio is split (large-folio swap-out,
// THP_SWAP, is not modelled).  Anon: split first, and only the head folio
// continues (the tail is reclaimed by its own event).  Shmem: try_to_unmap
// (TTU_SPLIT_HUGE_PMD: a PMD is zapped, PTEs get their markers) comes
// first; then shmem_writeout splits the folio and puts the tail on the
// same folio_list, so the tail is written out in the same pass.
Outcome shrink_folio_list(State& s, int f, const Config& cfg) {
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(FOLIO_ALLOCATED))
    return Outcome::disabled("no such folio");
  if (!folio_test_lru(s.folio[f]))
    return Outcome::disabled("folio is in another CPU's lru_add batch, not on the LRU: reclaim cannot isolate it");
  if (s.folio[f].test(PG_writeback)) return Outcome::disabled("folio is under writeback (activate_locked)");
  // folio_check_references: folio_referenced_one finds a VM_LOCKED VMA
  // (mlock_vma_folio): FOLIOREF_ACTIVATE; try_to_unmap_one aborts on it too.
  if (folio_mapped_in_locked_vma(s, f)) return Outcome::disabled("the folio is mlocked (VM_LOCKED): reclaim activates it");
  const bool anon = s.folio[f].test(PG_anon);
  // A lazyfree folio (MADV_FREE) is not swap-backed: no swap slot; it is
  // discarded when clean, or made swap-backed again (model/madvise.cpp).
  if (anon && (s.folio[f].flags2 & PG_lazyfree)) return shrink_lazyfree_folio(s, f, cfg);
  if (anon && !s.folio[f].test(PG_swapcache) && folio_maybe_dma_pinned(s, f))
    return Outcome::disabled("a possibly pinned anon folio is not added to swap (keep_locked)");
  int tail = -1;
  if (s.folio[f].test(PG_large)) {
    if (folio_maybe_dma_pinned(s, f)) return Outcome::disabled("split_folio fails on a pinned large folio");
    if (!anon) {
      split_huge_pmds_of(s, f, cfg);
      if (!s.folio[f].test(FOLIO_ALLOCATED)) return Outcome::done();
      try_to_unmap(s, f, cfg);  // a file folio's unmap never aborts
    }
    Outcome o = split_folio(s, f, cfg, tail);
    if (o.status != Status::Done) return o;
    if (anon) tail = -1;
    if (!s.folio[f].test(FOLIO_ALLOCATED))
      return tail < 0 ? Outcome::done() : shrink_split_tail(s, tail, cfg);
  }
  Outcome o = shrink_small_folio(s, f, anon, cfg);
  if (o.status != Status::Done || tail < 0) return o;
  return shrink_split_tail(s, tail, cfg);
}

// The rest of shrink_folio_list for a small folio: swap allocation,
// unmap, writeout, and freeing.
static Outcome shrink_small_folio(State& s, int f, bool anon, const Config& cfg) {
  if (anon && !s.folio[f].test(PG_swapcache)) {
    Outcome o = add_to_swap(s, f);  // folio_alloc_swap + folio_mark_dirty
    if (o.status != Status::Done) return o;
  }
  // try_to_unmap; a folio still mapped is activated (state kept as it is).
  if (folio_mapcount(s, f) > 0 && !try_to_unmap(s, f, cfg)) return Outcome::done();
  if (folio_mapcount(s, f) > 0) return Outcome::done();
  // v6.x: a folio that may be pinned is not written out after the unmap.
  // (v5.14 went on to write it; the pin kept it in the swap cache.)
  if (folio_maybe_dma_pinned(s, f)) return Outcome::done();
  Folio& fo = s.folio[f];
  if (!anon && !fo.test(PG_swapcache)) {
    if (!fo.test(PG_dirty)) {
      // A clean shmem folio (never written) is dropped like any clean page cache.
      int inode = 0, index = 0;
      // __remove_mapping: folio_ref_freeze fails on a reference it does not
      // expect (a pipe's vmsplice reference): the folio is kept.
      if (folio_pipe_refs(s, f) > 0) return Outcome::done();
      if (shmem_folio_index(s, f, inode, index)) {
        s.inode[inode].pc[index] = PcEntry{};
        free_folio(s, f);
      }
      return Outcome::done();
    }
    Outcome o = shmem_writeout(s, f, cfg);
    if (o.status != Status::Done) return o.status == Status::Disabled ? Outcome::done() : o;
  }
  if (s.folio[f].test(PG_dirty)) {
    pageout(s, f, cfg);
    if (!s.folio[f].test(PG_swapcache)) {  // swap_writeout gave the slot back
      folio_put_if_unused(s, f);
      return Outcome::done();
    }
  }
  // PAGE_SUCCESS / PAGE_CLEAN: a folio no longer dirty nor under writeback
  // is freed right away (__remove_mapping); one under writeback stays in
  // the swap cache until a later reclaim (the swapcache_drop event).
  // __remove_mapping's folio_ref_freeze fails while a pipe holds a
  // reference (vmsplice): the folio stays in the swap cache, unmapped.
  if (!s.folio[f].test(PG_writeback) && !s.folio[f].test(PG_dirty) && folio_pipe_refs(s, f) == 0)
    remove_mapping_swapcache(s, f);
  return Outcome::done();
}

// madvise_cold_or_pageout_pte_range (pageout) for one page, then
// reclaim_pages.  Skips the zero page, folios mapped more than once
// (folio_mapcount != folio_nr_pages; folio_maybe_mapped_shared for a large
// folio) and folios under writeback; a large folio only partly in the range
// (here: always, the range is one page) is split first and only the small
// folio at this page goes on.  A folio not on the LRU (only under
// the knob lru_batch_other_cpu (model/lru_knobs.h)) is skipped.
Outcome madvise_pageout(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  if (!find_vma(p, page)) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  // can_madv_lru_vma: not on VM_LOCKED (-EINVAL, nothing happens).
  if (find_vma(p, page)->flags & VM_LOCKED) return {Status::Done, "MADV_PAGEOUT: -EINVAL on a VM_LOCKED VMA"};
  if (p.pte[page].kind != PteKind::Present || p.pte[page].a == NONE) return Outcome::done();
  int f = p.pte[page].a;
  // madvise_pageout's lru_add_drain drains only this CPU's batches: a folio
  // still in another CPU's lru_add batch fails folio_isolate_lru (a large
  // one fails split_folio first, on the batch's extra reference) and is
  // left alone.
  if (!folio_test_lru(s.folio[f])) return Outcome::done();
  if (s.folio[f].test(PG_large)) {
    if (folio_nr_mapping_procs(s, f) > 1) return Outcome::done();  // folio_maybe_mapped_shared
    if (folio_maybe_dma_pinned(s, f)) return Outcome::done();      // split_folio fails
    int tail = -1;
    Outcome o = split_folio(s, f, cfg, tail);
    if (o.status != Status::Done) return o.status == Status::Disabled ? Outcome::done() : o;
    // A file folio's split unmapped every PTE (unmap_folio): the re-read
    // PTE is none and madvise moves on without paging anything out.
    if (p.pte[page].kind != PteKind::Present) return Outcome::done();
    f = p.pte[page].a;
  }
  if (folio_mapcount(s, f) != s.folio[f].nr_pages()) {
    MM_DECIDE("madvise_cold_or_pageout_pte_range", "mm/madvise.c", "folio_mapcount(folio) != folio_nr_pages(folio)",
              fmt::format("true (mapcount {}): skipped, the folio is shared", folio_mapcount(s, f)), proc, page, f);
    return Outcome::done();
  }
  if (s.folio[f].test(PG_writeback)) {
    MM_DECIDE("shrink_folio_list", "mm/vmscan.c", "folio_test_writeback(folio)", "true: kept", proc, page, f);
    return Outcome::done();
  }
  // Ghost (pageout_scope): which other mms map the folio now, so that a
  // mapping the reclaim below takes from them is recorded against this
  // madvise.  Kernel rule: "Do not interfere with other mappings of this
  // folio" (12e967fd8e4e).
  uint8_t others[MAX_PROCS] = {};
  for (int q = 0; q < MAX_PROCS; q++)
    if (q != proc && s.proc[q].alive == PROC_ALIVE)
      for (int pg = 0; pg < MAX_PAGES; pg++)
        if (s.proc[q].pte[pg].kind == PteKind::Present && s.proc[q].pte[pg].a == f) others[q] |= 1u << pg;
  Outcome o = shrink_folio_list(s, f, cfg);
  for (int q = 0; q < MAX_PROCS; q++)
    for (int pg = 0; pg < MAX_PAGES; pg++)
      if ((others[q] & (1u << pg)) && !(s.proc[q].pte[pg].kind == PteKind::Present && s.proc[q].pte[pg].a == f))
        s.proc[q].ghost2[pg] |= GHOST2_PAGED_OUT_BY_OTHER;
  return o.status == Status::Disabled ? Outcome::done() : o;
}

Outcome lru_add_drain(State& s, int f, const Config& cfg) {
  (void)cfg;
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(FOLIO_ALLOCATED) || !s.folio[f].test(FOLIO_LRU_BATCHED))
    return Outcome::disabled("folio is not in an lru_add batch");
  s.folio[f].flags &= ~FOLIO_LRU_BATCHED;  // lru_add: folio_set_lru, onto the LRU list
  return Outcome::done();
}

Outcome folio_end_writeback(State& s, int f, const Config& cfg) {
  (void)cfg;
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(PG_writeback))
    return Outcome::disabled("folio is not under writeback");
  s.folio[f].flags &= ~PG_writeback;
  return Outcome::done();
}

Outcome swap_cache_drop(State& s, int f, const Config& cfg) {
  (void)cfg;
  if (f < 0 || f >= MAX_FOLIOS) return Outcome::disabled("no such folio");
  Folio& fo = s.folio[f];
  if (!fo.test(FOLIO_ALLOCATED) || !fo.test(PG_swapcache)) return Outcome::disabled("folio is not in the swap cache");
  if (fo.test(PG_writeback)) return Outcome::disabled("folio is under writeback");
  if (folio_mapcount(s, f) == 0 && folio_pins(s, f) == 0 && folio_pipe_refs(s, f) == 0) {
    // A later shrink_folio_list pass: __remove_mapping frees a clean folio
    // (its folio_ref_freeze fails while a pipe holds a reference).
    if (fo.test(PG_dirty)) return Outcome::disabled("folio is dirty: reclaim writes it out first");
    remove_mapping_swapcache(s, f);
    return Outcome::done();
  }
  // folio_free_swap on a mapped (or pinned, or vmspliced) folio, as swap pressure
  // (mem_cgroup_swap_full) makes do_swap_page or reclaim do.
  if (!folio_free_swap(s, f)) return Outcome::disabled("folio_free_swap: a swap PTE or shmem entry still uses the slot");
  return Outcome::done();
}

}  // namespace mm
