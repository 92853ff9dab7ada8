// fork: dup_mmap -> copy_page_range -> copy_pte_range (mm/memory.c v6.18).
#include "model/decisions.h"
#include "model/fork.h"

#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"

namespace mm {

namespace {

// vma_needs_copy: page tables are copied only for a uffd-wp child VMA, a
// PFNMAP/MIXEDMAP source, or a source with an anon_vma.  Shared shmem is
// not copied: the child refaults from the page cache, and markers are lost.
bool vma_needs_copy(const Vma& dst, const Vma& src) {
  if (userfaultfd_wp(dst)) return true;
  return src.flags & VMA_ANON_VMA;
}

// copy_present_page: the child gets its own copy of a possibly pinned
// exclusive page; the parent's PTE stays writable and exclusive.
bool copy_present_page(State& s, Process& child, int page, const Pte& src, const Config& cfg) {
  int f = alloc_folio(s, cfg);
  if (f < 0) return false;
  Folio& fo = s.folio[f];
  fo.flags |= PG_anon;
  fo.anon_exclusive = cfg.PG_anon_exclusive ? 1 : 0;
  fo.content[0] = s.folio[src.a].content[src.b];
  child.pte[page] = Pte{PteKind::Present, static_cast<uint8_t>(PTE_WRITE | pte_mkdirty_bits(cfg)),
                        static_cast<uint8_t>(f), 0};
  return true;
}

// copy_present_ptes (and copy_huge_pmd for PMD-mapped pages: pmd_wrprotect
// in both, or split and copy by PTEs when the folio may be pinned).
// Model: vm_normal_page's zero page is copied as a plain read-only PTE;
// v5.14's immediate copy of a pinned MAP_PRIVATE file page is not modelled.
Outcome copy_present_pte(State& s, int proc, Process& child, const Vma& dst, const Vma& src,
                         int page, const Config& cfg) {
  Pte& spte = s.proc[proc].pte[page];
  if (spte.a != NONE) {
    Folio& fo = s.folio[spte.a];
    if (fo.test(PG_anon)) {
      const uint8_t bit = 1u << spte.b;
      // folio_try_dup_anon_rmap_pte fails (-EBUSY) for an exclusive page
      // when folio_needs_cow_for_dma: the child gets a copy now.  v5.14
      // (copy_present_page: page_needs_cow_for_dma) copied any possibly
      // pinned page of a COW mapping, exclusive or not.
      bool needs_copy = folio_needs_cow_for_dma(s, proc, spte.a) &&
                        (!cfg.PG_anon_exclusive || (fo.anon_exclusive & bit));
      MM_DECIDE("copy_present_pte", "mm/memory.c",
                cfg.PG_anon_exclusive ? "PageAnonExclusive(page) && folio_needs_cow_for_dma(src_vma, folio)"
                                      : "page_needs_cow_for_dma(src_vma, page) (v5.14)",
                needs_copy ? "true: folio_try_dup_anon_rmap_pte -EBUSY, the child gets a copy now (copy_present_page)"
                           : "false: shared with the child, ClearPageAnonExclusive",
                proc, page, spte.a);
      if (needs_copy) {
        if (spte.bits & PTE_PMD) split_huge_pmd(s, proc, page, cfg);  // copy_huge_pmd -> -EAGAIN
        if (!copy_present_page(s, child, page, spte, cfg))
          return {Status::OutOfCapacity, "no free folio for copy_present_page (raise MAX_FOLIOS)"};
        return Outcome::done();
      }
      // ClearPageAnonExclusive: the page is shared with the child now.
      if (spte.bits & PTE_PMD) fo.anon_exclusive = 0;  // folio_try_dup_anon_rmap_pmd
      else fo.anon_exclusive &= ~bit;
    }
  }
  // COW mappings are write-protected in parent and child.
  Pte cpte = spte;
  if (is_cow_mapping(src) && (spte.bits & PTE_WRITE)) {
    MM_DECIDE("copy_present_pte", "mm/memory.c", "is_cow_mapping(src_vma->vm_flags) && pte_write(pte)",
              "true: ptep_set_wrprotect, both PTEs read-only", proc, page, spte.a == NONE ? -1 : spte.a);
    spte.bits &= ~PTE_WRITE;
    cpte.bits &= ~PTE_WRITE;
  }
  if (vma_is_shared(src)) cpte.bits &= ~PTE_DIRTY;  // pte_mkclean in the child
  if (!userfaultfd_wp(dst)) cpte.bits &= ~PTE_UFFD_WP;
  child.pte[page] = cpte;
  return Outcome::done();
}

// copy_pte_marker: POISONED and GUARD always; UFFD_WP only into a uffd-wp
// VMA.  The RFC's PAGEOUT marker is copied as it is: the RFC left
// copy_nonpresent_pte alone, and v5.14's copies a non-swap entry it does not
// know unchanged.  It only gets here when vma_needs_copy (a private memfd
// VMA with an anon_vma): shared shmem page tables are never copied.
uint8_t copy_pte_marker(uint8_t marker, const Vma& dst) {
  uint8_t keep = marker & (enc::PTE_MARKER_POISONED | enc::PTE_MARKER_GUARD | enc::PTE_MARKER_PAGEOUT);
  if (userfaultfd_wp(dst)) keep |= marker & enc::PTE_MARKER_UFFD_WP;
  return keep;
}

// copy_nonpresent_pte: swap_duplicate, and the parent's swap PTE loses its
// exclusive bit ("Mark the swap entry as shared").  Markers: copy_pte_marker.
void copy_nonpresent_pte(State& s, int proc, Process& child, const Vma& dst, int page) {
  Pte& spte = s.proc[proc].pte[page];
  if (spte.kind == PteKind::Marker) {
    uint8_t m = copy_pte_marker(spte.a, dst);
    if (m) child.pte[page] = Pte{PteKind::Marker, 0, m, 0};
    return;
  }
  if (spte.kind == PteKind::Migration) {
    // is_migration_entry: a writable or readable-exclusive entry of a COW
    // mapping becomes readable in the parent ("A previously exclusive entry
    // is now shared"), keeping soft-dirty and uffd-wp; the child gets the
    // same entry, without uffd-wp unless its VMA is registered.
    if ((spte.bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)) && is_cow_mapping(dst)) {
      MM_DECIDE("copy_nonpresent_pte", "mm/memory.c", "!is_readable_migration_entry(entry) && is_cow_mapping(vm_flags)",
                "true: make_readable_migration_entry in the parent", proc, page, spte.a);
      spte.bits &= static_cast<uint8_t>(~(PTE_WRITE | PTE_SWP_EXCLUSIVE));
    }
    Pte cpte = spte;
    if (!userfaultfd_wp(dst)) cpte.bits &= static_cast<uint8_t>(~PTE_UFFD_WP);
    child.pte[page] = cpte;
    return;
  }
  s.swap[spte.a].slot[spte.b].count++;  // swap_duplicate
  MM_DECIDE("copy_nonpresent_pte", "mm/memory.c", "pte_swp_exclusive(orig_pte)",
            (spte.bits & PTE_SWP_EXCLUSIVE) ? "1: pte_swp_clear_exclusive in the parent (\"Mark the swap entry as shared.\")"
                                            : "0: already shared",
            proc, page);
  spte.bits &= ~PTE_SWP_EXCLUSIVE;      // "Mark the swap entry as shared."
  Pte cpte = spte;
  if (!userfaultfd_wp(dst)) cpte.bits &= ~PTE_UFFD_WP;
  child.pte[page] = cpte;
}

}  // namespace

