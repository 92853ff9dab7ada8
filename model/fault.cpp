// Page faults: handle_mm_fault and what it dispatches to (mm/memory.c v6.18,
// with the v5.14 variants selected by Config).
#include "model/fault.h"

#include <fmt/format.h>

#include "model/decisions.h"
#include "model/encoding.h"
#include "model/migrate.h"
#include "model/mm.h"
#include "model/pipe.h"
#include "model/shmem.h"

namespace mm {

namespace {

Outcome capacity(const char* why) { return {Status::OutOfCapacity, why}; }

// A present PTE for subpage `sub` of folio f (or the zero page when f == NONE).
Pte make_present(int f, int sub, uint8_t bits) {
  return Pte{PteKind::Present, bits, static_cast<uint8_t>(f), static_cast<uint8_t>(sub)};
}

// vmf_orig_pte_uffd_wp: the faulting PTE carries uffd-wp (a marker or a swap bit).
bool orig_pte_uffd_wp(const Pte& pte) {
  if (pte.kind == PteKind::Marker) return pte.a & enc::PTE_MARKER_UFFD_WP;
  return pte.bits & PTE_UFFD_WP;
}

// thp_vma_suitable_order + pmd_none: the VMA is THP-eligible (VM_HUGEPAGE,
// THP enabled=madvise), covers the aligned page pair, and the pair has no
// PTE yet.  Model: "pmd_none" is "both PTEs none" (page tables are not
// modelled: the kernel keeps an emptied page table, the model does not).
bool thp_range_empty(const Process& p, const Vma& v, int page) {
  int head = page & ~(MAX_FOLIO_PAGES - 1);
  if (!(v.flags & VM_HUGEPAGE) || head < v.start || head + MAX_FOLIO_PAGES > v.start + v.npages)
    return false;
  for (int i = 0; i < MAX_FOLIO_PAGES; i++)
    if (p.pte[head + i].kind != PteKind::None) return false;
  return true;
}

// __do_huge_pmd_anonymous_page: a new exclusive THP mapped by a PMD, dirty,
// writable when VM_WRITE (map_anon_folio_pmd: maybe_pmd_mkwrite(pmd_mkdirty)).
// Reached by a write fault, or by a read fault when the huge zero folio is
// not used (mm_forbids_zeropage).
Outcome do_huge_pmd_anonymous_page(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  int f = alloc_folio(s, cfg);
  if (f < 0) return capacity("no free folio for a THP (raise MAX_FOLIOS)");
  anon_vma_prepare(v);
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon | PG_large;
  // folio_add_new_anon_rmap(RMAP_EXCLUSIVE): the head page (model: every page)
  fo.anon_exclusive = cfg.PG_anon_exclusive ? (1u << MAX_FOLIO_PAGES) - 1 : 0;
  int head = page & ~(MAX_FOLIO_PAGES - 1);
  const uint8_t bits = pte_mkdirty_bits(cfg) | ((v.flags & VM_WRITE) ? PTE_WRITE : 0);
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i] = make_present(f, i, bits | PTE_PMD);
  return Outcome::done();
}

// do_anonymous_page: first touch of a private anonymous page.  Reads map
// the shared zero page unless mm_forbids_zeropage; writes (and then reads)
// get a new exclusive folio, dirty, and writable when VM_WRITE.
Outcome do_anonymous_page(State& s, int proc, int page, bool write, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  bool uffd_wp = orig_pte_uffd_wp(p.pte[page]);
  MM_DECIDE("do_anonymous_page", "mm/memory.c", "vmf->flags & FAULT_FLAG_WRITE", write ? "write: a new exclusive folio" : cfg.mm_forbids_zeropage ? "read, but mm_forbids_zeropage(): a new zeroed exclusive folio" : "read: the zero page", proc, page);
  if (uffd_wp) MM_DECIDE("do_anonymous_page", "mm/memory.c", "vmf_orig_pte_uffd_wp(vmf)", "true: the PTE stays write-protected (pte_mkuffd_wp)", proc, page);
  if (!write && !cfg.mm_forbids_zeropage) {
    // do_huge_pmd_anonymous_page: the huge zero folio needs
    // !mm_forbids_zeropage && transparent_hugepage_use_zero_page().
    if (!uffd_wp && cfg.thp_use_zero_page && thp_range_empty(p, v, page)) {
      MM_DECIDE("do_huge_pmd_anonymous_page", "mm/huge_memory.c", "!(vmf->flags & FAULT_FLAG_WRITE) && mm_forbids_zeropage == false && transparent_hugepage_flags(USE_ZERO_PAGE)", "true: the huge zero folio by a PMD", proc, page);
      // do_huge_pmd_anonymous_page, read: vmf_anon_prepare, then the huge
      // zero folio mapped read-only by a PMD (set_huge_zero_folio).
      anon_vma_prepare(v);
      const int head = page & ~(MAX_FOLIO_PAGES - 1);
      for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i] = make_present(NONE, i, PTE_PMD);
      return Outcome::done();
    }
    // my_zero_pfn: read-only, no struct folio of ours, never exclusive.
    p.pte[page] = make_present(NONE, 0, uffd_wp ? PTE_UFFD_WP : 0);
    return Outcome::done();
  }
  // "Allocate our own private page" (a read fault gets here only under mm_forbids_zeropage).
  if (!uffd_wp && thp_range_empty(p, v, page)) {
    MM_DECIDE("do_huge_pmd_anonymous_page", "mm/huge_memory.c", "thp_vma_suitable_order(vma, haddr, PMD_ORDER) && pmd_none(*vmf->pmd)", "true: a THP mapped by a PMD", proc, page);
    return do_huge_pmd_anonymous_page(s, proc, page, cfg);
  }
  int f = alloc_folio(s, cfg);
  if (f < 0) return capacity("no free folio for do_anonymous_page (raise MAX_FOLIOS)");
  MM_DECIDE("do_anonymous_page", "mm/memory.c", "folio_add_new_anon_rmap(folio, vma, addr, RMAP_EXCLUSIVE)", cfg.PG_anon_exclusive ? "PageAnonExclusive = 1" : "no PG_anon_exclusive in this kernel", proc, page, f);
  anon_vma_prepare(v);
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon;
  fo.anon_exclusive = cfg.PG_anon_exclusive ? 1 : 0;
  // if (vma->vm_flags & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry))
  uint8_t bits = (v.flags & VM_WRITE) ? PTE_WRITE | pte_mkdirty_bits(cfg) : 0;
  if (uffd_wp) bits = (bits & ~PTE_WRITE) | PTE_UFFD_WP;  // pte_mkuffd_wp write-protects
  p.pte[page] = make_present(f, 0, bits);
  // A write through a uffd-wp marker (UFFD_FEATURE_WP_UNPOPULATED) maps the
  // folio write-protected; the CPU retries the store (write_access), and
  // do_wp_page -> userfaultfd_pte_wp hands it to userspace (or, with
  // UFFD_FEATURE_WP_ASYNC, resolves it in the kernel).
  return Outcome::done();
}

