// shmem page cache and PTE markers (mm/shmem.c, mm/memory.c v6.18; the
// PAGEOUT marker from the 2021 RFC "mm: Enable PM_SWAP for shmem with
// PTE_MARKER", patches 3/4 and 4/4).
#include "model/decisions.h"
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
        index = x - e.b;  // the head index of a large folio
        return true;
      }
    }
  }
  return false;
}

namespace {

// folio_wait_writeback: shmem_swapin_folio waits for the write to finish;
// the model lets it finish at once (the data is on the device either way).
void folio_wait_writeback(State& s, int f) { s.folio[f].flags &= ~PG_writeback; }

// shmem_swapin_folio: read the swap entry back into the page cache, drop the
// folio from the swap cache (swap_cache_del_folio) and free the slot
// (swap_free_nr).  A SWP_SYNCHRONOUS_IO device skips the swap cache
// (shmem_swap_alloc_folio); the end state is the same.
Outcome shmem_swapin_folio(State& s, int inode, int index, int& f, const Config& cfg) {
  PcEntry& e = s.inode[inode].pc[index];
  const int type = e.a, slot = e.b;
  f = swap_cache_get_folio(s, type, slot);
  MM_DECIDE("shmem_swapin_folio", "mm/shmem.c", "swap_cache_get_folio(swap)",
            f >= 0 ? (s.folio[f].test(PG_writeback) ? "found, under writeback: folio_wait_writeback" : "found in the swap cache")
                   : "NULL: read from swap",
            -1, -1, f);
  if (f < 0) {
    f = alloc_folio(s, cfg);
    if (f < 0) return {Status::OutOfCapacity, "no free folio for shmem swap-in (raise MAX_FOLIOS)"};
    s.folio[f].content[0] = s.swap[type].slot[slot].content;  // swap_read_folio
  } else {
    folio_wait_writeback(s, f);
  }
  Folio& fo = s.folio[f];
  fo.flags &= ~PG_swapcache;
  fo.swap_type = fo.swap_slot = 0;
  fo.flags |= PG_dirty;  // folio_mark_dirty: the slot is going away
  s.swap[type].slot[slot].has_cache = 0;
  e = PcEntry{PcKind::Folio, static_cast<uint8_t>(f), 0};
  swap_free(s, type, slot);
  return Outcome::done();
}

// shmem_alloc_and_add_folio: a zeroed, uptodate (clean) folio enters the
// page cache at `index`, or a large one at the aligned pair.
Outcome shmem_alloc_and_add_folio(State& s, int inode, int index, bool huge, int& f, int& sub,
                                  const Config& cfg) {
  Inode& in = s.inode[inode];
  const int head = index & ~(MAX_FOLIO_PAGES - 1);
  bool large = huge && head + MAX_FOLIO_PAGES <= in.npages;
  for (int i = 0; large && i < MAX_FOLIO_PAGES; i++) large = in.pc[head + i].kind == PcKind::Empty;
  f = alloc_folio(s, cfg);
  if (f < 0) return {Status::OutOfCapacity, "no free folio for shmem_fault (raise MAX_FOLIOS)"};
  if (!large) {
    in.pc[index] = PcEntry{PcKind::Folio, static_cast<uint8_t>(f), 0};
    sub = 0;
    return Outcome::done();
  }
  s.folio[f].flags |= PG_large;
  for (int i = 0; i < MAX_FOLIO_PAGES; i++)
    in.pc[head + i] = PcEntry{PcKind::Folio, static_cast<uint8_t>(f), static_cast<uint8_t>(i)};
  sub = index - head;
  return Outcome::done();
}

// split_folio on an unmapped-by-PMD large page-cache folio: each subpage
// becomes its own folio; PTE mappings and pins of the tail follow it.
// false when the folio is pinned or in a pipe (split_folio fails on extra references).
bool shmem_split_folio(State& s, int f) {
  if (folio_maybe_dma_pinned(s, f)) return false;
  if (folio_pipe_refs(s, f) > 0) return false;  // can_split_folio: a pipe's reference
  int inode = 0, head = 0;
  if (!shmem_folio_index(s, f, inode, head)) return false;
  int t = alloc_folio(s);
  if (t < 0) return false;
  Folio& hf = s.folio[f];
  Folio& tf = s.folio[t];
  tf.flags = hf.flags & ~PG_large;
  tf.content[0] = hf.content[1];
  hf.flags &= ~PG_large;
  hf.content[1] = 0;
  for (Process& p : s.proc)
    for (Pte& pte : p.pte)
      if (pte.kind == PteKind::Present && pte.a == f && pte.b == 1) pte = Pte{pte.kind, pte.bits, static_cast<uint8_t>(t), 0};
  s.inode[inode].pc[head + 1] = PcEntry{PcKind::Folio, static_cast<uint8_t>(t), 0};
  return true;
}

// unmap_mapping_range(even_cows = false) for one file index: zap the PTEs
// that map the page cache in every mm; COW copies (anon folios, swap PTEs)
// stay, uffd-wp markers stay (no ZAP_FLAG_DROP_MARKER); the RFC's
// zap_pte_range drops PAGEOUT markers ("Drop PTE_MARKER_PAGEOUT when zapped").
void unmap_mapping_range(State& s, int inode, int index, const Config& cfg) {
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Vma* v = find_vma(p, pg);
      if (!v || !vma_is_shmem(*v) || v->inode != inode || vma_file_index(*v, pg) != index) continue;
      Pte& pte = p.pte[pg];
      if (pte.kind == PteKind::Present && pte.a != NONE && s.folio[pte.a].test(PG_anon)) continue;
      if (pte.kind == PteKind::Swap) continue;
      zap_one_pte(s, pi, pg, ZapDetails{}, cfg);
      // Ghost: truncation does not wait for pins; a pin here keeps the old
      // page, which the file no longer holds (as after MADV_DONTNEED).
      if (p.pinned & (1u << pg)) p.ghost[pg] |= GHOST_PIN_DETACHED;
    }
  }
}

}  // namespace

