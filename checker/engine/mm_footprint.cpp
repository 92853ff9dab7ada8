// Footprints of the kernel model's events (mm_footprint.h).  Conservative
// by construction: an object goes in whenever the event might read or
// write it; a kind not audited here touches everything.
#include "checker/engine/mm_footprint.h"

namespace mmc::engine::por {

using mm::EventKind;

namespace {

uint64_t bit(int i) { return uint64_t{1} << i; }
uint64_t pte_bit(int p, int pg) { return bit(OBJ_PTE + p * mm::MAX_PAGES + pg); }

// How far a kind reaches.
enum class Reach : uint8_t {
  Page,     // the PTEs of its page's VMA and what they reference
  Process,  // all of its process (VMA table written)
  Fork,     // all of its process, a free process slot and the pool of them
  Folio,    // a kernel event on one folio: the folio and SWAP
  All,      // beyond its actor
};

Reach reach(EventKind k) {
  switch (k) {
    // Accesses, faults, pins, per-page madvise and uffd-wp: the page's PTE
    // (and its VMA's others: THP), the VMA table read, what they reference,
    // a new folio from the pool.  A shmem hole punch (MADV_REMOVE) zaps
    // other processes' PTEs of the inode's folios: those PTEs are part of
    // the folio objects, and every process mapping the inode has the
    // inode in its footprint there.
    case EventKind::ReadFault:
    case EventKind::WriteFault:
    case EventKind::MadvDontneed:
    case EventKind::MadvPageout:
    case EventKind::MadvRemove:
    case EventKind::PinRO:
    case EventKind::PinRW:
    case EventKind::Unpin:
    case EventKind::SplitPmd:
    case EventKind::UffdWpProtect:
    case EventKind::UffdWpUnprotect:
    case EventKind::MadvFree:
    case EventKind::MadvCold:
    case EventKind::MadvPopulateRead:
    case EventKind::MadvPopulateWrite:
    case EventKind::MadvGuardInstall:
    case EventKind::MadvGuardRemove:
    case EventKind::PagemapScanWp:
      return Reach::Page;
    // The VMA table or every PTE of the process.
    case EventKind::Munmap:
    case EventKind::Exit:
    case EventKind::ClearRefs:
    case EventKind::MprotectNone:
    case EventKind::MprotectRead:
    case EventKind::MprotectReadWrite:
    case EventKind::MadvDontfork:
    case EventKind::MadvDofork:
    case EventKind::MadvWipeonfork:
    case EventKind::MadvKeeponfork:
    case EventKind::Mlock:
    case EventKind::Munlock:
    case EventKind::Mremap:
      return Reach::Process;
    case EventKind::Fork:
      return Reach::Fork;
    case EventKind::Reclaim:
    case EventKind::WritebackEnd:
    case EventKind::SwapCacheDrop:
      return Reach::Folio;
    // try_to_unuse walks every mm; lru_add_drain empties a whole per-CPU
    // batch (other folios than its argument).
    case EventKind::Swapoff:
    case EventKind::LruAddDrain:
    default:
      return Reach::All;
  }
}

// Kinds that may take a swap slot (reclaim through pageout).  MADV_COLD
// only deactivates, but is counted here to be safe.
bool may_take_slot(EventKind k) {
  return k == EventKind::MadvPageout || k == EventKind::MadvCold || reach(k) == Reach::Folio;
}

// What the PTE / pin of (p, pg) references.
uint64_t slot_bit(int d, int i) {
  return d < mm::MAX_SWAP_DEVICES && i < mm::MAX_SLOTS ? bit(OBJ_SLOT + d * mm::MAX_SLOTS + i) : EVERYTHING;
}

uint64_t page_refs(const mm::State& s, int p, int pg) {
  const mm::Process& pr = s.proc[p];
  const mm::Pte& pte = pr.pte[pg];
  uint64_t m = 0;
  // The shared zero page (a == NONE) is immutable and not counted: no object.
  if (pte.kind == mm::PteKind::Present && pte.a != mm::NONE)
    m |= pte.a < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + pte.a) : EVERYTHING;
  if (pte.kind == mm::PteKind::Swap) m |= slot_bit(pte.a, pte.b);
  // A migration entry names the folio being migrated (a fault on it,
  // migration_entry_wait, completes the migration).
  if (pte.kind == mm::PteKind::Migration) m |= pte.a < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + pte.a) : EVERYTHING;
  if ((pr.pinned & (1u << pg)) && pr.pin_folio[pg] != mm::NONE)
    m |= pr.pin_folio[pg] < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + pr.pin_folio[pg]) : EVERYTHING;
  return m;
}

