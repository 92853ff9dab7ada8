// Footprints of the kernel model's actors (mm_footprint.h).  Conservative
// by construction: an object goes in whenever an event of the actor might
// read or write it; a kind not audited here reaches everything.
#include "checker/engine/mm_footprint.h"

#include "model/events.h"

namespace mmc::engine::por {

using mm::EventKind;

uint8_t kind_touch(EventKind k) {
  switch (k) {
    // Accesses, faults, pins, madvise/mprotect/mlock/mremap on the actor's
    // own VMAs and pages: they reach only what the process references
    // (its PTEs' folios and swap entries, its VMAs' inodes and through them
    // the page cache and its swap entries), plus a new folio from the pool.
    // A shmem hole punch (MADV_REMOVE) zaps other processes' PTEs of the
    // inode's folios: those PTEs are part of the folio objects, and every
    // process mapping the inode has the inode in its footprint.
    case EventKind::ReadFault:
    case EventKind::WriteFault:
    case EventKind::MadvDontneed:
    case EventKind::Munmap:
    case EventKind::Exit:
    case EventKind::MadvRemove:
    case EventKind::PinRO:
    case EventKind::PinRW:
    case EventKind::Unpin:
    case EventKind::SplitPmd:
    case EventKind::UffdWpProtect:
    case EventKind::UffdWpUnprotect:
    case EventKind::ClearRefs:
    case EventKind::MprotectNone:
    case EventKind::MprotectRead:
    case EventKind::MprotectReadWrite:
    case EventKind::MadvDontfork:
    case EventKind::MadvDofork:
    case EventKind::MadvWipeonfork:
    case EventKind::MadvKeeponfork:
    case EventKind::MadvFree:
    case EventKind::MadvPopulateRead:
    case EventKind::MadvPopulateWrite:
    case EventKind::MadvGuardInstall:
    case EventKind::MadvGuardRemove:
    case EventKind::Mlock:
    case EventKind::Munlock:
    case EventKind::Mremap:
    case EventKind::PagemapScanWp:
      return TOUCH_LOCAL;
    // copy_process: a new process slot; the child's references are the
    // parent's (swap_duplicate touches SWAP only through swap PTEs the
    // parent already has).
    case EventKind::Fork:
      return TOUCH_PROC_POOL;
    // Reclaim through the rmap (other mappers' PTEs are part of the folio)
    // and a new swap slot.  MADV_COLD only deactivates, but is counted
    // here to be safe.
    case EventKind::MadvPageout:
    case EventKind::MadvCold:
    case EventKind::Reclaim:
    case EventKind::WritebackEnd:
    case EventKind::SwapCacheDrop:
      return TOUCH_SWAP;
    // try_to_unuse walks every mm; lru_add_drain empties a whole per-CPU
    // batch (other folios than its argument).
    case EventKind::Swapoff:
    case EventKind::LruAddDrain:
    default:
      return TOUCH_ALL;
  }
}

namespace {

uint64_t bit(int i) { return uint64_t{1} << i; }

// Close `m` under reference: folio -> its inode / SWAP, inode -> its
// folios / SWAP, SWAP -> every swap-cache folio.
uint64_t close_refs(const mm::State& s, uint64_t m) {
  for (uint64_t before = 0; before != m;) {
    before = m;
    for (int i = 0; i < mm::MAX_INODES; i++) {
      const mm::Inode& in = s.inode[i];
      bool in_m = m & bit(OBJ_INODE + i);
      if (!in_m) {
        // A folio of this inode's page cache brings the inode.
        for (const mm::PcEntry& e : in.pc)
          if (e.kind == mm::PcKind::Folio && e.a < mm::MAX_FOLIOS && (m & bit(OBJ_FOLIO + e.a))) in_m = true;
        if (!in_m) continue;
        m |= bit(OBJ_INODE + i);
      }
      for (const mm::PcEntry& e : in.pc) {
        if (e.kind == mm::PcKind::Folio && e.a < mm::MAX_FOLIOS) m |= bit(OBJ_FOLIO + e.a);
        if (e.kind == mm::PcKind::Swap) m |= bit(OBJ_SWAP);
      }
    }
    for (int f = 0; f < mm::MAX_FOLIOS; f++) {
      const mm::Folio& fo = s.folio[f];
      if (!fo.test(mm::PG_swapcache)) continue;
      if (m & bit(OBJ_FOLIO + f)) m |= bit(OBJ_SWAP);
      if (m & bit(OBJ_SWAP)) m |= bit(OBJ_FOLIO + f);
    }
  }
  return m;
}

}  // namespace

void footprints(const mm::State& s, const uint8_t (&touch)[MAX_ACTORS], const uint64_t (&counters)[MAX_ACTORS],
                bool pool, uint64_t (&out)[MAX_ACTORS]) {
  for (int a = 0; a < MAX_ACTORS; a++) {
    out[a] = 0;
    const bool is_proc = a < mm::MAX_PROCS;
    if (is_proc && s.proc[a].alive != mm::PROC_ALIVE) continue;
    if (!is_proc && !s.folio[a - mm::MAX_PROCS].test(mm::FOLIO_ALLOCATED)) continue;
    if (!(touch[a] & TOUCH_HAS_EVENTS)) continue;  // no entry left: no event, nothing touched
    if (touch[a] & TOUCH_ALL) {
      out[a] = EVERYTHING;
      continue;
    }
    uint64_t m = counters[a];
    if (touch[a] & TOUCH_SWAP) m |= bit(OBJ_SWAP);
    if (touch[a] & TOUCH_PROC_POOL) m |= bit(OBJ_PROC_POOL);
    if (pool) m |= bit(OBJ_FOLIO_POOL);
    if (is_proc) {
      const mm::Process& p = s.proc[a];
      m |= bit(OBJ_PROC + a);
      for (int pg = 0; pg < mm::MAX_PAGES; pg++) {
        const mm::Pte& pte = p.pte[pg];
        // The shared zero page (a == NONE) is immutable and not counted: no object.
        if (pte.kind == mm::PteKind::Present && pte.a != mm::NONE)
          m |= pte.a < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + pte.a) : EVERYTHING;
        if (pte.kind == mm::PteKind::Swap) m |= bit(OBJ_SWAP);
        if ((p.pinned & (1u << pg)) && p.pin_folio[pg] != mm::NONE)
          m |= p.pin_folio[pg] < mm::MAX_FOLIOS ? bit(OBJ_FOLIO + p.pin_folio[pg]) : EVERYTHING;
      }
      for (const mm::Vma& v : p.vma)
        if (v.npages > 0 && v.inode != mm::NONE) m |= v.inode < mm::MAX_INODES ? bit(OBJ_INODE + v.inode) : EVERYTHING;
    } else {
      m |= bit(OBJ_FOLIO + (a - mm::MAX_PROCS));
    }
    out[a] = close_refs(s, m);
  }
}

uint32_t closed_actor_set(const uint64_t (&fp)[MAX_ACTORS], int seed) {
  uint32_t set = 1u << seed;
  uint64_t objs = fp[seed];
  for (bool grew = true; grew;) {
    grew = false;
    for (int a = 0; a < MAX_ACTORS; a++)
      if (!(set & (1u << a)) && (fp[a] & objs)) {
        set |= 1u << a;
        objs |= fp[a];
        grew = true;
      }
  }
  return set;
}

int allocated_folios(const mm::State& s) {
  int n = 0;
  for (const mm::Folio& f : s.folio) n += f.test(mm::FOLIO_ALLOCATED);
  return n;
}

}  // namespace mmc::engine::por