Outcome shmem_fault(State& s, int inode, int index, bool huge, const Config& cfg, int& f, int& sub) {
  (void)cfg;
  PcEntry& e = s.inode[inode].pc[index];
  sub = 0;
  MM_DECIDE("shmem_get_folio_gfp", "mm/shmem.c", "filemap_get_entry(mapping, index)",
            e.kind == PcKind::Folio  ? "a folio in the page cache"
            : e.kind == PcKind::Swap ? "a swap value entry: shmem_swapin_folio"
                                     : "nothing: shmem_alloc_and_add_folio (a zeroed folio)");
  switch (e.kind) {
    case PcKind::Folio:
      f = e.a;
      sub = e.b;
      // shmem_get_folio_gfp on a fallocated folio (sgp != SGP_READ): clear
      // it and folio_mark_uptodate (its content is already zero here).
      s.folio[f].flags |= PG_uptodate;
      return Outcome::done();
    case PcKind::Swap:
      return shmem_swapin_folio(s, inode, index, f, cfg);
    case PcKind::Empty:
      return shmem_alloc_and_add_folio(s, inode, index, huge, f, sub, cfg);
  }
  return Outcome::done();
}

Outcome handle_pte_marker(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  Process& p = s.proc[proc];
  Pte& pte = p.pte[page];
  const Vma& v = *find_vma(p, page);
  uint8_t marker = pte.a;
  if (marker == 0) return {Status::Sigsegv, "an empty PTE marker (VM_FAULT_SIGBUS)"};
  if (marker & enc::PTE_MARKER_POISONED) return {Status::Sigsegv, "access to a poisoned page (VM_FAULT_HWPOISON)"};
  if (marker & enc::PTE_MARKER_GUARD) return {Status::Sigsegv, "access to a guard region (VM_FAULT_SIGSEGV)"};
  // The RFC's handle_pte_marker: PAGEOUT is only a hint; drop it and do_fault.
  marker &= ~enc::PTE_MARKER_PAGEOUT;
  // pte_marker_handle_uffd_wp: a leftover marker in an unregistered VMA is
  // cleared (pte_marker_clear); in a registered one the fault goes on as a
  // missing page (do_pte_missing) that maps the page uffd-wp protected.
  if ((marker & enc::PTE_MARKER_UFFD_WP) && !userfaultfd_wp(v)) {
    MM_DECIDE("pte_marker_handle_uffd_wp", "mm/memory.c", "!userfaultfd_wp(vma)", "true: pte_marker_clear, a stale marker", proc, page);
    marker &= ~enc::PTE_MARKER_UFFD_WP;
  }
  pte = marker == 0 ? Pte{} : Pte{PteKind::Marker, 0, marker, 0};
  return Outcome::done();
}