uint64_t vma_refs(const mm::Vma& v) {
  if (v.npages == 0 || v.inode == mm::NONE) return 0;
  return v.inode < mm::MAX_INODES ? bit(OBJ_INODE + v.inode) : EVERYTHING;
}

// Close `m` under reference: folio <-> its inode, folio <-> its swap
// slot (swap cache), inode -> its folios and slots.
uint64_t close_refs(const mm::State& s, uint64_t m) {
  if (m == EVERYTHING) return m;
  for (uint64_t before = 0; before != m;) {
    before = m;
    for (int i = 0; i < mm::MAX_INODES; i++) {
      const mm::Inode& in = s.inode[i];
      bool in_m = (m & bit(OBJ_INODE + i)) != 0;
      for (const mm::PcEntry& e : in.pc) {
        if (e.kind == mm::PcKind::Folio && e.a < mm::MAX_FOLIOS && (m & bit(OBJ_FOLIO + e.a))) in_m = true;
        if (e.kind == mm::PcKind::Swap && (m & slot_bit(e.a, e.b))) in_m = true;
      }
      if (!in_m) continue;
      m |= bit(OBJ_INODE + i);
      for (const mm::PcEntry& e : in.pc) {
        if (e.kind == mm::PcKind::Folio) m |= e.a < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + e.a) : EVERYTHING;
        if (e.kind == mm::PcKind::Swap) m |= slot_bit(e.a, e.b);
      }
    }
    for (int f = 0; f < mm::MAX_FOLIOS; f++) {
      const mm::Folio& fo = s.folio[f];
      if (!fo.test(mm::PG_swapcache)) continue;
      const uint64_t sl = slot_bit(fo.swap_type, fo.swap_slot);
      if (m & bit(OBJ_FOLIO + f)) m |= sl;
      if (m & sl) m |= bit(OBJ_FOLIO + f);
    }
  }
  return m;
}

// Every object of process p: its PTEs, VMA table and what they reference.
uint64_t whole_process(const mm::State& s, int p) {
  uint64_t m = bit(OBJ_VMA + p);
  for (int pg = 0; pg < mm::MAX_PAGES; pg++) m |= pte_bit(p, pg) | page_refs(s, p, pg);
  for (const mm::Vma& v : s.proc[p].vma) m |= vma_refs(v);
  return m;
}

}  // namespace

// Whether the VMA may hold a THP (then an event on one page reaches the
// whole huge range): THP-eligible, or a PMD-mapped or large folio there.
bool huge_possible(const mm::State& s, int p, const mm::Vma& v) {
  if (v.flags & mm::VM_HUGEPAGE) return true;
  for (int q = v.start; q < v.start + v.npages && q < mm::MAX_PAGES; q++) {
    const mm::Pte& pte = s.proc[p].pte[q];
    if (pte.kind != mm::PteKind::Present) continue;
    if (pte.bits & mm::PTE_PMD) return true;
    if (pte.a < mm::MAX_FOLIOS && s.folio[pte.a].test(mm::PG_large)) return true;
  }
  return false;
}

bool touches_everything(mm::EventKind k) { return reach(k) == Reach::All; }

bool process_wide(mm::EventKind k) { return reach(k) == Reach::Process || reach(k) == Reach::Fork; }

int footprint_group(mm::EventKind k) { return static_cast<int>(reach(k)) * 2 + (may_take_slot(k) ? 1 : 0); }

