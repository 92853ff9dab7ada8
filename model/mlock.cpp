// mlock(2), munlock(2) (mm/mlock.c v6.18) and populate_vma_page_range /
// faultin_page (mm/gup.c).
//
// Model: the range is the whole VMA holding the page; there is no
// unevictable LRU and no PG_mlocked (reclaim asks the VMAs mapping a folio,
// as folio_referenced_one and try_to_unmap_one do); MLOCK_ONFAULT,
// mlockall and RLIMIT_MEMLOCK are not modelled.
#include "model/mlock.h"

#include "model/fault.h"
#include "model/mm.h"

namespace mm {

Outcome faultin_page(State& s, int proc, int page, FaultinMode mode, const Config& cfg) {
  const bool write = mode == FaultinMode::Write;
  for (int tries = 0; tries < 4; tries++) {
    const Pte& pte = s.proc[proc].pte[page];
    if (pte.kind == PteKind::Present && (!write || (pte.bits & PTE_WRITE))) return Outcome::done();
    Outcome o = handle_mm_fault(s, proc, page, write, false, cfg);
    if (o.status != Status::Done) return o;
  }
  return Outcome::disabled("GUP did not converge");
}

Outcome populate_vma_page_range(State& s, int proc, Vma& v, const Config& cfg) {
  // "... similarly, we've never faulted in PROT_NONE pages": -EFAULT.
  if (v.flags2 & VM_NOACCESS) return {Status::Done, "populate_vma_page_range: -EFAULT on a PROT_NONE VMA"};
  // Write faults break COW in private writable mappings; shared ones are
  // only read (FOLL_FORCE), not dirtied for nothing.
  const FaultinMode mode = (v.flags & VM_WRITE) && !vma_is_shared(v) ? FaultinMode::Write : FaultinMode::Read;
  const int start = v.start, end = v.start + v.npages;
  for (int pg = start; pg < end; pg++) {
    Outcome o = faultin_page(s, proc, pg, mode, cfg);
    if (o.status == Status::OutOfCapacity) return o;
    if (o.status != Status::Done) return {Status::Done, "populate_vma_page_range stopped: -EFAULT"};
  }
  return Outcome::done();
}

// do_mlock -> apply_vma_lock_flags -> mlock_fixup (VM_LOCKED), then
// __mm_populate.  A private anon page made resident here is ghost-marked:
// it must stay resident while the VMA is locked (the mlock_resident
// invariant).  Model: like do_mlock, a failed populate (PROT_NONE, a guard
// region) leaves VM_LOCKED set; the syscall then returns ENOMEM.
Outcome do_mlock(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mlock returns ENOMEM)");
  v->flags |= VM_LOCKED;
  Outcome o = populate_vma_page_range(s, proc, *v, cfg);
  if (o.status == Status::OutOfCapacity) return o;
  // Only private anon pages: another process may punch a hole in a shared
  // file under a locked mapping (shmem_fallocate zaps every mapping).
  for (int pg = v->start; pg < v->start + v->npages && vma_is_anonymous(*v); pg++)
    if (p.pte[pg].kind == PteKind::Present) p.ghost[pg] |= GHOST_MLOCKED;
  return o;
}

// munlock -> mlock_fixup without VM_LOCKED: munlock_folio puts the folios
// back on the evictable LRU (no state in the model).
Outcome do_munlock(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (munlock returns ENOMEM)");
  v->flags &= ~VM_LOCKED;
  for (int pg = v->start; pg < v->start + v->npages; pg++) p.ghost[pg] &= ~GHOST_MLOCKED;
  return Outcome::done();
}

bool folio_mapped_in_locked_vma(const State& s, int f) {
  for (const Process& p : s.proc) {
    if (p.alive != PROC_ALIVE) continue;
    // Most mms lock nothing: skip the PTE walk then (reclaim is a hot event).
    bool any_locked = false;
    for (const Vma& v : p.vma) any_locked |= v.kind != VmaKind::None && (v.flags & VM_LOCKED);
    if (!any_locked) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      const Pte& pte = p.pte[pg];
      if (pte.kind != PteKind::Present || pte.a != f) continue;
      const Vma* v = find_vma(p, pg);
      if (v && (v->flags & VM_LOCKED)) return true;
    }
  }
  return false;
}

}  // namespace mm