// should_try_to_free_swap: a write fault frees the swap slot when the swap
// cache holds the only other reference.  Model: the mem_cgroup_swap_full
// (swap more than half full) and mlock cases are never true: the model's
// few slots are an exploration bound, not the size of the device.
bool should_try_to_free_swap(const State& s, int f, bool write) {
  const Folio& fo = s.folio[f];
  if (!fo.test(PG_swapcache)) return false;
  return write && folio_ref_count(s, f) == fo.nr_pages();
}

// reuse_swap_page (v5.14): the page may be mapped writable at swap-in when
// this PTE's swap reference and mappings add up to one; a folio under
// writeback to a SWP_STABLE_WRITES device is never reused.
bool reuse_swap_page(State& s, int f) {
  Folio& fo = s.folio[f];
  int count = folio_mapcount(s, f);
  if (fo.test(PG_swapcache)) count += s.swap[fo.swap_type].slot[fo.swap_slot].count;
  if (count == 1 && fo.test(PG_swapcache)) {
    if (!fo.test(PG_writeback)) {
      // delete_from_swap_cache + SetPageDirty: the slot keeps only this PTE's count.
      delete_from_swap_cache(s, f);
      fo.flags |= PG_dirty;
    } else if (s.swap[fo.swap_type].flags & SWP_STABLE_WRITES) {
      return false;
    }
  }
  return count <= 1;
}

