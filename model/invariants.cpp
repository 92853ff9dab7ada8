// The invariant library.  Each evaluator walks the state once; with a
// non-null `why` it also says, in kernel terms, what it found.
#include "model/invariants.h"

#include <fmt/format.h>

#include "model/encoding.h"
#include "model/fault.h"
#include "model/invariants_model3.h"
#include "model/mm.h"
#include "model/observe.h"

namespace mm {

namespace {

// Records facet `bit` and, when asked, a sentence about it.
struct Findings {
  uint32_t bits = 0;
  std::string* why;
  template <typename... Args>
  void add(int bit, fmt::format_string<Args...> f, Args&&... args) {
    if (why && !(bits & (1u << bit))) {
      if (!why->empty()) *why += "; ";
      *why += fmt::format(f, std::forward<Args>(args)...);
    }
    bits |= 1u << bit;
  }
};

char pname(int p) { return static_cast<char>('A' + p); }

template <typename Fn>
void for_each_mapped_page(const State& s, Fn fn) {
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Vma* v = find_vma(p, pg);
      if (v) fn(pi, pg, p, *v, p.pte[pg]);
    }
  }
}

// anon_exclusive: facets 0 writable-not-exclusive, 1 exclusive-but-shared,
// 2 swp-exclusive-but-shared, 3 swapcache-exclusive, 4 pinned-not-exclusive.
uint32_t eval_anon_exclusive(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process&, const Vma&, const Pte& pte) {
    if (pte.kind == PteKind::Present && pte.a != NONE && s.folio[pte.a].test(PG_anon)) {
      const Folio& fo = s.folio[pte.a];
      const bool excl = fo.anon_exclusive & (1u << pte.b);
      const int maps = folio_precise_page_mapcount(s, pte.a, pte.b);
      const int swaprefs = fo.test(PG_swapcache) ? s.swap[fo.swap_type].slot[fo.swap_slot].count : 0;
      if ((pte.bits & PTE_WRITE) && (maps > 1 || swaprefs > 0 || (cfg.PG_anon_exclusive && !excl)))
        r.add(0, "{}.pte[{}] is writable but folio F{} page {} is {}", pname(pi), pg, pte.a, pte.b,
              cfg.PG_anon_exclusive && !excl ? "not PageAnonExclusive" : "shared");
      if (excl && (maps > 1 || swaprefs > 0))
        r.add(1, "F{} page {} is PageAnonExclusive but is referenced {} times", pte.a, pte.b,
              maps + swaprefs);
    }
    // A writable or readable-exclusive migration entry stands for an
    // exclusive page (try_to_migrate_one): nothing else may map the folio.
    if (pte.kind == PteKind::Migration && (pte.bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE))) {
      int others = 0;
      for (const Process& q : s.proc)
        if (q.alive == PROC_ALIVE)
          for (const Pte& t : q.pte)
            if ((t.kind == PteKind::Present || t.kind == PteKind::Migration) && t.a == pte.a && t.b == pte.b) others++;
      if (others > 1)
        r.add(1, "{}.pte[{}] is an exclusive migration entry but F{} page {} is mapped {} times", pname(pi), pg, pte.a,
              pte.b, others);
    }
    if (pte.kind == PteKind::Swap && (pte.bits & PTE_SWP_EXCLUSIVE)) {
      const int count = s.swap[pte.a].slot[pte.b].count;
      const int f = swap_cache_get_folio(s, pte.a, pte.b);
      const int maps = f >= 0 ? folio_mapcount(s, f) : 0;
      if (count > 1 || maps > 0)
        r.add(2, "{}.pte[{}] is an exclusive swap PTE but slot {}:{} has {} other references",
              pname(pi), pg, pte.a, slot_to_offset(pte.b), count - 1 + maps);
    }
  });
  // A R/O-pinned anon page that is still mapped must stay exclusive
  // (gup_must_unshare made it so; fork copies it, unmap refuses it).
  if (cfg.PG_anon_exclusive && cfg.gup_unshare_on_ro_pin)
    for (int pi = 0; pi < MAX_PROCS; pi++)
      for (int pg = 0; pg < MAX_PAGES; pg++) {
        const Process& p = s.proc[pi];
        if (!(p.pinned & (1u << pg))) continue;
        const int f = p.pin_folio[pg], sub = p.pin_subpage[pg];
        const Folio& fo = s.folio[f];
        if (fo.test(PG_anon) && folio_precise_page_mapcount(s, f, sub) > 0 &&
            !(fo.anon_exclusive & (1u << sub)))
          r.add(4, "{} pins F{} page {} R/O but it is mapped and not PageAnonExclusive", pname(pi), f, sub);
      }
  for (int f = 0; f < MAX_FOLIOS; f++) {
    const Folio& fo = s.folio[f];
    if (!fo.test(FOLIO_ALLOCATED) || !fo.test(PG_anon) || !fo.test(PG_swapcache)) continue;
    if (fo.anon_exclusive && s.swap[fo.swap_type].slot[fo.swap_slot].count > 0)
      r.add(3, "F{} is PageAnonExclusive in the swap cache while swap PTEs reference its slot", f);
  }
  return r.bits;
}

