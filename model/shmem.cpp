// shmem page cache and PTE markers (mm/shmem.c, mm/memory.c v6.18; the
// PAGEOUT marker from the 2021 RFC "mm: Enable PM_SWAP for shmem with PTE_MARKER").
#include "model/shmem.h"

#include "model/encoding.h"
#include "model/mm.h"
#include "model/zap.h"

namespace mm {

bool shmem_folio_index(const State& s, int folio, int& inode, int& index) {
  for (int i = 0; i < MAX_INODES; i++) {
    if (!s.inode[i].in_use) continue;
    for (int x = 0; x < MAX_INODE_PAGES; x++) {
      const PcEntry& e = s.inode[i].pc[x];
      if (e.kind == PcKind::Folio && e.a == folio) {
        inode = i;
        index = x;
        return true;
      }
    }
  }
  return false;
}

// folio_end_writeback is what shmem_swapin_folio's folio_wait_writeback waits for.
static void folio_wait_writeback(State& s, int f) { s.folio[f].flags &= ~PG_writeback; }

// shmem_swapin_folio: read the swap entry back into the page cache, drop the
// folio from the swap cache and free the slot.
static Outcome shmem_swapin_folio(State& s, int inode, int index, int& f) {
  PcEntry& e = s.inode[inode].pc[index];
  const int type = e.a, slot = e.b;
  f = swap_cache_get_folio(s, type, slot);
  if (f < 0) {
    f = alloc_folio(s);
    if (f < 0) return {Status::OutOfCapacity, "no free folio for shmem swap-in (raise MAX_FOLIOS)"};
    s.folio[f].content[0] = s.swap[type].slot[slot].content;  // swap_read_folio
  } else {
    folio_wait_writeback(s, f);
  }
  Folio& fo = s.folio[f];
  fo.flags &= ~PG_swapcache;  // shmem_delete_from_swap_cache
  fo.swap_type = fo.swap_slot = 0;
  fo.flags |= PG_dirty;       // folio_mark_dirty: the slot is going away
  s.swap[type].slot[slot].has_cache = 0;
  e = PcEntry{PcKind::Folio, static_cast<uint8_t>(f), 0};
  swap_free(s, type, slot);
  return Outcome::done();
}

Outcome shmem_fault(State& s, int inode, int index, const Config& cfg, int& f) {
  (void)cfg;
  PcEntry& e = s.inode[inode].pc[index];
  switch (e.kind) {
    case PcKind::Folio:
      f = e.a;
      return Outcome::done();
    case PcKind::Swap:
      return shmem_swapin_folio(s, inode, index, f);
    case PcKind::Empty:
      // shmem_alloc_and_add_folio: a zeroed, uptodate folio in the page cache.
      f = alloc_folio(s);
      if (f < 0) return {Status::OutOfCapacity, "no free folio for shmem_fault (raise MAX_FOLIOS)"};
      e = PcEntry{PcKind::Folio, static_cast<uint8_t>(f), 0};
      return Outcome::done();
  }
  return Outcome::done();
}

Outcome handle_pte_marker(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  Process& p = s.proc[proc];
  Pte& pte = p.pte[page];
  const Vma& v = *find_vma(p, page);
  uint8_t marker = pte.a;
  if (marker & enc::PTE_MARKER_GUARD) return {Status::Sigsegv, "access to a guard region (SIGSEGV)"};
  if (marker & enc::PTE_MARKER_POISONED) return {Status::Sigsegv, "access to a poisoned page (SIGBUS)"};
  // The RFC's do_swap_page: a PAGEOUT marker is a plain refault from the page cache.
  marker &= ~enc::PTE_MARKER_PAGEOUT;
  // pte_marker_handle_uffd_wp: leftover markers in an unregistered VMA are cleared.
  if ((marker & enc::PTE_MARKER_UFFD_WP) && !userfaultfd_wp(v)) marker &= ~enc::PTE_MARKER_UFFD_WP;
  if (marker == 0) {
    pte = Pte{};
  } else {
    pte.a = marker;
  }
  return Outcome::done();
}

Outcome shmem_writeout(State& s, int f, const Config& cfg) {
  (void)cfg;
  int inode = 0, index = 0;
  if (!shmem_folio_index(s, f, inode, index)) return Outcome::disabled("folio is not in a shmem page cache");
  int type = 0, slot = 0;
  if (!get_swap_page(s, type, slot)) {
    bool any = false;
    for (const SwapDevice& d : s.swap) any |= (d.flags & SWP_USED) != 0;
    if (!any) return Outcome::disabled("no swap device: shmem_writeout redirties the folio");
    return {Status::OutOfCapacity, "swap is full (raise MAX_SLOTS)"};
  }
  Folio& fo = s.folio[f];
  // shmem_writeout -> add_to_swap_cache + swap_shmem_alloc: the page-cache
  // slot now holds the swap entry, which counts one reference.
  fo.flags |= PG_swapcache;
  fo.swap_type = static_cast<uint8_t>(type);
  fo.swap_slot = static_cast<uint8_t>(slot);
  SwapSlot& sl = s.swap[type].slot[slot];
  sl.has_cache = 1;
  sl.count = 1;
  s.inode[inode].pc[index] = PcEntry{PcKind::Swap, static_cast<uint8_t>(type), static_cast<uint8_t>(slot)};
  return Outcome::done();
}

Outcome shmem_punch_hole(State& s, int inode, int index, const Config& cfg) {
  // unmap_mapping_range: zap the shared PTEs of this index in every mm.
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Vma* v = find_vma(p, pg);
      if (!v || !vma_is_shmem(*v) || v->inode != inode || vma_file_index(*v, pg) != index) continue;
      Pte& pte = p.pte[pg];
      if (pte.kind == PteKind::Present && pte.a != NONE && s.folio[pte.a].test(PG_anon)) continue;  // a COW copy
      if (pte.kind == PteKind::Swap) continue;  // a swapped-out COW copy
      if (pte.kind == PteKind::Marker) {
        // The punched hole has nothing to have been paged out.
        pte.a &= ~enc::PTE_MARKER_PAGEOUT;
        if (pte.a == 0) pte = Pte{};
        continue;
      }
      zap_one_pte(s, pi, pg, ZapDetails{}, cfg);
    }
  }
  // shmem_undo_range: free the folio or the swap entry.
  Inode& in = s.inode[inode];
  PcEntry e = in.pc[index];
  in.pc[index] = PcEntry{};
  in.expect[index] = 0;
  if (e.kind == PcKind::Folio) {
    folio_put_if_unused(s, e.a);
  } else if (e.kind == PcKind::Swap) {
    free_swap_and_cache(s, e.a, e.b);
  }
  return Outcome::done();
}

}  // namespace mm