// do_swap_page: fault on a swap PTE of a private anonymous mapping.
// Model: swap-in reads one small folio (no readahead, no large-folio
// swap-in, no KSM copy); folio_lock and the pte_same re-checks always succeed.
Outcome do_swap_page(State& s, int proc, int page, bool write, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  const Pte orig = p.pte[page];
  const int type = orig.a, slot = orig.b;
  SwapDevice& si = s.swap[type];
  int swapcache = swap_cache_get_folio(s, type, slot);
  int f = swapcache;
  MM_DECIDE("do_swap_page", "mm/memory.c", "swap_cache_get_folio(entry)",
            f >= 0 ? fmt::format("F{}: the folio is in the swap cache{}", f, s.folio[f].test(PG_writeback) ? ", under writeback" : "")
                   : std::string("NULL: not in the swap cache, read it in"),
            proc, page, f);
  if (f < 0) {
    f = alloc_folio(s, cfg);
    if (f < 0) return capacity("no free folio for swap-in (raise MAX_FOLIOS)");
    Folio& fo = s.folio[f];
    fo.flags |= PG_anon;
    fo.content[0] = si.slot[slot].content;  // swap_read_folio
    const bool skip = (si.flags & SWP_SYNCHRONOUS_IO) && si.slot[slot].count == 1;
    MM_DECIDE("do_swap_page", "mm/memory.c", "data_race(si->flags & SWP_SYNCHRONOUS_IO) && __swap_count(entry) == 1",
              skip ? "true: a fresh folio outside the swap cache" : "false: swapin_readahead puts it in the swap cache",
              proc, page, f);
    if (skip) {
      // Skip the swap cache: a fresh folio nobody else can see.
    } else {
      // swapin_readahead: the folio enters the swap cache.
      fo.flags |= PG_swapcache;
      fo.swap_type = type;
      fo.swap_slot = slot;
      si.slot[slot].has_cache = 1;
      swapcache = f;
    }
  }
  Folio& fo = s.folio[f];

  bool exclusive = false;
  bool map_writable = false;
  if (cfg.PG_anon_exclusive) {
    exclusive = cfg.pte_swp_exclusive && (orig.bits & PTE_SWP_EXCLUSIVE);
    MM_DECIDE("do_swap_page", "mm/memory.c", cfg.pte_swp_exclusive ? "exclusive = pte_swp_exclusive(vmf->orig_pte)" : "exclusive = pte_swp_exclusive(vmf->orig_pte) (no swp pte bit in this kernel: 0)",
              exclusive ? "1" : "0", proc, page, f);
    bool stable = si.flags & SWP_STABLE_WRITES;
    if (cfg.swp_stable_writes_check_inverted) stable = !stable;  // the v2 series as first posted
    if (f != swapcache) {
      exclusive = true;  // fresh folio, never exposed to the swap cache
      MM_DECIDE("do_swap_page", "mm/memory.c", "folio != swapcache", "true: a fresh folio, exclusive = true", proc, page, f);
    } else if (exclusive) {
      const bool drop = fo.test(PG_writeback) && stable;
      MM_DECIDE("do_swap_page", "mm/memory.c",
                fmt::format("exclusive && folio_test_writeback(folio) [{}] && {}(si->flags & SWP_STABLE_WRITES) [{}]",
                            fo.test(PG_writeback) ? 1 : 0, cfg.swp_stable_writes_check_inverted ? "!" : "",
                            (si.flags & SWP_STABLE_WRITES) ? "set" : "clear"),
                drop ? "true: exclusive = false, the page must not change under writeback"
                     : fo.test(PG_writeback) ? "false: exclusive stays true although the folio is under writeback"
                                             : "false: exclusive stays true",
                proc, page, f);
      if (drop) exclusive = false;  // stable writes: the page must not change under writeback
    }
    // This PTE's reference to the slot goes (swap_free_nr), then maybe the slot.
    swap_free(s, type, slot);
    if (should_try_to_free_swap(s, f, write)) {
      MM_DECIDE("do_swap_page", "mm/memory.c", "should_try_to_free_swap(folio, vma, vmf->flags)",
                "true: folio_free_swap (a write fault and the swap cache holds the only other reference)", proc, page, f);
      folio_free_swap(s, f);
    }
    if (!exclusive)
      MM_DECIDE("do_swap_page", "mm/memory.c", "!exclusive && folio_ref_count(folio) == 1 (after folio_free_swap)",
                folio_ref_count(s, f) == 0 ? "true: exclusive = true" : fmt::format("false (refcount {}): map read-only, shared", folio_ref_count(s, f) + 1),
                proc, page, f);
    if (exclusive || folio_ref_count(s, f) == 0) {
      // userfaultfd_pte_wp and pte_needs_soft_dirty_wp keep the PTE read-only.
      const bool uffd = userfaultfd_wp(v) && (orig.bits & PTE_UFFD_WP);
      const bool sd = vma_soft_dirty_enabled(v, cfg) && !(orig.bits & PTE_SOFT_DIRTY);
      map_writable = (v.flags & VM_WRITE) && !uffd && !sd;
      exclusive = true;  // RMAP_EXCLUSIVE
      MM_DECIDE("do_swap_page", "mm/memory.c",
                "exclusive && (vma->vm_flags & VM_WRITE) && !userfaultfd_pte_wp(vma, pte) && !pte_needs_soft_dirty_wp(vma, pte)",
                map_writable ? "true: pte_mkwrite, mapped writable (RMAP_EXCLUSIVE)"
                             : fmt::format("false: mapped read-only{}{}", uffd ? " (uffd-wp)" : "", sd ? " (soft-dirty tracking)" : ""),
                proc, page, f);
    }
  } else {
    // v5.14: reuse_swap_page decides, only for write faults, before swap_free.
    if (f == swapcache) {
      map_writable = write && reuse_swap_page(s, f);
      MM_DECIDE("do_swap_page", "mm/memory.c", "(vmf->flags & FAULT_FLAG_WRITE) && reuse_swap_page(page, NULL)",
                map_writable ? "true: mapped writable and dirty" : "false: mapped read-only", proc, page, f);
    } else {
      map_writable = write;
    }
    swap_free(s, type, slot);
    if (orig.bits & PTE_UFFD_WP) map_writable = false;  // pte_mkuffd_wp + pte_wrprotect
  }

  if (exclusive) fo.anon_exclusive |= 1;
  uint8_t bits = orig.bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP);
  if (map_writable) {
    bits |= PTE_WRITE;
    if (write) bits |= pte_mkdirty_bits(cfg);
  }
  p.pte[page] = make_present(f, 0, bits);
  if (write && !map_writable) return do_wp_page(s, proc, page, false, cfg);
  return Outcome::done();
}