// stable_writes: facet 0 mapped-writable, 1 modified.
uint32_t eval_stable_writes(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for (int f = 0; f < MAX_FOLIOS; f++) {
    const Folio& fo = s.folio[f];
    if (!fo.test(FOLIO_ALLOCATED) || !fo.test(PG_writeback) || !fo.test(PG_swapcache)) continue;
    const SwapDevice& dev = s.swap[fo.swap_type];
    if (!(dev.flags & SWP_STABLE_WRITES)) continue;
    for (int pi = 0; pi < MAX_PROCS; pi++)
      for (int pg = 0; pg < MAX_PAGES; pg++) {
        const Pte& pte = s.proc[pi].pte[pg];
        if (s.proc[pi].alive == PROC_ALIVE && pte.kind == PteKind::Present && pte.a == f &&
            (pte.bits & PTE_WRITE))
          r.add(0, "{}.pte[{}] maps F{} writable while it is under writeback to a SWP_STABLE_WRITES device",
                pname(pi), pg, f);
      }
    if (fo.content[0] != dev.slot[fo.swap_slot].content)
      r.add(1, "F{} changed ({} -> {}) while under writeback to a SWP_STABLE_WRITES device", f,
            dev.slot[fo.swap_slot].content, fo.content[0]);
  }
  return r.bits;
}

// cow_isolation: facet 0 wrong-value, 1 pin-diverged, 2 pipe-leak.
uint32_t eval_cow_isolation(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process& p, const Vma&, const Pte& pte) {
    const uint8_t got = read_value(s, pi, pg), want = expected_value(s, pi, pg);
    if (got != want) r.add(0, "a read of {}.page[{}] returns {} but the program stored {}", pname(pi), pg, got, want);
    if ((p.pinned & (1u << pg)) && !(p.ghost[pg] & GHOST_PIN_DETACHED) &&
        (pte.kind == PteKind::Present || pte.kind == PteKind::Swap)) {
      const uint8_t pinned = s.folio[p.pin_folio[pg]].content[p.pin_subpage[pg]];
      if (pinned != got)
        r.add(1, "the R/O pin at {}.page[{}] sees {} but the mapping shows {}", pname(pi), pg, pinned, got);
    }
  });
  // A pipe read returns the page as it is at read time: an anon page that
  // changed other than by the splicing process's own stores shows another
  // process's write (CVE-2020-29374; file pages are shared by definition).
  for (int i = 0; i < MAX_PIPE_BUFS; i++) {
    const PipeBuffer& b = s.pipe[i];
    if (!b.used() || b.page == NONE || !s.folio[b.page].test(PG_anon)) continue;
    const uint8_t got = s.folio[b.page].content[b.subpage()];
    if (got != b.value())
      r.add(2, "pipe buffer {} (vmsplice by {}) would read {} from F{} but {} spliced {} and did not store since",
            i, pname(b.splicer()), got, b.page, pname(b.splicer()), b.value());
  }
  return r.bits;
}

// swap_accounting: facet 0 count-mismatch, 1 cache-mismatch, 2 leak.
uint32_t eval_swap_accounting(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for (int t = 0; t < MAX_SWAP_DEVICES; t++)
    for (int i = 0; i < MAX_SLOTS; i++) {
      const SwapSlot& sl = s.swap[t].slot[i];
      const int refs = swap_pte_refs(s, t, i) + shmem_swap_refs(s, t, i);
      if (sl.count != refs)
        r.add(0, "slot {}:{} has swap count {} but {} references", t, slot_to_offset(i), sl.count, refs);
      const bool cached = swap_cache_get_folio(s, t, i) >= 0;
      if (static_cast<bool>(sl.has_cache) != cached)
        r.add(1, "slot {}:{} SWAP_HAS_CACHE is {} but the swap cache {} a folio", t, slot_to_offset(i),
              sl.has_cache, cached ? "holds" : "does not hold");
    }
  for (int f = 0; f < MAX_FOLIOS; f++)
    if (s.folio[f].test(FOLIO_ALLOCATED) && folio_ref_count(s, f) == 0)
      r.add(2, "F{} is allocated but nothing references it (leaked)", f);
  bool any_alive = false;
  for (const Process& p : s.proc) any_alive |= p.alive == PROC_ALIVE;
  if (!any_alive)
    for (int f = 0; f < MAX_FOLIOS; f++) {
      const Folio& fo = s.folio[f];
      // A folio under migration is held by migrate_pages until migrate_folio_move.
      if (fo.test(FOLIO_ALLOCATED) && fo.test(PG_anon) && !fo.test(PG_swapcache) && folio_pipe_refs(s, f) == 0 &&
          !(fo.flags2 & FOLIO_MIGRATING))
        r.add(2, "every process has exited but anon folio F{} is still allocated", f);
    }
  return r.bits;
}

