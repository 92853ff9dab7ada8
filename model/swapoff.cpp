// swapoff(2) (mm/swapfile.c v6.18): SYSCALL_DEFINE1(swapoff) -> try_to_unuse
// -> shmem_unuse (mm/shmem.c) and unuse_mm -> unuse_pte_range -> unuse_pte;
// then every folio left in the swap cache is waited for and dropped
// (folio_wait_writeback, folio_free_swap), and the device is released.
//
// Model: the loops run to completion in one event (the kernel retries
// until swap_usage_in_pages is 0); no readahead, no KSM copy, no hwpoison;
// waiting for writeback is completing it (folio_end_writeback).
#include "model/swapoff.h"

#include "model/mm.h"
#include "model/reclaim.h"
#include "model/shmem.h"

namespace mm {

namespace {

Outcome capacity(const char* why) { return {Status::OutOfCapacity, why}; }

// read_swap_cache_async as unuse_pte_range calls it: the folio for the
// entry, from the swap cache or read from the device into it.
int swapin_to_swap_cache(State& s, int type, int slot, const Config& cfg) {
  int f = swap_cache_get_folio(s, type, slot);
  if (f >= 0) return f;
  f = alloc_folio(s, cfg);
  if (f < 0) return -1;
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon | PG_swapcache;
  fo.swap_type = static_cast<uint8_t>(type);
  fo.swap_slot = static_cast<uint8_t>(slot);
  fo.content[0] = s.swap[type].slot[slot].content;  // swap_read_folio
  s.swap[type].slot[slot].has_cache = 1;
  return f;
}

// unuse_pte: the swap PTE becomes a present PTE built from vm_page_prot
// (read-only, clean: a later write goes through do_wp_page), keeping
// soft-dirty and uffd-wp; RMAP_EXCLUSIVE iff pte_swp_exclusive; swap_free.
void unuse_pte(State& s, int proc, int page, int f) {
  Pte& pte = s.proc[proc].pte[page];
  const Pte old = pte;
  Folio& fo = s.folio[f];
  if (old.bits & PTE_SWP_EXCLUSIVE) fo.anon_exclusive |= 1;
  pte = Pte{PteKind::Present, static_cast<uint8_t>(old.bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP)), static_cast<uint8_t>(f), 0};
  swap_free(s, old.a, old.b);
}

}  // namespace

Outcome swapoff(State& s, int type, const Config& cfg) {
  if (type < 0 || type >= MAX_SWAP_DEVICES || !(s.swap[type].flags & SWP_USED))
    return Outcome::disabled("no such swap device (swapoff returns EINVAL)");
  // shmem_unuse: every shmem swap entry of this device is swapped into the page cache.
  for (int ino = 0; ino < MAX_INODES; ino++) {
    if (!s.inode[ino].in_use) continue;
    for (int x = 0; x < s.inode[ino].npages; x++) {
      const PcEntry e = s.inode[ino].pc[x];
      if (e.kind != PcKind::Swap || e.a != type) continue;
      int f = -1, sub = 0;
      Outcome o = shmem_fault(s, ino, x, false, cfg, f, sub);
      if (o.status != Status::Done) return o.status == Status::OutOfCapacity ? o : capacity(o.reason);
    }
  }
  // unuse_mm for every mm.
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    if (s.proc[pi].alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte pte = s.proc[pi].pte[pg];
      if (pte.kind != PteKind::Swap || pte.a != type) continue;
      const int f = swapin_to_swap_cache(s, type, pte.b, cfg);
      if (f < 0) return capacity("no free folio for swapoff (raise MAX_FOLIOS)");
      if (s.folio[f].test(PG_writeback)) folio_end_writeback(s, f, cfg);  // folio_wait_writeback
      unuse_pte(s, pi, pg, f);
    }
  }
  // Folios still in this device's swap cache: folio_wait_writeback, folio_free_swap.
  for (int f = 0; f < MAX_FOLIOS; f++) {
    Folio& fo = s.folio[f];
    if (!fo.test(FOLIO_ALLOCATED) || !fo.test(PG_swapcache) || fo.swap_type != type) continue;
    if (fo.test(PG_writeback)) folio_end_writeback(s, f, cfg);
    if (s.folio[f].test(PG_swapcache)) folio_free_swap(s, f);
    folio_put_if_unused(s, f);
  }
  for (const SwapSlot& sl : s.swap[type].slot)
    if (!swap_slot_free(sl)) return Outcome::disabled("swapoff: a slot is still in use (try_to_unuse would retry)");
  s.swap[type] = SwapDevice{};  // the device is gone (SWP_USED cleared)
  return Outcome::done();
}

}  // namespace mm