// shmem_fault may hand out a large folio to a VM_HUGEPAGE shared VMA whose
// aligned page pair lies inside the VMA (shmem_huge_enabled; model: the
// huge= mount/sysfs policy is "advise").
bool shmem_vma_huge(const Vma& v, int page) {
  const int head = page & ~(MAX_FOLIO_PAGES - 1);
  return (v.flags & VM_HUGEPAGE) && vma_is_shared(v) && head >= v.start &&
         head + MAX_FOLIO_PAGES <= v.start + v.npages &&
         (vma_file_index(v, head) % MAX_FOLIO_PAGES) == 0;
}

// do_read_fault / do_shared_fault / do_cow_fault on a shmem-backed VMA:
// shmem_fault finds (or swaps in, or allocates) the page-cache folio, and
// finish_fault maps it -- by a PMD (do_set_pmd) when the folio is large,
// aligned with the VMA and the page pair has no PTEs yet (pmd_none).
Outcome do_fault(State& s, int proc, int page, bool write, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  bool uffd_wp = orig_pte_uffd_wp(p.pte[page]);
  int f = -1, sub = 0;
  Outcome o = shmem_fault(s, v.inode, vma_file_index(v, page), shmem_vma_huge(v, page), cfg, f, sub);
  if (o.status != Status::Done) return o;
  MM_DECIDE("do_fault", "mm/memory.c", "!(vmf->flags & FAULT_FLAG_WRITE) / !(vma->vm_flags & VM_SHARED)",
            !write ? "do_read_fault" : vma_is_shared(v) ? "do_shared_fault" : "do_cow_fault: a private anon copy", proc, page, f);
  if (write && !vma_is_shared(v)) {
    // do_cow_fault: a private copy of the file page, exclusive and writable.
    int c = alloc_folio(s, cfg);
    if (c < 0) return capacity("no free folio for do_cow_fault (raise MAX_FOLIOS)");
    anon_vma_prepare(v);
    Folio& co = s.folio[c];
    co.flags |= PG_anon;
    co.anon_exclusive = cfg.PG_anon_exclusive ? 1 : 0;
    co.content[0] = s.folio[f].content[sub];
    // finish_fault keeps a uffd-wp marker's protection (pte_mkuffd_wp
    // write-protects); the retried store then faults to userspace.
    uint8_t cbits = PTE_WRITE | pte_mkdirty_bits(cfg);
    if (uffd_wp) cbits = (cbits & ~PTE_WRITE) | PTE_UFFD_WP;
    p.pte[page] = make_present(c, 0, cbits);
    p.ghost[page] |= GHOST_COWED;
    p.expect[page] = co.content[0];
    folio_put_if_unused(s, f);
    if (uffd_wp) return do_wp_page(s, proc, page, false, cfg);  // the retried write faults on the wp PTE
    return Outcome::done();
  }
  // finish_fault -> set_pte_range with vma->vm_page_prot: shared write
  // faults map writable and dirty.  A shared VMA that wants no write
  // notification (vma_wants_writenotify: shmem has no ->page_mkwrite, no
  // soft-dirty tracking, not uffd-wp registered) maps writable on a read too,
  // dirty when the folio is; otherwise reads map read-only and a later write
  // goes through do_wp_page -> wp_page_shared.
  uint8_t bits = 0;
  if (write) {
    bits = PTE_WRITE | pte_mkdirty_bits(cfg);
    s.folio[f].flags |= PG_dirty;
  } else if (vma_is_shared(v) && (v.flags & VM_WRITE) && !vma_soft_dirty_enabled(v, cfg) &&
             !userfaultfd_wp(v)) {
    bits = PTE_WRITE | (s.folio[f].test(PG_dirty) ? pte_mkdirty_bits(cfg) : 0);
  }
  if (uffd_wp) bits = (bits & ~PTE_WRITE) | PTE_UFFD_WP;
  const int head = page & ~(MAX_FOLIO_PAGES - 1);
  bool pmd = s.folio[f].test(PG_large) && !uffd_wp && shmem_vma_huge(v, page) &&
             sub == page - head;
  for (int i = 0; pmd && i < MAX_FOLIO_PAGES; i++) pmd = p.pte[head + i].kind == PteKind::None;
  if (pmd) {
    for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i] = make_present(f, i, bits | PTE_PMD);
  } else {
    p.pte[page] = make_present(f, sub, bits);
  }
  if (write && uffd_wp) return do_wp_page(s, proc, page, false, cfg);  // the retried write faults on the wp PTE
  return Outcome::done();
}

}  // namespace