Footprint event_footprint(const mm::State& s, const mm::Event& e, int counter, bool folio_pool) {
  Footprint fp = base_footprint(s, e, folio_pool);
  if (counter >= 0 && fp.wr != EVERYTHING) fp.wr |= bit(OBJ_COUNTER + counter);
  return fp;
}

Footprint base_footprint(const mm::State& s, const mm::Event& e, bool folio_pool) {
  Footprint fp;
  const Reach r = reach(e.kind);
  if (r == Reach::All) {
    fp.wr = EVERYTHING;
    return fp;
  }
  uint64_t wr = 0;
  if (r == Reach::Folio) {
    wr |= e.arg < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + e.arg) : EVERYTHING;
  } else if (r == Reach::Page) {
    const int p = e.proc, pg = e.page;
    const mm::Vma* in = nullptr;
    for (const mm::Vma& v : s.proc[p].vma)
      if (v.npages > 0 && pg >= v.start && pg < v.start + v.npages) in = &v;
    // The page's PTE, or every PTE of its VMA when it may hold a THP (a
    // THP fault, split or zap covers the huge range); the VMA table read,
    // and written by the first anon fault (anon_vma_prepare).
    const bool huge = in && huge_possible(s, p, *in);
    for (int q = 0; q < mm::MAX_PAGES; q++)
      if (q == pg || (huge && q >= in->start && q < in->start + in->npages)) wr |= pte_bit(p, q) | page_refs(s, p, q);
    if (in) wr |= vma_refs(*in);
    if (in && !(in->flags & mm::VMA_ANON_VMA)) wr |= bit(OBJ_VMA + p);
    else fp.rd |= bit(OBJ_VMA + p);
  } else {
    // The last process's exit closes every file: every pin left by the
    // exited processes is released (exit_mmap, unpin_all).
    if (e.kind == EventKind::Exit) {
      int alive = 0;
      for (const mm::Process& q : s.proc) alive += q.alive == mm::PROC_ALIVE;
      if (alive <= 1) {
        fp.wr = EVERYTHING;
        return fp;
      }
    }
    wr |= whole_process(s, e.proc);
    if (r == Reach::Fork) {
      wr |= bit(OBJ_PROC_POOL);
      // The child's slot (whichever is free).
      for (int c = 0; c < mm::MAX_PROCS; c++)
        if (s.proc[c].alive == mm::PROC_UNUSED) {
          wr |= bit(OBJ_VMA + c);
          for (int pg = 0; pg < mm::MAX_PAGES; pg++) wr |= pte_bit(c, pg);
        }
    }
  }
  if (may_take_slot(e.kind)) {
    // Which device a new slot comes from depends on the others' fill when
    // two are in use; which slot of one device is renamed by symmetry.
    int devices = 0;
    for (const mm::SwapDevice& d : s.swap) devices += (d.flags & mm::SWP_USED) != 0;
    if (folio_pool || devices > 1) wr |= bit(OBJ_SLOT_POOL);
  }
  if (folio_pool) wr |= bit(OBJ_FOLIO_POOL);
  fp.wr = close_refs(s, wr);
  fp.rd &= ~fp.wr;
  return fp;
}

namespace {
int folios_in_use(const mm::State& s) {
  int n = 0;
  for (const mm::Folio& f : s.folio) n += f.test(mm::FOLIO_ALLOCATED);
  return n;
}
int slots_in_use(const mm::State& s) {
  int n = 0;
  for (const mm::SwapDevice& d : s.swap)
    for (const mm::SwapSlot& sl : d.slot) n += sl.count > 0 || sl.has_cache;
  return n;
}
}  // namespace

int allocated_resources(const mm::State& s) { return folios_in_use(s) * 256 + slots_in_use(s); }

bool frees_resources(const mm::State& before, const mm::State& after) {
  return folios_in_use(after) < folios_in_use(before) || slots_in_use(after) < slots_in_use(before);
}

}  // namespace mmc::engine::por