// pm_swap_accuracy: facet 0 false-negative, 1 false-positive.
uint32_t eval_pm_swap_accuracy(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process&, const Vma&, const Pte&) {
    const bool reported = pagemap_read(s, pi, pg, cfg).entry & enc::PM_SWAP;
    const bool truth = data_in_swap(s, pi, pg);
    // A migration entry is a swap-format PTE (is_swap_pte) and pagemap
    // reports it PM_SWAP by design while the page is being copied: not what
    // this invariant asks (docs/model.md, migration).
    if (s.proc[pi].pte[pg].kind == PteKind::Migration) return;
    if (truth && !reported) r.add(0, "{}.page[{}] lives in a swap slot but pagemap says PM_SWAP=0", pname(pi), pg);
    if (!truth && reported) r.add(1, "{}.page[{}] is not in swap but pagemap says PM_SWAP=1", pname(pi), pg);
  });
  return r.bits;
}

// mincore_semantics: mincore == resident (page cache or swap cache, uptodate).
uint32_t eval_mincore(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process&, const Vma& v, const Pte& pte) {
    // A migration entry's folio is in memory ("always uptodate").
    bool resident = pte.kind == PteKind::Present || pte.kind == PteKind::Migration;
    int type = -1, slot = 0;
    if (pte.kind == PteKind::Swap) {
      type = pte.a;
      slot = pte.b;
    } else if (!resident && vma_is_shmem(v)) {
      const PcEntry& e = s.inode[v.inode].pc[vma_file_index(v, pg)];
      if (e.kind == PcKind::Folio) resident = s.folio[e.a].test(PG_uptodate);
      if (e.kind == PcKind::Swap) {
        type = e.a;
        slot = e.b;
      }
    }
    if (type >= 0) {
      int f = swap_cache_get_folio(s, type, slot);
      resident = f >= 0 && s.folio[f].test(PG_uptodate);
    }
    if (mincore_byte(s, pi, pg, cfg) != (resident ? 1 : 0))
      r.add(0, "mincore({}.page[{}]) = {} but the page is {}resident", pname(pi), pg,
            mincore_byte(s, pi, pg, cfg), resident ? "" : "not ");
  });
  return r.bits;
}

// uffd_wp_persistence: a protected page stays protected.
uint32_t eval_uffd_wp(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process& p, const Vma&, const Pte& pte) {
    if (!(p.ghost[pg] & GHOST_WP)) return;
    bool shown = ((pte.kind == PteKind::Present || pte.kind == PteKind::Swap || pte.kind == PteKind::Migration) &&
                  (pte.bits & PTE_UFFD_WP)) ||
                 (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_UFFD_WP));
    if (!shown) r.add(0, "{}.page[{}] was write-protected with UFFDIO_WRITEPROTECT but its PTE lost uffd-wp", pname(pi), pg);
  });
  return r.bits;
}

// soft_dirty_persistence: a page written since clear_refs reads soft-dirty.
uint32_t eval_soft_dirty(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  if (!cfg.CONFIG_MEM_SOFT_DIRTY) return 0;
  for_each_mapped_page(s, [&](int pi, int pg, const Process& p, const Vma&, const Pte&) {
    if ((p.ghost[pg] & GHOST_WRITTEN) && !(pagemap_read(s, pi, pg, cfg).entry & enc::PM_SOFT_DIRTY))
      r.add(0, "{}.page[{}] was written since clear_refs but pagemap says PM_SOFT_DIRTY=0", pname(pi), pg);
  });
  return r.bits;
}

// lseek_is_pure: SEEK_DATA finds exactly the indices that hold data (a swap
// value entry or an uptodate folio, mapping_seek_hole_data), and never
// reports a hole where the program stored data.  Purity itself is by
// construction: shmem_lseek reads the state and swaps nothing in.
uint32_t eval_lseek(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for (int i = 0; i < MAX_INODES; i++) {
    const Inode& in = s.inode[i];
    if (!in.in_use) continue;
    for (int x = 0; x < in.npages; x++) {
      const PcEntry& e = in.pc[x];
      const bool data = e.kind == PcKind::Swap || (e.kind == PcKind::Folio && s.folio[e.a].test(PG_uptodate));
      const bool found = shmem_lseek(s, i, x, true) == x;
      if (found != data)
        r.add(0, "lseek(SEEK_DATA, {}) on inode {} disagrees with the page cache", x, i);
      if (in.expect[x] != 0 && !found)
        r.add(0, "lseek(SEEK_DATA, {}) on inode {} reports a hole where {} was stored", x, i, in.expect[x]);
    }
  }
  return r.bits;
}

// pagemap_exclusive: PM_MMAP_EXCLUSIVE means no other process can reach the page.
uint32_t eval_pagemap_exclusive(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process&, const Vma&, const Pte& pte) {
    if (!(pagemap_read(s, pi, pg, cfg).entry & enc::PM_MMAP_EXCLUSIVE)) return;
    const Folio& fo = s.folio[pte.a];
    int others = folio_nr_mapping_procs(s, pte.a) - 1;
    if (fo.test(PG_swapcache)) others += swap_pte_refs(s, fo.swap_type, fo.swap_slot);
    if (others > 0)
      r.add(0, "{}.page[{}] reads PM_MMAP_EXCLUSIVE but F{} is reachable from {} other references",
            pname(pi), pg, pte.a, others);
  });
  return r.bits;
}