void anon_vma_prepare(Vma& v) { v.flags |= VMA_ANON_VMA; }

namespace {

// __wp_can_reuse_large_anon_folio: a PTE-mapped large folio is reused when
// every reference is a mapping and every mapping is in this mm.
// Model: FOLIO_MM_IDS_SHARED is "mapped by more than one process".
bool wp_can_reuse_large_anon_folio(State& s, int f) {
  if (folio_large_mapcount(s, f) <= 1) return false;  // free the large folio up instead
  if (folio_nr_mapping_procs(s, f) > 1) return false;
  if (s.folio[f].test(PG_swapcache)) folio_free_swap(s, f);
  return folio_large_mapcount(s, f) == folio_ref_count(s, f);
}

}  // namespace

bool wp_can_reuse_anon_folio(State& s, int proc, int page, const Config& cfg) {
  const int f = s.proc[proc].pte[page].a;
  Folio& fo = s.folio[f];
  if (!cfg.PG_anon_exclusive) {
    // v5.14 do_wp_page: reuse only with the sole map and the sole reference
    // (page_count(page) == 1 && page_mapcount(page) == 1); a folio in the
    // swap cache holds a second reference and is copied.
    const bool r = folio_ref_count(s, f) == 1;
    MM_DECIDE("do_wp_page", "mm/memory.c", "PageAnon(page) && page_count(page) == 1 (v5.14)",
              fmt::format("{} (refcount {})", yes_no(r), folio_ref_count(s, f)), proc, page, f);
    return r;
  }
  if (fo.test(PG_large)) {
    const bool r = wp_can_reuse_large_anon_folio(s, f);
    MM_DECIDE("wp_can_reuse_anon_folio", "mm/memory.c", "__wp_can_reuse_large_anon_folio(folio, vma)", yes_no(r), proc, page, f);
    return r;
  }
  // Model: no LRU-cache references (lru_add_drain has nothing to drain),
  // folio_trylock always succeeds.
  const int swapcache = fo.test(PG_swapcache) ? 1 : 0;
  if (folio_ref_count(s, f) > 1 + swapcache) {
    MM_DECIDE("wp_can_reuse_anon_folio", "mm/memory.c", "folio_ref_count(folio) > 1 + folio_test_swapcache(folio)",
              fmt::format("true (refcount {}, swapcache {}): false, copy", folio_ref_count(s, f), swapcache), proc, page, f);
    return false;
  }
  if (swapcache) folio_free_swap(s, f);
  const bool r = folio_ref_count(s, f) == 1;
  MM_DECIDE("wp_can_reuse_anon_folio", "mm/memory.c",
            swapcache ? "folio_free_swap(folio); folio_ref_count(folio) == 1" : "folio_ref_count(folio) == 1",
            fmt::format("{} (refcount {})", yes_no(r), folio_ref_count(s, f)), proc, page, f);
  return r;
}

