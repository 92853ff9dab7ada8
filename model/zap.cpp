// zap_pte_range and friends (mm/memory.c v6.18).
#include "model/zap.h"

#include "model/decisions.h"
#include "model/encoding.h"
#include "model/fault.h"
#include "model/mm.h"
#include "model/shmem.h"

namespace mm {

// zap_install_uffd_wp_if_needed: on a file-backed VMA registered for uffd-wp,
// a zapped write-protected PTE leaves a UFFD_WP marker so the protection
// survives.  Zaps of anonymous VMAs drop everything: the page is gone and a
// refault maps a new, unprotected one, so the ghost protection ends too.
static void zap_install_uffd_wp_if_needed(Pte& pte, const Vma& v, bool was_wp,
                                          const ZapDetails& d, const Config& cfg, uint8_t& ghost) {
  if (vma_is_anonymous(v)) ghost &= ~GHOST_WP;
  if (vma_is_anonymous(v) || d.drop_markers || !cfg.CONFIG_PTE_MARKER_UFFD_WP) return;
  if (!userfaultfd_wp(v) || !was_wp) return;
  MM_DECIDE("zap_install_uffd_wp_if_needed", "mm/memory.c", "vma_is_anonymous(vma) == false && userfaultfd_wp(vma) && pte_uffd_wp",
            "true: a UFFD_WP marker keeps the protection");
  pte = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_UFFD_WP), 0};
}

// zap_pte_range for one PTE (zap_present_ptes / zap_nonpresent_ptes).  A
// PMD mapping is split first, as zap_pmd_range does for a partial range.
// Model: no MADV_FREE lazyfree folios, no page-table reclaim.
void zap_one_pte(State& s, int proc, int page, const ZapDetails& d, const Config& cfg) {
  Process& p = s.proc[proc];
  const Vma* v = find_vma(p, page);
  Pte& pte = p.pte[page];
  if (pte.kind == PteKind::Present && (pte.bits & PTE_PMD)) split_huge_pmd(s, proc, page, cfg);
  const Pte old = pte;
  switch (old.kind) {
    case PteKind::None:
      break;
    case PteKind::Present:
      pte = Pte{};
      if (v) zap_install_uffd_wp_if_needed(pte, *v, old.bits & PTE_UFFD_WP, d, cfg, p.ghost[page]);
      // folio_remove_rmap_ptes; the TLB batch (free_pages_and_swap_cache)
      // then tries free_swap_cache on the folio and drops the reference.
      if (old.a != NONE) {
        free_swap_cache(s, old.a);
        folio_put_if_unused(s, old.a);
      }
      break;
    case PteKind::Swap:
      pte = Pte{};
      if (v) zap_install_uffd_wp_if_needed(pte, *v, old.bits & PTE_UFFD_WP, d, cfg, p.ghost[page]);
      free_swap_and_cache(s, old.a, old.b);
      break;
    case PteKind::Migration:
      // zap_nonpresent_ptes: is_migration_entry -- the entry goes (rss--);
      // it holds no folio reference, and the migration goes on without it.
      pte = Pte{};
      if (v) zap_install_uffd_wp_if_needed(pte, *v, old.bits & PTE_UFFD_WP, d, cfg, p.ghost[page]);
      break;
    case PteKind::Marker: {
      // zap_nonpresent_ptes: markers stay unless the caller drops them
      // (ZAP_FLAG_DROP_MARKER), but a UFFD_WP marker in an anonymous VMA
      // goes with any zap.  The RFC's zap_pte_range drops the PAGEOUT
      // marker on any zap ("Drop PTE_MARKER_PAGEOUT when zapped").
      uint8_t keep = d.drop_markers ? 0 : (old.a & ~enc::PTE_MARKER_PAGEOUT);
      if (v && vma_is_anonymous(*v)) keep &= ~enc::PTE_MARKER_UFFD_WP;
      MM_DECIDE("zap_nonpresent_ptes", "mm/memory.c", "zap_drop_markers(details) / vma_is_anonymous(vma)",
                keep ? "the marker stays" : "the marker is dropped", proc, page);
      pte = keep ? Pte{PteKind::Marker, 0, keep, 0} : Pte{};
      break;
    }
  }
  // Ghost: a private page reads as zero again, a private file page as the
  // file; a pin taken at this page keeps the old page (MADV_DONTNEED,
  // MADV_REMOVE, munmap: the program's own doing), detached from the mapping.
  p.expect[page] = 0;
  p.ghost[page] &= ~GHOST_COWED;
  if (p.pinned & (1u << page)) p.ghost[page] |= GHOST_PIN_DETACHED;
}

