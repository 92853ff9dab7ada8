// madvise(2) advice (mm/madvise.c v6.18): MADV_DONTFORK, MADV_DOFORK,
// MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_FREE, MADV_COLD,
// MADV_POPULATE_READ/WRITE, MADV_GUARD_INSTALL/REMOVE; and the lazyfree
// side of reclaim (mm/vmscan.c shrink_folio_list, mm/rmap.c
// try_to_unmap_one).
//
// A syscall that fails with an errno leaves the state as it is and returns
// Done with the errno in `reason`: the program sees the call do nothing.
#include "model/madvise.h"
#include "model/madvise_knobs.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/mlock.h"
#include "model/mm.h"
#include "model/zap.h"

namespace mm {

namespace {

Outcome einval(const char* why) { return {Status::Done, why}; }

}  // namespace

// madvise_update_vma (vm_flags advice).  Model: the whole VMA holding the
// page (the model does not split VMAs).
Outcome madvise_update_vma(State& s, int proc, int page, VmaAdvice advice, const Config& cfg) {
  (void)cfg;
  Vma* v = find_vma(s.proc[proc], page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  switch (advice) {
    case VmaAdvice::DontFork: v->flags |= VM_DONTCOPY; break;
    case VmaAdvice::DoFork: v->flags &= ~VM_DONTCOPY; break;
    case VmaAdvice::WipeOnFork:
      // madvise_vma_behavior: "if (vma->vm_file || vma->vm_flags & VM_SHARED) return -EINVAL".
      if (!vma_is_anonymous(*v)) return einval("MADV_WIPEONFORK: -EINVAL (file or shared mapping)");
      v->flags |= VM_WIPEONFORK;
      break;
    case VmaAdvice::KeepOnFork: v->flags &= ~VM_WIPEONFORK; break;
  }
  return Outcome::done();
}

// madvise_free_pte_range for one page.  Model: a PTE-mapped large folio
// is left alone after its PMD is split (the kernel splits the folio too and
// marks the small one lazyfree); there is no access (young) bit.
Outcome madvise_free(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  // madvise_dontneed_free_valid_vma: not on VM_LOCKED; madvise_free_single_vma: anon only.
  if (v->flags & VM_LOCKED) return einval("MADV_FREE: -EINVAL on a VM_LOCKED VMA");
  if (!vma_is_anonymous(*v)) return einval("MADV_FREE: -EINVAL on a file or shared mapping");
  Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Present && (pte.bits & PTE_PMD)) split_huge_pmd(s, proc, page, cfg);  // madvise_free_huge_pmd
  switch (pte.kind) {
    case PteKind::None:
      return Outcome::done();
    case PteKind::Marker:
      // Only hwpoison/poisoned markers are cleared; guard (and uffd-wp) stay.
      if (pte.a & enc::PTE_MARKER_POISONED) pte = Pte{};
      return Outcome::done();
    case PteKind::Migration:
      return Outcome::done();  // madvise_free_pte_range: other non-swap entries are skipped
    case PteKind::Swap: {
      // "just clear page table to prevent swap-in": the data is gone.
      const Pte old = pte;
      pte = Pte{};
      free_swap_and_cache(s, old.a, old.b);
      p.expect[page] = 0;
      p.ghost[page] &= ~(GHOST_WP | GHOST_LAZYFREE);
      if (p.pinned & (1u << page)) p.ghost[page] |= GHOST_PIN_DETACHED;
      return Outcome::done();
    }
    case PteKind::Present:
      break;
  }
  if (pte.a == NONE) return Outcome::done();  // vm_normal_folio: the zero page
  const int f = pte.a;
  Folio& fo = s.folio[f];
  if (fo.test(PG_large)) return Outcome::done();
  if (fo.test(PG_swapcache) || fo.test(PG_dirty)) {
    if (folio_mapcount(s, f) != fo.nr_pages()) return Outcome::done();  // not exclusive
    if (fo.test(PG_swapcache) && !folio_free_swap(s, f)) return Outcome::done();
    fo.flags &= ~PG_dirty;  // folio_clear_dirty
  }
  pte.bits &= ~PTE_DIRTY;  // clear_young_dirty_ptes(CYDP_CLEAR_DIRTY): pte_mkclean keeps soft-dirty
  // folio_mark_lazyfree: anon, swap-backed, not in the swap cache, evictable.
  if (fo.test(PG_anon) && !fo.test(PG_swapcache) && !folio_mapped_in_locked_vma(s, f)) {
    fo.flags2 |= PG_lazyfree;
    p.ghost[page] |= GHOST_LAZYFREE;
  }
  return Outcome::done();
}

// madvise_cold: can_madv_lru_vma, then folio_deactivate of each folio
// mapped once.  Model: there are no LRU lists, so nothing is observable
// beyond the validity check; the event exists so that alphabets and
// scenarios can show that nothing else changes (guard markers stay).
Outcome madvise_cold(State& s, int proc, int page, const Config& cfg) {
  (void)cfg;
  const Vma* v = find_vma(s.proc[proc], page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  if (v->flags & VM_LOCKED) return einval("MADV_COLD: -EINVAL on a VM_LOCKED VMA (can_madv_lru_vma)");
  return Outcome::done();
}

// madvise_populate -> faultin_page_range(FOLL_MADV_POPULATE [| FOLL_WRITE]).
// check_vma_flags failing is -EINVAL; a fault that raises SIGSEGV/SIGBUS
// (a guard region, a uffd-wp page with UFFD_FEATURE_SIGBUS) is -EFAULT.
Outcome madvise_populate(State& s, int proc, int page, PopulateMode mode, const Config& cfg) {
  const Vma* v = find_vma(s.proc[proc], page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  const bool write = mode == PopulateMode::Write;
  if (v->flags2 & VM_NOACCESS) return einval("MADV_POPULATE: -EINVAL on a PROT_NONE VMA (check_vma_flags)");
  if (write && !(v->flags & VM_WRITE)) return einval("MADV_POPULATE_WRITE: -EINVAL on a read-only VMA (check_vma_flags)");
  Outcome o = faultin_page(s, proc, page, write ? FaultinMode::Write : FaultinMode::Read, cfg);
  if (o.status == Status::OutOfCapacity || o.status == Status::Done) return o;
  return {Status::Done, "MADV_POPULATE: -EFAULT (the fault raised SIGSEGV or SIGBUS)"};
}

// madvise_guard_install for one page: is_valid_guard_vma (not VM_LOCKED),
// anon_vma_prepare (so fork copies the page tables), then the walk: a guard
// marker stays, a none PTE gets PTE_MARKER_GUARD, anything else is zapped
// first (zap_page_range_single, markers kept) and the walk retried.
Outcome madvise_guard_install(State& s, int proc, int page, const Config& cfg) {
  if (!madvise_guard_regions(cfg)) return einval("MADV_GUARD_INSTALL: -EINVAL, no guard regions before v6.13 (madvise_behavior_valid)");
  Process& p = s.proc[proc];
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  if (v->flags & VM_LOCKED) return einval("MADV_GUARD_INSTALL: -EINVAL on a VM_LOCKED VMA");
  anon_vma_prepare(*v);
  Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_GUARD)) return Outcome::done();
  if (pte.kind != PteKind::None) zap_one_pte(s, proc, page, ZapDetails{}, cfg);
  // A uffd-wp marker on a file VMA survives the zap: guard_install_pte_entry
  // sees a populated PTE on every retry and the call ends in restart_syscall.
  if (pte.kind != PteKind::None)
    return Outcome::disabled("MADV_GUARD_INSTALL: a uffd-wp marker survives the zap (restart_syscall)");
  pte = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_GUARD), 0};
  p.ghost[page] |= GHOST_GUARD;
  p.ghost[page] &= ~GHOST_LAZYFREE;
  return Outcome::done();
}