// dup_mmap: a new mm with a copy of every VMA; copy_page_range for those
// vma_needs_copy selects.  Model: the child takes the lowest unused process
// slot; VM_DONTCOPY VMAs are left out, VM_WIPEONFORK ones start empty; KSM is not modelled.
Outcome copy_page_range(State& s, int proc, const Config& cfg, int& child_out) {
  if (s.proc[proc].alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  int c = -1;
  for (int i = 0; i < MAX_PROCS; i++)
    if (s.proc[i].alive == PROC_UNUSED) {
      c = i;
      break;
    }
  if (c < 0) return {Status::OutOfCapacity, "no free process slot for fork (raise MAX_PROCS)"};
  Process child{};
  child.alive = PROC_ALIVE;
  child.parent = static_cast<uint8_t>(proc);
  const Process& parent = s.proc[proc];
  child.expect = parent.expect;
  // Guard regions and MADV_FREE's "may read as zero" are inherited.
  for (int pg = 0; pg < MAX_PAGES; pg++)
    child.ghost[pg] = parent.ghost[pg] & (GHOST_COWED | GHOST_WRITTEN | GHOST_SD_BLIND | GHOST_LAZYFREE | GHOST_GUARD);
  // UFFD_FEATURE_EVENT_FORK: the child's VMA stays registered and its PTEs keep uffd-wp.
  for (const Vma& v : parent.vma)
    if (v.kind != VmaKind::None && (v.flags2 & VM_UFFD_EVENT_FORK) && (v.flags & VM_UFFD_WP))
      for (int pg = v.start; pg < v.start + v.npages; pg++) child.ghost[pg] |= parent.ghost[pg] & GHOST_WP;
  for (int vi = 0; vi < MAX_VMAS; vi++) {
    const Vma src = parent.vma[vi];
    if (src.kind == VmaKind::None) continue;
    if (src.flags & VM_DONTCOPY) {
      // MADV_DONTFORK: the child has no VMA here.
      for (int pg = src.start; pg < src.start + src.npages; pg++) child.expect[pg] = child.ghost[pg] = 0;
      continue;
    }
    Vma dst = src;
    // dup_userfaultfd: without UFFD_FEATURE_EVENT_FORK the child VMA is unregistered.
    if (!(src.flags2 & VM_UFFD_EVENT_FORK)) {
      dst.flags &= ~VM_UFFD_WP;
      dst.flags2 &= ~(VM_UFFD_WP_UNPOPULATED | VM_UFFD_WP_ASYNC);
    }
    dst.flags &= ~VM_LOCKED;   // vm_flags_clear(tmp, VM_LOCKED_MASK)
    if (src.flags & VM_WIPEONFORK) {
      // "VM_WIPEONFORK gets a clean slate in the child": no anon_vma, no
      // copy_page_range; the child reads zeroes (guard markers go too).
      dst.flags &= ~VMA_ANON_VMA;
      child.vma[vi] = dst;
      for (int pg = src.start; pg < src.start + src.npages; pg++) child.expect[pg] = child.ghost[pg] = 0;
      continue;
    }
    child.vma[vi] = dst;
    if (!vma_needs_copy(dst, src)) {
      MM_DECIDE("vma_needs_copy", "mm/memory.c", "userfaultfd_wp(dst_vma) || src_vma->anon_vma",
                "false: no page tables copied, the child refaults from the page cache", proc, src.start);
      continue;
    }
    for (int pg = src.start; pg < src.start + src.npages; pg++) {
      const Pte& spte = s.proc[proc].pte[pg];
      if (spte.kind == PteKind::Present) {
        Outcome o = copy_present_pte(s, proc, child, dst, src, pg, cfg);
        if (o.status != Status::Done) return o;
      } else if (spte.kind != PteKind::None) {
        copy_nonpresent_pte(s, proc, child, dst, pg);
      }
    }
  }
  // Shared and private file pages the child did not get PTEs for read the file.
  for (int pg = 0; pg < MAX_PAGES; pg++)
    if (child.pte[pg].kind == PteKind::None || child.pte[pg].kind == PteKind::Marker) {
      const Vma* v = find_vma(child, pg);
      if (v && vma_is_shared(*v)) child.ghost[pg] &= ~GHOST_COWED;
    }
  s.proc[c] = child;
  child_out = c;
  return Outcome::done();
}

}  // namespace mm