Outcome shmem_writeout(State& s, int f, const Config& cfg) {
  (void)cfg;
  int inode = 0, index = 0;
  if (!shmem_folio_index(s, f, inode, index)) return Outcome::disabled("folio is not in a shmem page cache");
  if (s.folio[f].test(PG_large)) return Outcome::disabled("a large folio is split before shmem_writeout");
  int type = 0, slot = 0;
  if (!get_swap_page(s, type, slot)) {
    bool any = false;
    for (const SwapDevice& d : s.swap) any |= (d.flags & SWP_USED) != 0;
    if (!any) return Outcome::disabled("no swap device: shmem_writeout redirties the folio");
    return {Status::OutOfCapacity, "swap is full (raise MAX_SLOTS)"};
  }
  MM_DECIDE("shmem_writeout", "mm/shmem.c", "folio_alloc_swap(folio)",
            "a slot: the page-cache entry becomes a swap value entry", -1, -1, f);
  Folio& fo = s.folio[f];
  // A fallocated folio arriving here is initialized and written
  // ("without plumbing a SWAP_MAP_FALLOC value ... the only way").
  fo.flags |= PG_uptodate;
  // folio_alloc_swap + swap_shmem_alloc + shmem_delete_from_page_cache: the
  // folio sits in the swap cache and the page-cache slot holds the swap
  // entry, which is the slot's one reference.
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
  unmap_mapping_range(s, inode, index, cfg);
  // shmem_undo_range: free the folio or the swap entry.
  Inode& in = s.inode[inode];
  in.expect[index] = 0;
  PcEntry e = in.pc[index];
  if (e.kind == PcKind::Folio && s.folio[e.a].test(PG_large)) {
    // truncate_inode_partial_folio: split the large folio; when that fails
    // the punched part is zeroed and the folio stays.
    if (!shmem_split_folio(s, e.a)) {
      s.folio[e.a].content[e.b] = 0;
      return Outcome::done();
    }
    e = in.pc[index];
  }
  in.pc[index] = PcEntry{};
  if (e.kind == PcKind::Folio) {
    folio_put_if_unused(s, e.a);
  } else if (e.kind == PcKind::Swap) {
    free_swap_and_cache(s, e.a, e.b);
  }
  return Outcome::done();
}

void shmem_vma_closed(State& s, const Vma& closed, const Config& cfg) {
  if (closed.kind != VmaKind::SharedAnon || closed.inode == NONE) return;
  const int inode = closed.inode;
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    for (const Vma& v : p.vma)
      if (v.kind != VmaKind::None && v.inode == inode) return;  // still mapped
  }
  for (int x = 0; x < s.inode[inode].npages; x++)
    if (s.inode[inode].pc[x].kind != PcKind::Empty) shmem_punch_hole(s, inode, x, cfg);
}

Outcome shmem_fallocate(State& s, int inode, int index, FallocMode mode, const Config& cfg) {
  if (inode < 0 || inode >= MAX_INODES || index < 0 || index >= s.inode[inode].npages)
    return Outcome::disabled("fallocate outside the file");
  if (mode == FallocMode::PunchHole) return shmem_punch_hole(s, inode, index, cfg);
  PcEntry& e = s.inode[inode].pc[index];
  int f = -1, sub = 0;
  switch (e.kind) {
    case PcKind::Folio:
      // shmem_get_folio_gfp: "SGP_FALLOC on a folio fallocated earlier must
      // initialize it now" (clear: zeroed and uptodate), then
      // folio_mark_dirty ("SGP_CACHE folios might still be clean").
      s.folio[e.a].flags |= PG_uptodate | PG_dirty;
      return Outcome::done();
    case PcKind::Swap: {
      Outcome o = shmem_swapin_folio(s, inode, index, f, cfg);
      if (o.status == Status::Done && f >= 0) s.folio[f].flags |= PG_dirty;
      return o;
    }
    case PcKind::Empty: {
      Outcome o = shmem_alloc_and_add_folio(s, inode, index, false, f, sub, cfg);
      if (o.status != Status::Done) return o;
      s.folio[f].flags = (s.folio[f].flags & ~PG_uptodate) | PG_dirty;
      return o;
    }
  }
  return Outcome::done();
}

}  // namespace mm