// ---- pagemap_consistency --------------------------------------------------
// Every pagemap bit and the frame, restated from the kernel objects and the
// ghost semantics rather than from pte_to_pagemap_entry's code, so a model
// change that alters what /proc/pid/pagemap shows in a way the semantics
// forbid is a violation.  Facets: 0 present, 1 swap, 2 file, 3 exclusive,
// 4 uffd-wp, 5 soft-dirty, 6 guard, 7 frame, 8 soft-dirty-lost (a private
// page written since clear_refs whose PTE still holds the data),
// 9 writable-untracked (a writable PTE that is not soft-dirty while
// tracking is on: the next store would go unrecorded).
uint32_t eval_pagemap_consistency(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process& p, const Vma& v, const Pte& pte) {
    const uint64_t e = pagemap_read(s, pi, pg, cfg).entry;
    auto bit = [&](uint64_t b) { return (e & b) != 0; };
    const bool present = pte.kind == PteKind::Present;
    const bool zero_pmd = present && pte.a == NONE && (pte.bits & PTE_PMD);
    const bool normal = present && pte.a != NONE;  // vm_normal_page / pmd_page of a real folio
    // PM_PRESENT: a present PTE or PMD (pte_present / pmd_present).
    if (bit(enc::PM_PRESENT) != present)
      r.add(0, "{}.page[{}]: PM_PRESENT={} but the PTE is {}present", pname(pi), pg, bit(enc::PM_PRESENT), present ? "" : "not ");
    // PM_SWAP: every non-present, non-none PTE (swap entries and every PTE
    // marker); for pte_none only the xarray RFC looks at the page cache.
    const bool migration = pte.kind == PteKind::Migration;
    const bool swp = pte.kind == PteKind::Swap || migration;  // the swap PTE's soft-dirty and uffd-wp bits
    bool swap = swp || pte.kind == PteKind::Marker;
    if (pte.kind == PteKind::None && cfg.pagemap_shmem_xarray_lookup && vma_is_shmem(v))
      swap = s.inode[v.inode].pc[vma_file_index(v, pg)].kind == PcKind::Swap;
    if (bit(enc::PM_SWAP) != swap)
      r.add(1, "{}.page[{}]: PM_SWAP={} for a {} PTE", pname(pi), pg, bit(enc::PM_SWAP), static_cast<int>(pte.kind));
    // PM_FILE: the page is not anonymous -- a page-cache (shmem) page, also
    // behind a PMD (pagemap_pmd_range sets it for a PMD-mapped shmem THP),
    // or the huge zero folio (pmd_page, not anon).  Never for a swap entry.
    const bool file = zero_pmd || (normal && folio_in_page_cache(s, pte.a)) ||
                      (normal && !s.folio[pte.a].test(PG_anon)) || (migration && !s.folio[pte.a].test(PG_anon));
    if (bit(enc::PM_FILE) != file)
      r.add(2, "{}.page[{}]: PM_FILE={} but the page is {}a page-cache page{}", pname(pi), pg, bit(enc::PM_FILE),
            file ? "" : "not ", (pte.bits & PTE_PMD) ? " (PMD-mapped)" : "");
    // PM_MMAP_EXCLUSIVE: a normal page mapped exactly once (for a PMD, the
    // head page's count, as pagemap_pmd_range asks it once for the PMD).
    bool excl = false;
    if (normal) {
      const int sub = (pte.bits & PTE_PMD) ? 0 : pte.b;
      int maps = 0;
      for (const Process& q : s.proc)
        if (q.alive == PROC_ALIVE)
          for (const Pte& t : q.pte)
            if (t.kind == PteKind::Present && t.a == pte.a && t.b == sub) maps++;
      excl = maps == 1;
    }
    if (bit(enc::PM_MMAP_EXCLUSIVE) != excl)
      r.add(3, "{}.page[{}]: PM_MMAP_EXCLUSIVE={} but the page is mapped {}", pname(pi), pg,
            bit(enc::PM_MMAP_EXCLUSIVE), excl ? "once" : "not exactly once (or not a normal page)");
    // PM_UFFD_WP: the uffd-wp bit of a present or swap PTE, or a UFFD_WP marker.
    const bool wp = ((present || swp) && (pte.bits & PTE_UFFD_WP)) ||
                    (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_UFFD_WP));
    if (bit(enc::PM_UFFD_WP) != wp)
      r.add(4, "{}.page[{}]: PM_UFFD_WP={} but the PTE {} uffd-wp", pname(pi), pg, bit(enc::PM_UFFD_WP), wp ? "has" : "has no");
    // PM_SOFT_DIRTY: VM_SOFTDIRTY, or the soft-dirty bit of a present or swap PTE.
    const bool sd = cfg.CONFIG_MEM_SOFT_DIRTY &&
                    ((v.flags & VM_SOFTDIRTY) || ((present || swp) && (pte.bits & PTE_SOFT_DIRTY)));
    if (bit(enc::PM_SOFT_DIRTY) != sd)
      r.add(5, "{}.page[{}]: PM_SOFT_DIRTY={} but VMA and PTE say {}", pname(pi), pg, bit(enc::PM_SOFT_DIRTY), sd);
    const bool guard = pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_GUARD);
    if (bit(enc::PM_GUARD_REGION) != guard)
      r.add(6, "{}.page[{}]: PM_GUARD_REGION={} for a {}guard PTE", pname(pi), pg, bit(enc::PM_GUARD_REGION), guard ? "" : "non-");
    // The frame: the PFN of the mapped page, the swap entry (type | offset << 5)
    // of a swap PTE, nothing for pte_none; zero without CAP_SYS_ADMIN.
    if (cfg.pagemap_show_pfn && pte.kind != PteKind::Marker) {
      uint64_t frame = 0;
      if (zero_pmd) frame = HUGE_ZERO_PFN + pte.b;
      else if (present) frame = model_pfn(pte.a, pte.b);
      else if (pte.kind == PteKind::Swap) frame = uint64_t{pte.a} | (slot_to_offset(pte.b) << 5);
      else if (migration) frame = migration_swp_type(pte) | (model_pfn(pte.a, pte.b) << 5);
      else if (swap) {
        const PcEntry& pc = s.inode[v.inode].pc[vma_file_index(v, pg)];
        frame = uint64_t{pc.a} | (slot_to_offset(pc.b) << 5);
      }
      if ((e & enc::PM_PFRAME_MASK) != frame)
        r.add(7, "{}.page[{}]: frame {:#x} but the PTE names {:#x}", pname(pi), pg, e & enc::PM_PFRAME_MASK, frame);
    } else if (!cfg.pagemap_show_pfn && (e & enc::PM_PFRAME_MASK)) {
      r.add(7, "{}.page[{}]: a frame is shown to a reader without CAP_SYS_ADMIN", pname(pi), pg);
    }
    if (!cfg.CONFIG_MEM_SOFT_DIRTY) return;
    // Soft-dirty semantics: a private page written since clear_refs, whose
    // PTE (present or swap) still holds what was written, reads soft-dirty.
    // The data went away (MADV_DONTNEED, munmap) when the ghost value is 0:
    // every store writes 1..MAX_VALUE.  Shared (shmem) pages lose the bit
    // with their PTE (documented; soft_dirty_persistence measures it).
    // (MAP_PRIVATE file pages are left out: an unshare fills the copy with
    // the file's data, which the ghost cannot tell from a store.)
    // clear_soft_dirty leaves a possibly pinned page of a COW mapping alone
    // (pte_is_pinned): tracking is knowingly blind there, so both rules
    // below skip such a page.
    const bool pinned = (normal && is_cow_mapping(v) && folio_needs_cow_for_dma(s, pi, pte.a)) ||
                        (p.ghost[pg] & GHOST_SD_BLIND);
    if ((p.ghost[pg] & GHOST_WRITTEN) && vma_is_anonymous(v) && p.expect[pg] != 0 && !pinned &&
        (present || swp) && !bit(enc::PM_SOFT_DIRTY))
      r.add(8, "{}.page[{}] was written since clear_refs and its PTE still holds the data, but PM_SOFT_DIRTY=0",
            pname(pi), pg);
    // A writable PTE under soft-dirty tracking is soft-dirty: clear_refs
    // write-protects, and do_swap_page / can_change_pte_writable
    // (pte_needs_soft_dirty_wp) never make a clean PTE writable.
    if (present && (pte.bits & PTE_WRITE) && vma_soft_dirty_enabled(v, cfg) && !(pte.bits & PTE_SOFT_DIRTY) &&
        !pinned)
      r.add(9, "{}.pte[{}] is writable but not soft-dirty while soft-dirty tracking is on", pname(pi), pg);
  });
  return r.bits;
}