// madvise_guard_remove: is_valid_guard_vma(allow_locked), then
// guard_remove_pte_entry clears guard markers and nothing else.
Outcome madvise_guard_remove(State& s, int proc, int page, const Config& cfg) {
  if (!madvise_guard_regions(cfg)) return einval("MADV_GUARD_REMOVE: -EINVAL, no guard regions before v6.13 (madvise_behavior_valid)");
  Process& p = s.proc[proc];
  if (!find_vma(p, page)) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Marker && (pte.a & enc::PTE_MARKER_GUARD)) {
    const uint8_t rest = pte.a & ~enc::PTE_MARKER_GUARD;
    pte = rest ? Pte{PteKind::Marker, 0, rest, 0} : Pte{};
  }
  p.ghost[page] &= ~GHOST_GUARD;
  return Outcome::done();
}

// try_to_unmap_one on a folio without PG_swapbacked, mapping by mapping:
// folio_mark_dirty from a dirty PTE; discard the mapping when the folio is
// clean and only its mappings (and reclaim's isolation) reference it
// ("ref_count == 1 + map_count"); otherwise remap it, folio_set_swapbacked
// and abort the walk.  A folio with no mapping left is freed (free_it).
Outcome shrink_lazyfree_folio(State& s, int f, const Config& cfg) {
  (void)cfg;
  Folio& fo = s.folio[f];
  for (int pi = 0; pi < MAX_PROCS; pi++) {
    Process& p = s.proc[pi];
    if (p.alive != PROC_ALIVE) continue;
    for (int pg = 0; pg < MAX_PAGES; pg++) {
      Pte& pte = p.pte[pg];
      if (pte.kind != PteKind::Present || pte.a != f) continue;
      if (pte.bits & PTE_DIRTY) fo.flags |= PG_dirty;
      if (folio_ref_count(s, f) != folio_large_mapcount(s, f) || fo.test(PG_dirty)) {
        fo.flags2 &= ~PG_lazyfree;  // folio_set_swapbacked: redirtied or referenced
        return Outcome::done();
      }
      pte = Pte{};  // discard: dec_mm_counter(MM_ANONPAGES), no swap entry
      // Semantics: a page freed lazily may read as zero, but only where the
      // program gave it up (MADV_FREE, or inherited the advice over fork).
      if (p.ghost[pg] & GHOST_LAZYFREE) p.expect[pg] = 0;
      p.ghost[pg] &= ~(GHOST_LAZYFREE | GHOST_WP);
    }
  }
  folio_put_if_unused(s, f);
  return Outcome::done();
}

}  // namespace mm