// madvise_dontneed_single_vma -> zap_vma_range_batched for one page.
Outcome madvise_dontneed(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (madvise returns ENOMEM)");
  // madvise_dontneed_free_valid_vma: VM_LOCKED is forbidden (-EINVAL, nothing happens).
  if (v->flags & VM_LOCKED) return {Status::Done, "MADV_DONTNEED: -EINVAL on a VM_LOCKED VMA"};
  zap_one_pte(s, proc, page, ZapDetails{}, cfg);
  return Outcome::done();
}

// unmap_vmas over one VMA, dropping markers (ZAP_FLAG_DROP_MARKER).
static void unmap_vma(State& s, int proc, Vma& v, const Config& cfg) {
  for (int pg = v.start; pg < v.start + v.npages; pg++) {
    zap_one_pte(s, proc, pg, ZapDetails{.drop_markers = true}, cfg);
    s.proc[proc].ghost[pg] = 0;
    if (s.proc[proc].pinned & (1u << pg)) s.proc[proc].ghost[pg] = GHOST_PIN_DETACHED;  // the pin outlives the VMA
  }
  const Vma closed = v;
  v = Vma{};
  shmem_vma_closed(s, closed, cfg);  // fput of the last mapping of a shared-anon inode
}

// do_vmi_munmap of the whole VMA holding `page`.
Outcome do_munmap(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address");
  unmap_vma(s, proc, *v, cfg);
  return Outcome::done();
}

// exit_mmap: every VMA is unmapped; the process slot stays PROC_EXITED.
// A pin outlives the pinner: it belongs to whatever took it (a pipe after
// vmsplice, an io_uring ring, a driver's file), and that file may be held
// by another process (CVE-2020-29374: the child pins, exits, and the
// parent's pipe still holds the page).  So the exited slot keeps its pins,
// detached from any mapping (pin_coherence still holds them to what they
// were given).  When the last process exits, every file is closed: then
// every remaining pin is released (unpin_user_pages), so an end with no
// process running holds no pin.
static void unpin_all(State& s, Process& p) {
  for (int pg = 0; pg < MAX_PAGES; pg++) {
    if (!(p.pinned & (1u << pg))) continue;
    int f = p.pin_folio[pg];
    p.pinned &= ~(1u << pg);
    p.pin_folio[pg] = p.pin_subpage[pg] = p.pin_value[pg] = 0;
    p.ghost[pg] &= ~GHOST_PIN_DETACHED;
    p.ghost2[pg] &= ~GHOST2_PIN_EXCLUSIVE;
    folio_put_if_unused(s, f);
  }
}

Outcome exit_mmap(State& s, int proc, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  for (Vma& v : p.vma)
    if (v.kind != VmaKind::None) unmap_vma(s, proc, v, cfg);
  Process exited{};
  exited.alive = PROC_EXITED;
  exited.parent = p.parent;
  for (int pg = 0; pg < MAX_PAGES; pg++) {
    if (!(p.pinned & (1u << pg))) continue;
    exited.pinned |= 1u << pg;
    exited.pin_folio[pg] = p.pin_folio[pg];
    exited.pin_subpage[pg] = p.pin_subpage[pg];
    exited.pin_value[pg] = p.pin_value[pg];  // ghost: what the pin was given
    exited.ghost[pg] = GHOST_PIN_DETACHED;   // no mapping any more: only foreign writes matter
  }
  p = exited;
  bool any_alive = false;
  for (const Process& q : s.proc) any_alive = any_alive || q.alive == PROC_ALIVE;
  if (!any_alive)
    for (Process& q : s.proc) unpin_all(s, q);
  return Outcome::done();
}

}  // namespace mm