// wp_page_copy: COW.  The new folio is exclusive; a write maps it writable
// and dirty, an unshare maps it read-only keeping soft-dirty and uffd-wp.
static Outcome wp_page_copy(State& s, int proc, int page, bool unshare, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  const Pte old = p.pte[page];
  int f = alloc_folio(s, cfg);
  if (f < 0) return capacity("no free folio for wp_page_copy (raise MAX_FOLIOS)");
  anon_vma_prepare(v);
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon;
  fo.anon_exclusive = cfg.PG_anon_exclusive ? 1 : 0;
  fo.content[0] = old.a == NONE ? 0 : s.folio[old.a].content[old.b];
  uint8_t bits = unshare ? (old.bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP))
                         : static_cast<uint8_t>(PTE_WRITE | pte_mkdirty_bits(cfg));
  p.pte[page] = make_present(f, 0, bits);
  if (vma_is_shmem(v)) {
    p.ghost[page] |= GHOST_COWED;
    p.expect[page] = fo.content[0];
  }
  if (old.a != NONE) {
    free_swap_cache(s, old.a);  // page_copied: the old folio may leave the swap cache
    folio_put_if_unused(s, old.a);
  }
  return Outcome::done();
}

// wp_page_reuse: keep the folio, make the PTE writable and dirty.
static Outcome wp_page_reuse(State& s, int proc, int page, bool unshare, const Config& cfg) {
  Pte& pte = s.proc[proc].pte[page];
  if (!unshare) pte.bits |= PTE_WRITE | pte_mkdirty_bits(cfg);
  return Outcome::done();
}

// do_huge_pmd_wp_page: write (or unshare) fault on a write-protected PMD
// mapping of an anon THP.  Reuse the whole folio when the head page is
// PageAnonExclusive or the PMD holds the only reference; otherwise split
// the PMD and let do_wp_page handle the PTE (VM_FAULT_FALLBACK).
// v5.14: reuse_swap_page(page) on the THP: reuse when no page of the folio
// is mapped more than once.  Model: the huge zero page is not modelled.
// do_huge_zero_wp_pmd: a write (or unshare) fault on the huge zero PMD
// maps a new zeroed THP, writable and dirty (map_anon_folio_pmd), even for
// an unshare.  false: fall back to splitting the PMD (v5.14 always did).
static bool do_huge_zero_wp_pmd(State& s, int proc, int page, const Config& cfg, Outcome& out) {
  if (!cfg.huge_zero_wp_alloc_thp) return false;
  Process& p = s.proc[proc];
  const int f = alloc_folio(s, cfg);
  if (f < 0) {
    out = capacity("no free folio for do_huge_zero_wp_pmd (raise MAX_FOLIOS)");
    return true;
  }
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon | PG_large;
  fo.anon_exclusive = cfg.PG_anon_exclusive ? (1u << MAX_FOLIO_PAGES) - 1 : 0;
  const int head = page & ~(MAX_FOLIO_PAGES - 1);
  for (int i = 0; i < MAX_FOLIO_PAGES; i++)
    p.pte[head + i] = make_present(f, i, PTE_WRITE | pte_mkdirty_bits(cfg) | PTE_PMD);
  out = Outcome::done();
  return true;
}

// do_huge_pmd_wp_page (mm/huge_memory.c): reuse the whole PMD-mapped THP when
// it is exclusive or the PMD holds the only reference (v5.14: reuse_swap_page's
// mapcount test); otherwise split the PMD and return false so the caller falls
// back to do_wp_page on the PTE (VM_FAULT_FALLBACK).
static bool do_huge_pmd_wp_page(State& s, int proc, int page, bool unshare, const Config& cfg) {
  Process& p = s.proc[proc];
  const int head = page & ~(MAX_FOLIO_PAGES - 1);
  const int f = p.pte[page].a;
  Folio& fo = s.folio[f];
  bool reuse = false;
  if (!cfg.PG_anon_exclusive) {
    reuse = true;
    for (int i = 0; i < fo.nr_pages(); i++) reuse &= folio_precise_page_mapcount(s, f, i) <= 1;
  } else if (fo.anon_exclusive & 1) {
    reuse = true;
  } else if (folio_ref_count(s, f) <= 1 + (fo.test(PG_swapcache) ? fo.nr_pages() : 0)) {
    if (fo.test(PG_swapcache)) folio_free_swap(s, f);
    if (folio_ref_count(s, f) == 1) {
      reuse = true;
      fo.anon_exclusive = (1u << MAX_FOLIO_PAGES) - 1;  // SetPageAnonExclusive(head)
    }
  }
  if (!reuse) {
    split_huge_pmd(s, proc, page, cfg);
    return false;
  }
  if (!unshare)
    for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i].bits |= PTE_WRITE | pte_mkdirty_bits(cfg);
  return true;
}

