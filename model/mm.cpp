#include <fmt/format.h>

#include "model/decisions.h"
#include "model/mm.h"

#include "model/lru_knobs.h"

namespace mm {

const Vma* find_vma(const Process& p, int page) {
  for (const Vma& v : p.vma)
    if (v.kind != VmaKind::None && page >= v.start && page < v.start + v.npages) return &v;
  return nullptr;
}

Vma* find_vma(Process& p, int page) {
  return const_cast<Vma*>(find_vma(static_cast<const Process&>(p), page));
}

bool vma_is_anonymous(const Vma& v) { return v.kind == VmaKind::PrivateAnon; }
bool vma_is_shmem(const Vma& v) {
  return v.kind == VmaKind::SharedAnon || v.kind == VmaKind::MemfdShared ||
         v.kind == VmaKind::MemfdPrivate;
}
bool vma_is_shared(const Vma& v) {
  return v.kind == VmaKind::SharedAnon || v.kind == VmaKind::MemfdShared;
}
bool is_cow_mapping(const Vma& v) { return !vma_is_shared(v); }
int vma_file_index(const Vma& v, int page) { return v.pgoff + (page - v.start); }

int folio_precise_page_mapcount(const State& s, int f, int sub) {
  int n = 0;
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (const Pte& pte : p.pte)
      if (pte.kind == PteKind::Present && pte.a == f && pte.b == sub) n++;
  }
  return n;
}

int folio_mapcount(const State& s, int f) {
  int n = 0;
  for (int sub = 0; sub < s.folio[f].nr_pages(); sub++) n += folio_precise_page_mapcount(s, f, sub);
  return n;
}

int folio_nr_mapping_procs(const State& s, int f) {
  int n = 0;
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (const Pte& pte : p.pte)
      if (pte.kind == PteKind::Present && pte.a == f) {
        n++;
        break;
      }
  }
  return n;
}

bool folio_in_page_cache(const State& s, int f) {
  for (const Inode& in : s.inode)
    for (const PcEntry& e : in.pc)
      if (in.in_use && e.kind == PcKind::Folio && e.a == f) return true;
  return false;
}

int folio_pins(const State& s, int f) {
  int n = 0;
  for (const Process& p : s.proc)
    for (int pg = 0; pg < MAX_PAGES; pg++)
      if ((p.pinned & (1u << pg)) && p.pin_folio[pg] == f) n++;
  return n;
}

int folio_pipe_refs(const State& s, int f) {
  int n = 0;
  for (const PipeBuffer& b : s.pipe)
    if (b.used() && b.page == f) n++;
  return n;
}

// Each PTE mapping holds one folio reference; a PMD mapping of a large
// folio holds one for the whole folio (folio_add_anon_rmap_pmd), so only
// the PTE of its head page counts.
int folio_large_mapcount(const State& s, int f) {
  int n = 0;
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (const Pte& pte : p.pte)
      if (pte.kind == PteKind::Present && pte.a == f && (!(pte.bits & PTE_PMD) || pte.b == 0)) n++;
  }
  return n;
}

int folio_ref_count(const State& s, int f) {
  const Folio& fo = s.folio[f];
  if (!fo.test(FOLIO_ALLOCATED)) return 0;
  int refs = folio_large_mapcount(s, f) + folio_pins(s, f) + folio_pipe_refs(s, f);
  if (fo.test(PG_swapcache)) refs += fo.nr_pages();  // the swap cache holds one ref per page
  if (folio_in_page_cache(s, f)) refs += fo.nr_pages();  // so does the page cache
  if (fo.flags2 & FOLIO_MIGRATING) refs += 1;  // migrate_pages' isolation reference (folio_isolate_lru)
  return refs;
}

bool folio_maybe_dma_pinned(const State& s, int f) { return folio_pins(s, f) > 0; }

bool mm_has_pinned(const Process& p) { return p.pinned != 0; }

bool folio_needs_cow_for_dma(const State& s, int proc, int f) {
  return mm_has_pinned(s.proc[proc]) && folio_maybe_dma_pinned(s, f);
}

int swap_pte_refs(const State& s, int type, int slot) {
  int n = 0;
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (const Pte& pte : p.pte)
      if (pte.kind == PteKind::Swap && pte.a == type && pte.b == slot) n++;
  }
  return n;
}

int shmem_swap_refs(const State& s, int type, int slot) {
  int n = 0;
  for (const Inode& in : s.inode)
    for (const PcEntry& e : in.pc)
      if (in.in_use && e.kind == PcKind::Swap && e.a == type && e.b == slot) n++;
  return n;
}

int alloc_folio(State& s) {
  for (int f = 0; f < MAX_FOLIOS; f++) {
    if (!s.folio[f].test(FOLIO_ALLOCATED)) {
      s.folio[f] = Folio{};
      s.folio[f].flags = FOLIO_ALLOCATED | PG_uptodate;
      return f;
    }
  }
  return -1;
}

int alloc_folio(State& s, const Config& cfg) {
  const int f = alloc_folio(s);
  // folio_add_lru: the folio joins the faulting CPU's cpu_fbatches.lru_add.
  // With one CPU every lru_add_drain in the way drains it; with another CPU
  // it stays off the LRU until that CPU drains (the lru_add_drain event).
  if (f >= 0 && lru_batch_other_cpu(cfg)) s.folio[f].flags |= FOLIO_LRU_BATCHED;
  return f;
}

