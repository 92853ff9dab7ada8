// Reclaim and swap-out (mm/vmscan.c shrink_folio_list, mm/rmap.c
// try_to_unmap_one, mm/swap_state.c add_to_swap, mm/page_io.c swap_writepage).
#include "model/reclaim.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"
#include "model/shmem.h"

namespace mm {

namespace {

bool any_swap_device(const State& s) {
  for (const SwapDevice& d : s.swap)
    if (d.flags & SWP_USED) return true;
  return false;
}

// add_to_swap: allocate a slot and put the anon folio in the swap cache.
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

// try_to_unmap_one for one PTE mapping folio f.
bool try_to_unmap_one(State& s, int proc, int page, int f, const Config& cfg) {
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
    if (cfg.CONFIG_PTE_MARKER_PAGEOUT) marker |= enc::PTE_MARKER_PAGEOUT;
    pte = marker ? Pte{PteKind::Marker, 0, marker, 0} : Pte{};
    return true;
  }
  const bool anon_exclusive = cfg.PG_anon_exclusive && (fo.anon_exclusive & (1u << sub));
  // folio_try_share_anon_rmap_pte fails on a possibly pinned exclusive page.
  if (anon_exclusive && folio_maybe_dma_pinned(s, f)) return false;
  s.swap[fo.swap_type].slot[fo.swap_slot].count++;  // swap_duplicate
  if (anon_exclusive) fo.anon_exclusive &= ~(1u << sub);
  uint8_t bits = pte.bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP);
  if (anon_exclusive && cfg.pte_swp_exclusive) bits |= PTE_SWP_EXCLUSIVE;
  pte = Pte{PteKind::Swap, bits, fo.swap_type, fo.swap_slot};
  return true;
}

// __split_huge_page: a large folio becomes small folios; the PMD mappings
// have been split already.  The tail takes the next free folio id.
Outcome split_folio(State& s, int f, const Config& cfg) {
  for (int pi = 0; pi < MAX_PROCS; pi++)
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = s.proc[pi].pte[pg];
      if (s.proc[pi].alive == PROC_ALIVE && pte.kind == PteKind::Present && pte.a == f &&
          (pte.bits & PTE_PMD))
        split_huge_pmd(s, pi, pg, cfg);
    }
  if (!s.folio[f].test(FOLIO_ALLOCATED)) return Outcome::done();  // shmem: zapped and freed
  if (folio_maybe_dma_pinned(s, f)) return Outcome::disabled("split_folio fails on a pinned large folio");
  int t = alloc_folio(s);
  if (t < 0) return {Status::OutOfCapacity, "no free folio to split a THP into (raise MAX_FOLIOS)"};
  Folio& head = s.folio[f];
  Folio& tail = s.folio[t];
  tail.flags = head.flags & ~PG_large;
  tail.anon_exclusive = (head.anon_exclusive >> 1) & 1;
  tail.content[0] = head.content[1];
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
  folio_put_if_unused(s, t);
  return Outcome::done();
}

// swap_writepage -> __swap_writepage: writeback starts; the device gets the
// data.  A synchronous device completes before pageout() returns.
void pageout(State& s, int f) {
  Folio& fo = s.folio[f];
  fo.flags &= ~PG_dirty;  // folio_clear_dirty_for_io
  fo.flags |= PG_writeback;
  SwapDevice& dev = s.swap[fo.swap_type];
  dev.slot[fo.swap_slot].content = fo.content[0];
  if (dev.flags & SWP_SYNC_WRITEBACK) fo.flags &= ~PG_writeback;
}

}  // namespace

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

Outcome shrink_folio_list(State& s, int f, const Config& cfg) {
  if (f < 0 || f >= MAX_FOLIOS || !s.folio[f].test(FOLIO_ALLOCATED))
    return Outcome::disabled("no such folio");
  if (s.folio[f].test(PG_writeback)) return Outcome::disabled("folio is under writeback");
  if (s.folio[f].test(PG_large)) {
    // Reclaim splits a large folio it cannot swap whole (model: always).
    Outcome o = split_folio(s, f, cfg);
    if (o.status != Status::Done) return o;
    if (!s.folio[f].test(FOLIO_ALLOCATED)) return Outcome::done();
  }
  const bool anon = s.folio[f].test(PG_anon);
  if (anon && !s.folio[f].test(PG_swapcache)) {
    Outcome o = add_to_swap(s, f);
    if (o.status != Status::Done) return o;
  }
  if (folio_mapcount(s, f) > 0 && !try_to_unmap(s, f, cfg)) return Outcome::done();  // activate_locked
  if (folio_mapcount(s, f) > 0) return Outcome::done();
  Folio& fo = s.folio[f];
  if (!anon && !fo.test(PG_swapcache)) {
    if (!fo.test(PG_dirty)) {
      // A clean shmem folio (never written) is dropped like any clean page cache.
      int inode = 0, index = 0;
      if (folio_pins(s, f) == 0 && shmem_folio_index(s, f, inode, index)) {
        s.inode[inode].pc[index] = PcEntry{};
        free_folio(s, f);
      }
      return Outcome::done();
    }
    Outcome o = shmem_writeout(s, f, cfg);
    if (o.status != Status::Done) return o.status == Status::Disabled ? Outcome::done() : o;
  }
  if (s.folio[f].test(PG_dirty)) pageout(s, f);
  return Outcome::done();
}

Outcome madvise_pageout(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  if (!find_vma(p, page)) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  const Pte& pte = p.pte[page];
  if (pte.kind != PteKind::Present || pte.a == NONE) return Outcome::done();  // nothing to page out
  int f = pte.a;
  // folio_maybe_mapped_shared: leave folios other processes map alone.
  if (folio_nr_mapping_procs(s, f) > 1) return Outcome::done();
  if (s.folio[f].test(PG_writeback)) return Outcome::done();
  Outcome o = shrink_folio_list(s, f, cfg);
  return o.status == Status::Disabled ? Outcome::done() : o;
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
  if (!fo.test(PG_swapcache)) return Outcome::disabled("folio is not in the swap cache");
  if (fo.test(PG_writeback)) return Outcome::disabled("folio is under writeback");
  SwapSlot& sl = s.swap[fo.swap_type].slot[fo.swap_slot];
  if (folio_mapcount(s, f) == 0 && folio_pins(s, f) == 0) {
    // __remove_mapping: only a clean folio leaves; its data lives in the slot.
    if (fo.test(PG_dirty)) return Outcome::disabled("folio is dirty: it must be written back first");
    sl.has_cache = 0;
    if (swap_slot_free(sl)) sl = SwapSlot{};
    free_folio(s, f);
    return Outcome::done();
  }
  if (!folio_free_swap(s, f)) return Outcome::disabled("folio_free_swap: a swap PTE or shmem entry still uses the slot");
  return Outcome::done();
}

}  // namespace mm