Outcome do_wp_page(State& s, int proc, int page, bool unshare, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma& v = *find_vma(p, page);
  Pte& pte = p.pte[page];
  // userfaultfd_pte_wp: the write goes to the userfaultfd handler -- or,
  // with UFFD_FEATURE_WP_ASYNC, the kernel clears the bit and goes on.
  if (!unshare && userfaultfd_wp(v) && (pte.bits & PTE_UFFD_WP)) {
    if (!(v.flags2 & VM_UFFD_WP_ASYNC)) {
      MM_DECIDE("do_wp_page", "mm/memory.c", "userfaultfd_pte_wp(vma, ptep_get(vmf->pte))", "true: handle_userfault (VM_UFFD_WP)", proc, page);
      return {Status::WpFault, "write to a uffd-wp protected page"};
    }
    MM_DECIDE("do_wp_page", "mm/memory.c", "userfaultfd_wp_async(vma)", "true: the kernel clears the uffd-wp bit itself (UFFD_FEATURE_WP_ASYNC)", proc, page);
    pte.bits &= ~PTE_UFFD_WP;
    p.ghost[page] &= ~GHOST_WP;  // async: the write is allowed and shows as written
  }
  if ((pte.bits & PTE_PMD) && pte.a == NONE) {
    Outcome o;
    if (do_huge_zero_wp_pmd(s, proc, page, cfg, o)) return o;
  }
  if ((pte.bits & PTE_PMD) && pte.a != NONE && s.folio[pte.a].test(PG_anon) &&
      do_huge_pmd_wp_page(s, proc, page, unshare, cfg))
    return Outcome::done();
  if (pte.bits & PTE_PMD) split_huge_pmd(s, proc, page, cfg);  // file THP: zapped, refault
  if (pte.kind != PteKind::Present) return handle_mm_fault(s, proc, page, !unshare, unshare, cfg);
  if (pte.a == NONE) {
    MM_DECIDE("do_wp_page", "mm/memory.c", "vm_normal_folio(vma, addr, pte) == NULL", "the zero page: wp_page_copy", proc, page);
    return wp_page_copy(s, proc, page, unshare, cfg);  // the zero page
  }
  const int f = pte.a;
  Folio& fo = s.folio[f];
  if (vma_is_shared(v)) {
    // wp_page_shared: shmem has no ->page_mkwrite; the PTE becomes writable.
    // (gup_must_unshare is false for shared mappings: no unshare gets here.)
    MM_DECIDE("do_wp_page", "mm/memory.c", "vma->vm_flags & (VM_SHARED | VM_MAYSHARE)", "true: wp_page_shared, the PTE becomes writable", proc, page, f);
    if (!unshare) {
      pte.bits |= PTE_WRITE | pte_mkdirty_bits(cfg);
      fo.flags |= PG_dirty;
    }
    return Outcome::done();
  }
  // Private mapping: reuse an exclusive anon page without further checks,
  // or one proven exclusive; otherwise copy (MAP_PRIVATE file pages too).
  if (fo.test(PG_anon)) {
    const bool excl = cfg.PG_anon_exclusive && (fo.anon_exclusive & (1u << pte.b));
    if (cfg.PG_anon_exclusive)
      MM_DECIDE("do_wp_page", "mm/memory.c", "folio_test_anon(folio) && PageAnonExclusive(vmf->page)",
                excl ? "true: reuse without further checks" : "false: ask wp_can_reuse_anon_folio", proc, page, f);
    if (excl || wp_can_reuse_anon_folio(s, proc, page, cfg)) {
      if (cfg.PG_anon_exclusive) fo.anon_exclusive |= 1u << pte.b;  // SetPageAnonExclusive
      MM_DECIDE("do_wp_page", "mm/memory.c", "reuse", unshare ? "wp_page_reuse (unshare: the PTE stays read-only)" : "wp_page_reuse: the PTE becomes writable and dirty", proc, page, f);
      return wp_page_reuse(s, proc, page, unshare, cfg);
    }
  }
  MM_DECIDE("do_wp_page", "mm/memory.c", "copy", fo.test(PG_anon) ? "wp_page_copy: a new exclusive folio" : "wp_page_copy: a private copy of the file page", proc, page, f);
  return wp_page_copy(s, proc, page, unshare, cfg);
}