// Off the LRU: still in another CPU's lru_add batch, or isolated by migration.
bool folio_test_lru(const Folio& fo) { return !fo.test(FOLIO_LRU_BATCHED) && !(fo.flags2 & FOLIO_MIGRATING); }

void free_folio(State& s, int f) { s.folio[f] = Folio{}; }

void folio_put_if_unused(State& s, int f) {
  if (f >= 0 && f < MAX_FOLIOS && s.folio[f].test(FOLIO_ALLOCATED) && folio_ref_count(s, f) == 0)
    free_folio(s, f);
}

int swap_cache_get_folio(const State& s, int type, int slot) {
  for (int f = 0; f < MAX_FOLIOS; f++) {
    const Folio& fo = s.folio[f];
    if (fo.test(FOLIO_ALLOCATED) && fo.test(PG_swapcache) && fo.swap_type == type &&
        fo.swap_slot == slot)
      return f;
  }
  return -1;
}

bool swap_slot_free(const SwapSlot& sl) { return sl.count == 0 && !sl.has_cache; }

bool get_swap_page(const State& s, int& type, int& slot) {
  for (int t = 0; t < MAX_SWAP_DEVICES; t++) {
    if (!(s.swap[t].flags & SWP_USED)) continue;
    for (int i = 0; i < MAX_SLOTS; i++) {
      if (swap_slot_free(s.swap[t].slot[i])) {
        type = t;
        slot = i;
        return true;
      }
    }
  }
  return false;
}

// swap_entry_put / swap_free: one reference fewer.  A slot with no count and
// no cached folio is free again; its stale data is forgotten.
void swap_free(State& s, int type, int slot) {
  SwapSlot& sl = s.swap[type].slot[slot];
  if (sl.count > 0) sl.count--;
  if (swap_slot_free(sl)) sl = SwapSlot{};
}

void delete_from_swap_cache(State& s, int f) {
  Folio& fo = s.folio[f];
  SwapSlot& sl = s.swap[fo.swap_type].slot[fo.swap_slot];
  sl.has_cache = 0;
  if (swap_slot_free(sl)) sl = SwapSlot{};
  fo.flags &= ~PG_swapcache;
  fo.swap_type = fo.swap_slot = 0;
}

bool folio_free_swap(State& s, int f) {
  Folio& fo = s.folio[f];
  // folio_swapcache_freeable: in the swap cache and not under writeback.
  if (!fo.test(PG_swapcache) || fo.test(PG_writeback)) {
    if (fo.test(PG_swapcache))
      MM_DECIDE("folio_free_swap", "mm/swapfile.c", "folio_swapcache_freeable(folio): !folio_test_writeback",
                "false: under writeback, the folio stays in the swap cache", -1, -1, f);
    return false;
  }
  // folio_swapped: a swap PTE or shmem swap entry still needs the slot.
  if (s.swap[fo.swap_type].slot[fo.swap_slot].count > 0) {
    MM_DECIDE("folio_free_swap", "mm/swapfile.c", "folio_swapped(folio)",
              fmt::format("true (swap count {}): the folio stays in the swap cache",
                          int{s.swap[fo.swap_type].slot[fo.swap_slot].count}),
              -1, -1, f);
    return false;
  }
  MM_DECIDE("folio_free_swap", "mm/swapfile.c", "folio_swapped(folio)",
            "false: delete_from_swap_cache, folio_set_dirty (the only copy is in memory)", -1, -1, f);
  delete_from_swap_cache(s, f);
  fo.flags |= PG_dirty;  // folio_set_dirty: the only copy is now in memory
  return true;
}

void free_swap_cache(State& s, int f) {
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(FOLIO_ALLOCATED)) return;
  if (s.folio[f].test(PG_swapcache) && folio_mapcount(s, f) == 0) folio_free_swap(s, f);
}

// free_swap_and_cache_nr: drop the reference; when only SWAP_HAS_CACHE is
// left, __try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL) deletes an
// unmapped folio that is not under writeback from the swap cache.  Pins do
// not stop it: the folio lives on, out of the swap cache, until unpinned.
// Model: TTRS_FULL's mem_cgroup_swap_full (swap more than half full) is
// never true, and folio_trylock always succeeds.
void free_swap_and_cache(State& s, int type, int slot) {
  swap_free(s, type, slot);
  SwapSlot& sl = s.swap[type].slot[slot];
  if (sl.count != 0 || !sl.has_cache) return;
  int f = swap_cache_get_folio(s, type, slot);
  if (f < 0) return;
  Folio& fo = s.folio[f];
  if (fo.test(PG_writeback) || folio_mapcount(s, f) > 0) return;
  delete_from_swap_cache(s, f);
  fo.flags |= PG_dirty;  // folio_set_dirty
  folio_put_if_unused(s, f);
}

uint8_t swap_entry_content(const State& s, int type, int slot) {
  int f = swap_cache_get_folio(s, type, slot);
  if (f >= 0) return s.folio[f].content[0];
  return s.swap[type].slot[slot].content;
}

uint8_t pte_mkdirty_bits(const Config& cfg) {
  return PTE_DIRTY | (cfg.CONFIG_MEM_SOFT_DIRTY ? PTE_SOFT_DIRTY : 0);
}

bool vma_soft_dirty_enabled(const Vma& v, const Config& cfg) {
  return cfg.CONFIG_MEM_SOFT_DIRTY && !(v.flags & VM_SOFTDIRTY);
}

bool userfaultfd_wp(const Vma& v) { return v.flags & VM_UFFD_WP; }

}  // namespace mm