// ---- uffd_wp_scope ----------------------------------------------------------
// Facets: 0 outside-registered (a uffd-wp PTE bit, swap-PTE bit or UFFD_WP
// marker in a VMA without VM_UFFD_WP), 1 writable-protected (a present PTE
// both writable and uffd-wp), 2 spurious (a uffd-wp bit or marker on a page
// of a registered VMA that no UFFDIO_WRITEPROTECT put in force).
uint32_t eval_uffd_wp_scope(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for_each_mapped_page(s, [&](int pi, int pg, const Process& p, const Vma& v, const Pte& pte) {
    const bool bit = ((pte.kind == PteKind::Present || pte.kind == PteKind::Swap || pte.kind == PteKind::Migration) &&
                      (pte.bits & PTE_UFFD_WP)) ||
                     (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_UFFD_WP));
    if (bit && !userfaultfd_wp(v))
      r.add(0, "{}.pte[{}] carries uffd-wp ({}) but the VMA is not registered for write-protect", pname(pi), pg,
            pte.kind == PteKind::Marker ? "marker" : pte.kind == PteKind::Swap ? "swap PTE bit" : "PTE bit");
    if (pte.kind == PteKind::Present && (pte.bits & PTE_UFFD_WP) && (pte.bits & PTE_WRITE))
      r.add(1, "{}.pte[{}] is writable and uffd-wp protected at once", pname(pi), pg);
    if (bit && userfaultfd_wp(v) && !(p.ghost[pg] & GHOST_WP))
      r.add(2, "{}.pte[{}] carries uffd-wp but no UFFDIO_WRITEPROTECT is in force there", pname(pi), pg);
  });
  return r.bits;
}