void split_huge_pmd(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  Process& p = s.proc[proc];
  if (p.pte[page].kind != PteKind::Present || !(p.pte[page].bits & PTE_PMD)) return;
  const Vma& v = *find_vma(p, page);
  int head = page & ~(MAX_FOLIO_PAGES - 1);
  int f = p.pte[page].a;
  if (f == NONE) {
    // __split_huge_zero_page_pmd: read-only PTEs mapping the small zero page.
    for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i] = make_present(NONE, 0, 0);
    return;
  }
  if (vma_is_shmem(v)) {
    // __split_huge_pmd_locked, file THP: zap the PMD; pages refault from the
    // page cache.  A uffd-wp bit on the PMD is not turned into markers.
    for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i] = Pte{};
    folio_put_if_unused(s, f);
    return;
  }
  // Anon: the same permissions in each PTE, exclusivity copied to every subpage.
  Folio& fo = s.folio[f];
  if (fo.anon_exclusive & 1) fo.anon_exclusive = (1u << MAX_FOLIO_PAGES) - 1;
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) p.pte[head + i].bits &= ~PTE_PMD;
}

uint8_t expected_value(const State& s, int proc, int page) {
  const Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return 0;
  if (vma_is_anonymous(*v) || (p.ghost[page] & GHOST_COWED)) return p.expect[page];
  return s.inode[v->inode].expect[vma_file_index(*v, page)];
}

void store_to_page(State& s, int proc, int page, uint8_t value) {
  Process& p = s.proc[proc];
  Pte& pte = p.pte[page];
  Folio& fo = s.folio[pte.a];
  fo.content[pte.b] = value;
  fo.flags |= PG_dirty;  // model: folio_mark_dirty at the store, not at unmap
  pte.bits |= PTE_DIRTY;  // the CPU sets the hardware dirty bit (not soft-dirty)
  p.ghost[page] |= GHOST_WRITTEN;
  p.ghost[page] &= ~GHOST_LAZYFREE;  // a store cancels MADV_FREE (reclaim sees the dirty PTE)
  // Ghost: a pin still attached to this page sees a store that lands in the
  // pinned page (a store that COWed away from it is cow_isolation's
  // pin-diverged, not a write the pin may see).
  if ((p.pinned & (1u << page)) && !(p.ghost[page] & GHOST_PIN_DETACHED) && p.pin_folio[page] == pte.a &&
      p.pin_subpage[page] == pte.b)
    p.pin_value[page] = value;
  pipe_note_store(s, proc, pte.a, pte.b, value);  // ghost: vmsplice'd by this process, it sees its own store
  const Vma& v = *find_vma(p, page);
  if (vma_is_shared(v)) {
    s.inode[v.inode].expect[vma_file_index(v, page)] = value;
  } else {
    p.expect[page] = value;
  }
}

Outcome handle_mm_fault(State& s, int proc, int page, bool write, bool unshare,
                        const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running (it has exited or was never created)");
  Vma* v = find_vma(p, page);
  if (!v) return {Status::Sigsegv, "no VMA at this address (SIGSEGV)"};
  if (write && !(v->flags & VM_WRITE)) return {Status::Sigsegv, "write to a read-only VMA (SIGSEGV)"};
  // access_error: no VM_READ | VM_WRITE | VM_EXEC (mprotect PROT_NONE).
  if (v->flags2 & VM_NOACCESS) return {Status::Sigsegv, "access to a PROT_NONE VMA (SIGSEGV)"};
  Pte& pte = p.pte[page];
  switch (pte.kind) {
    case PteKind::None:
      if (vma_is_anonymous(*v)) return do_anonymous_page(s, proc, page, write, cfg);
      return do_fault(s, proc, page, write, cfg);
    case PteKind::Marker: {
      Outcome o = handle_pte_marker(s, proc, page, cfg);
      if (o.status != Status::Done) return o;
      if (pte.kind == PteKind::None || pte.kind == PteKind::Marker)
        return vma_is_anonymous(*v) ? do_anonymous_page(s, proc, page, write, cfg)
                                    : do_fault(s, proc, page, write, cfg);
      return Outcome::done();
    }
    case PteKind::Swap:
      return do_swap_page(s, proc, page, write, cfg);
    case PteKind::Migration: {
      // do_swap_page: is_migration_entry -> migration_entry_wait, then the
      // fault is retried.  The model completes the migration instead of waiting.
      Outcome o = migration_entry_wait(s, proc, page, cfg);
      if (o.status != Status::Done) return o;
      if (pte.kind == PteKind::Migration) return Outcome::disabled("the migration did not finish");
      return handle_mm_fault(s, proc, page, write, unshare, cfg);
    }
    case PteKind::Present:
      if (write && !(pte.bits & PTE_WRITE)) return do_wp_page(s, proc, page, false, cfg);
      if (unshare) return do_wp_page(s, proc, page, true, cfg);
      return Outcome::done();
  }
  return Outcome::done();
}

}  // namespace mm