// ---- pin_coherence ------------------------------------------------------------
// Facets: 0 foreign-write (an anon page held by a R/O pin changed other than
// by the pinner's own stores through its mapping: CVE-2020-29374), 1
// private-not-unshared (a pin taken through a MAP_PRIVATE mapping holds a
// page that is not an exclusive anon page: gup_must_unshare was skipped), 2
// exclusive-pin-diverged (a pin taken on an exclusive anon page mapped
// writable (the pin a FOLL_WRITE GUP gets after breaking COW) no longer
// backs the pinner's mapping of it: something write-protected or unmapped a
// pinned exclusive page and a COW or swap-in replaced it).  Facet 2 is the
// promise the kernel has kept since v5.9, with refcount- and with
// PG_anon_exclusive-based COW alike: fork copies a pinned page for the child
// (copy_present_page, 70e806e4e645), clear_refs leaves it writable
// (pte_is_pinned, 9348b73c2e1b), reclaim neither swaps nor unmaps it
// (feb889fb40fa, 6c287605fd56), so the pinner's own writes never COW away.
// Before v5.19 a pin of a *shared* page (no FAULT_FLAG_UNSHARE) was not
// covered: that is pin-diverged of cow_isolation, not this facet.
uint32_t eval_pin_coherence(const State& s, const Config& cfg, std::string* why) {
  Findings r{0, why};
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    const Process& p = s.proc[pi];
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      if (!(p.pinned & (1u << pg))) continue;
      const Folio& fo = s.folio[p.pin_folio[pg]];
      const uint8_t seen = fo.content[p.pin_subpage[pg]];
      if (fo.test(PG_anon) && seen != p.pin_value[pg])
        r.add(0, "the R/O pin {} took at page[{}] (F{}) now sees {} but was given {}", pname(pi), pg,
              p.pin_folio[pg], seen, p.pin_value[pg]);
      const Vma* v = p.alive == PROC_ALIVE ? find_vma(p, pg) : nullptr;
      // Without PG_anon_exclusive (v5.14) only the page-cache case is visible.
      const bool excl = !cfg.PG_anon_exclusive || (fo.anon_exclusive & (1u << p.pin_subpage[pg]));
      if (v && !vma_is_shared(*v) && !(p.ghost[pg] & GHOST_PIN_DETACHED) && (!fo.test(PG_anon) || !excl))
        r.add(1, "{} pinned page[{}] of a MAP_PRIVATE mapping R/O but F{} is {}", pname(pi), pg, p.pin_folio[pg],
              fo.test(PG_anon) ? "not PageAnonExclusive" : "the page-cache page (not unshared)");
      const Pte& pte = p.pte[pg];
      // A migration entry naming the pinned page still backs the mapping:
      // migrating a pinned folio fails (__folio_migrate_mapping: the pin's
      // references), remove_migration_ptes(src, src) maps the same page
      // back, and an access waits for that (migration_entry_wait).  Only
      // reachable without PG_anon_exclusive (v5.14: try_to_migrate_one
      // unmaps pinned pages); the divergence comes later, when fork demoted
      // the entry to readable and the pinner's write COWs away.
      const bool backs = (pte.kind == PteKind::Present || pte.kind == PteKind::Migration) &&
                         pte.a == p.pin_folio[pg] && pte.b == p.pin_subpage[pg];
      if (v && (p.ghost2[pg] & GHOST2_PIN_EXCLUSIVE) && !(p.ghost[pg] & GHOST_PIN_DETACHED) && !backs)
        r.add(2, "{} pinned page[{}] (F{}) while it was exclusive, but its mapping now {}", pname(pi), pg,
              p.pin_folio[pg],
              pte.kind == PteKind::Present ? fmt::format("maps F{} (COWed away from the pin)", pte.a)
                                           : std::string("does not map it (unmapped under the pin)"));
    }
  }
  return r.bits;
}

// ---- pageout_scope -------------------------------------------------------------
// Facet 0 other-mapping: a MADV_PAGEOUT by one process unmapped a folio from
// another process (ghost GHOST2_PAGED_OUT_BY_OTHER, recorded by
// madvise_pageout).  LRU reclaim may page such a folio out; madvise may not.
uint32_t eval_pageout_scope(const State& s, const Config&, std::string* why) {
  Findings r{0, why};
  for (int pi = 0; pi < MAX_PROCS; pi++)
    for (int pg = 0; pg < MAX_PAGES; pg++)
      if (s.proc[pi].ghost2[pg] & GHOST2_PAGED_OUT_BY_OTHER)
        r.add(0, "another process's MADV_PAGEOUT unmapped {}.page[{}] (a folio {} also mapped)", pname(pi), pg,
              pname(pi));
  return r.bits;
}

template <uint32_t (*Eval)(const State&, const Config&, std::string*)>
uint32_t check_of(const State& s, const Config& c) { return Eval(s, c, nullptr); }
template <uint32_t (*Eval)(const State&, const Config&, std::string*)>
std::string explain_of(const State& s, const Config& c) {
  std::string why;
  Eval(s, c, &why);
  return why;
}
#define MM_INVARIANT(fn) &check_of<fn>, &explain_of<fn>

}  // namespace

const std::vector<Invariant>& invariants() {
  static const std::vector<Invariant> all = {
      {"anon_exclusive",
       "a writable anon PTE maps a PageAnonExclusive page no one else references; exclusive swap PTEs and pinned pages are never shared",
       "mm/rmap.c folio_try_share_anon_rmap_pte; mm/memory.c do_swap_page, do_wp_page; include/linux/page-flags.h PG_anon_exclusive",
       {"writable-not-exclusive", "exclusive-but-shared", "swp-exclusive-but-shared", "swapcache-exclusive", "pinned-not-exclusive"},
       MM_INVARIANT(eval_anon_exclusive), 0},
      {"stable_writes",
       "a folio under writeback to a SWP_STABLE_WRITES device is never mapped writable and never modified",
       "mm/memory.c do_swap_page (SWP_STABLE_WRITES test); mm/swapfile.c SWP_STABLE_WRITES",
       {"mapped-writable", "modified"},
       MM_INVARIANT(eval_stable_writes), 0},
      {"cow_isolation",
       "every read returns what the program stored: private pages are not shared after fork, shared pages are coherent, swap round trips lose nothing, a R/O pin sees what the mapping shows, a read of a pipe returns the vmspliced anon page as the splicing process left it (no other process's write shows through vmsplice's reference: CVE-2020-29374)",
       "mm/memory.c wp_page_copy, copy_present_pte, wp_can_reuse_anon_folio; mm/gup.c gup_must_unshare; fs/splice.c vmsplice_to_pipe",
       {"wrong-value", "pin-diverged", "pipe-leak"},
       MM_INVARIANT(eval_cow_isolation), GHOST_COWED | GHOST_PIN_DETACHED},
      {"swap_accounting",
       "each swap slot's count equals its swap PTEs and shmem entries, SWAP_HAS_CACHE matches the swap cache, no folio is leaked",
       "mm/swapfile.c swap_duplicate, swap_entry_put, free_swap_and_cache",
       {"count-mismatch", "cache-mismatch", "leak"},
       MM_INVARIANT(eval_swap_accounting), 0},
      {"pm_swap_accuracy",
       "pagemap PM_SWAP is set exactly when the data behind the address lives in a swap slot",
       "fs/proc/task_mmu.c pte_to_pagemap_entry; Documentation/admin-guide/mm/pagemap.rst",
       {"false-negative", "false-positive"},
       MM_INVARIANT(eval_pm_swap_accuracy), 0},
      {"mincore_semantics",
       "mincore reports 1 exactly when the page is resident: mapped, or uptodate in the page cache or swap cache",
       "mm/mincore.c mincore_pte_range, mincore_page, mincore_swap",
       {"wrong-byte"},
       MM_INVARIANT(eval_mincore), 0},
      {"uffd_wp_persistence",
       "a page write-protected with UFFDIO_WRITEPROTECT stays protected across zap, pageout and swap-in",
       "mm/memory.c zap_install_uffd_wp_if_needed; mm/rmap.c try_to_unmap_one; include/linux/swapops.h PTE_MARKER_UFFD_WP",
       {"lost"},
       MM_INVARIANT(eval_uffd_wp), GHOST_WP},
      {"soft_dirty_persistence",
       "a page written since clear_refs reads PM_SOFT_DIRTY",
       "fs/proc/task_mmu.c clear_soft_dirty, pte_to_pagemap_entry; Documentation/admin-guide/mm/soft-dirty.rst",
       {"lost"},
       MM_INVARIANT(eval_soft_dirty), GHOST_WRITTEN},
      {"lseek_is_pure",
       "lseek(SEEK_DATA) on a shmem file finds exactly the indices holding data (a swap entry is data) without swapping in",
       "mm/shmem.c shmem_file_llseek; mm/filemap.c mapping_seek_hole_data",
       {"wrong-answer"},
       MM_INVARIANT(eval_lseek), 0},
      {"pagemap_exclusive",
       "PM_MMAP_EXCLUSIVE means no other process can reach the page (mapping or swap PTE)",
       "fs/proc/task_mmu.c pte_to_pagemap_entry (folio_precise_page_mapcount == 1)",
       {"shared"},
       MM_INVARIANT(eval_pagemap_exclusive), 0},
      {"pagemap_consistency",
       "every pagemap bit (PRESENT, SWAP, FILE, MMAP_EXCLUSIVE, UFFD_WP, SOFT_DIRTY, GUARD) and the frame agree with the kernel state, PTE- and PMD-mapped; a private page written since clear_refs reads soft-dirty while its PTE holds the data; no writable PTE escapes soft-dirty tracking",
       "fs/proc/task_mmu.c pte_to_pagemap_entry, pagemap_pmd_range (PM_FILE for a PMD-mapped shmem THP), clear_soft_dirty; mm/memory.c do_swap_page (pte_needs_soft_dirty_wp); mm/mprotect.c can_change_pte_writable; Documentation/admin-guide/mm/pagemap.rst, soft-dirty.rst",
       {"present", "swap", "file", "exclusive", "uffd-wp", "soft-dirty", "guard", "frame", "soft-dirty-lost", "writable-untracked"},
       MM_INVARIANT(eval_pagemap_consistency)},
      {"uffd_wp_scope",
       "no uffd-wp PTE bit, swap-PTE bit or UFFD_WP marker exists in a VMA not registered for write-protect (a child forked without UFFD_FEATURE_EVENT_FORK has none); a protected PTE is never writable; no bit without a UFFDIO_WRITEPROTECT in force. The kernel tolerates a stale bit or marker only after UFFDIO_UNREGISTER of a VMA it could not reach (handle_pte_marker clears a UFFD_WP marker in an unregistered VMA, do_swap_page/userfaultfd_pte_wp ignore the bit there): the model has no unregister, so no stale bit is ever legitimate here",
       "mm/memory.c copy_nonpresent_pte, copy_present_pte (pte_clear_uffd_wp when !userfaultfd_wp(dst_vma)), copy_pte_marker, handle_pte_marker, userfaultfd_pte_wp; mm/userfaultfd.c mwriteprotect_range, userfaultfd_clear_vma; fix 8f34f1eac382 (mm/userfaultfd: fix uffd-wp special cases for fork())",
       {"outside-registered", "writable-protected", "spurious"},
       MM_INVARIANT(eval_uffd_wp_scope)},
      {"pin_coherence",
       "a R/O FOLL_PIN|FOLL_LONGTERM pin keeps seeing what the mapping showed when it was taken (plus the pinner's own later stores), also after the pinner unmapped the page: no other process's write shows through it (CVE-2020-29374); a pin through a MAP_PRIVATE mapping (anon or file) holds an exclusive anon page (gup_must_unshare); a pin taken on an exclusive anon page mapped writable keeps backing the pinner's mapping (never COWed or swapped away under it; a migration entry naming the pinned page still backs it, since migrating a pinned folio fails and maps the same page back, which only kernels before v5.19 (no PG_anon_exclusive) let happen). A pin outlives the pinner's munmap and exit (it belongs to a pipe, ring or driver file); the last exit releases every pin",
       "mm/gup.c gup_must_unshare, follow_page_pte (FAULT_FLAG_UNSHARE); mm/memory.c do_wp_page, wp_can_reuse_anon_folio; commit a7f226604170 (mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous page); 17839856fd58 (gup: document and work around COW can break either way); 70e806e4e645 (mm: Do early cow for pinned pages during fork() for ptes); fs/proc/task_mmu.c pte_is_pinned (9348b73c2e1b); feb889fb40fa (mm: don't put pinned pages into the swap cache); Documentation/core-api/pin_user_pages.rst",
       {"foreign-write", "private-not-unshared", "exclusive-pin-diverged"},
       MM_INVARIANT(eval_pin_coherence)},
      {"guard_regions",
       "a page the program guarded (MADV_GUARD_INSTALL, until MADV_GUARD_REMOVE or munmap) has a guard marker, through zap, fork and pageout; no other page has one",
       "mm/madvise.c madvise_guard_install/remove; mm/memory.c zap_nonpresent_ptes, copy_pte_marker; Documentation madvise(2) MADV_GUARD_INSTALL",
       {"lost", "spurious"},
       MM_INVARIANT(eval_guard_regions)},
      {"mlock_resident",
       "a private anon page mlock() made resident stays present while its VMA is VM_LOCKED (reclaim and MADV_PAGEOUT skip it, MADV_DONTNEED/FREE refuse)",
       "mm/mlock.c mlock_fixup; mm/vmscan.c folio_check_references; mm/rmap.c try_to_unmap_one (VM_LOCKED); mm/madvise.c can_madv_lru_vma",
       {"not-resident"},
       MM_INVARIANT(eval_mlock_resident)},
      {"lazyfree",
       "a lazyfree folio (MADV_FREE, !PG_swapbacked) is a small anon folio outside the swap cache",
       "mm/swap.c folio_mark_lazyfree; mm/vmscan.c shrink_folio_list; mm/rmap.c try_to_unmap_one (discard)",
       {"swap-backed-state"},
       MM_INVARIANT(eval_lazyfree)},
      {"pageout_scope",
       "MADV_PAGEOUT by one process never unmaps or pages out a folio another process maps (LRU reclaim may; madvise may not: it would let one process observe another's accesses)",
       "mm/madvise.c madvise_cold_or_pageout_pte_range (\"Do not interfere with other mappings of this folio\": folio_mapcount != folio_nr_pages, folio_maybe_mapped_shared); fix 12e967fd8e4e (mm: do not allow MADV_PAGEOUT for CoW pages)",
       {"other-mapping"},
       MM_INVARIANT(eval_pageout_scope), 0},
  };
  return all;
}

const Invariant* find_invariant(std::string_view name) {
  for (const Invariant& inv : invariants())
    if (inv.name == name) return &inv;
  return nullptr;
}

}  // namespace mm
