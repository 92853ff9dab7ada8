// mprotect(2) (mm/mprotect.c v6.18): do_mprotect_pkey, mprotect_fixup,
// change_protection, change_pte_range, can_change_pte_writable.
//
// Model: the range is the whole VMA holding the page (the model does not
// split VMAs); PROT_EXEC, pkeys, VM_ACCOUNT and NUMA hinting
// (MM_CP_PROT_NUMA) are not modelled.  A PROT_NONE PTE stays present (x86
// _PAGE_PROTNONE: pte_present() is true, pagemap reports PM_PRESENT) with
// its soft-dirty and uffd-wp bits (_PAGE_CHG_MASK keeps them).
#include "model/mprotect.h"

#include "model/mlock.h"
#include "model/mm.h"

namespace mm {

bool vma_wants_writenotify(const Vma& v, const Config& cfg) {
  // Only shared writable mappings need write notification.
  if (!vma_is_shared(v) || !(v.flags & VM_WRITE)) return false;
  // shmem has no ->page_mkwrite and no writeback (mapping_can_writeback is
  // false), so only soft-dirty tracking and uffd-wp want it.
  return vma_soft_dirty_enabled(v, cfg) || userfaultfd_wp(v);
}

bool vma_wants_manual_pte_write_upgrade(const Vma& v, const Config& cfg) {
  if (vma_is_shared(v)) return vma_wants_writenotify(v, cfg);
  return v.flags & VM_WRITE;
}

// maybe_change_pte_writable + can_change_private_pte_writable /
// can_change_shared_pte_writable.
bool can_change_pte_writable(const State& s, const Vma& v, const Pte& pte, const Config& cfg) {
  if (!(v.flags & VM_WRITE)) return false;                   // WARN_ON_ONCE in the kernel
  if (v.flags2 & VM_NOACCESS) return false;                  // pte_protnone
  if (vma_soft_dirty_enabled(v, cfg) && !(pte.bits & PTE_SOFT_DIRTY)) return false;  // pte_needs_soft_dirty_wp
  if (userfaultfd_wp(v) && (pte.bits & PTE_UFFD_WP)) return false;                  // userfaultfd_pte_wp
  if (!vma_is_shared(v)) {
    // Writable MAP_PRIVATE: only an exclusive anon page, as the write
    // fault would reuse it (vm_normal_page is NULL for the zero page).
    if (pte.a == NONE) return false;
    const Folio& fo = s.folio[pte.a];
    if (cfg.mprotect_skip_anon_exclusive_check) return fo.test(PG_anon);  // the broken variant
    return fo.test(PG_anon) && (fo.anon_exclusive & (1u << pte.b));
  }
  // Writable MAP_SHARED: a dirty PTE has already notified the filesystem.
  return pte.bits & PTE_DIRTY;
}

void change_migration_entry(const State& s, Pte& pte) {
  if (pte.kind != PteKind::Migration || !(pte.bits & PTE_WRITE)) return;
  pte.bits &= static_cast<uint8_t>(~PTE_WRITE);
  if (s.folio[pte.a].test(PG_anon)) pte.bits |= PTE_SWP_EXCLUSIVE;  // make_readable_exclusive_migration_entry
}

namespace {

// vm_get_page_prot(vm_flags) has _PAGE_RW only for a shared writable VMA
// that wants no write notification; private VMAs get PAGE_COPY (read-only).
bool page_prot_writable(const Vma& v, const Config& cfg) {
  return vma_is_shared(v) && (v.flags & VM_WRITE) && !(v.flags2 & VM_NOACCESS) &&
         !vma_wants_writenotify(v, cfg);
}

// change_pte_range over the VMA, with newprot = vma->vm_page_prot and no
// uffd-wp flags: present PTEs get pte_modify(); a writable migration entry
// becomes readable (change_migration_entry); swap entries, markers and none
// PTEs are left alone (no device-private entries in the model).
// change_huge_pmd does the same to a PMD the range covers whole; the model
// keeps the two PTEs of a PMD equal, so the PTE-by-PTE walk is the same.
void change_protection(State& s, int proc, const Vma& v, bool try_change_writable, const Config& cfg) {
  Process& p = s.proc[proc];
  const bool writable = page_prot_writable(v, cfg);
  for (int pg = v.start; pg < v.start + v.npages; pg++) {
    Pte& pte = p.pte[pg];
    if (pte.kind == PteKind::Migration) {
      change_migration_entry(s, pte);
      continue;
    }
    if (pte.kind != PteKind::Present) continue;
    // pte_modify(oldpte, newprot): the permission bits follow newprot,
    // dirty, soft-dirty and uffd-wp stay.
    if (writable) pte.bits |= PTE_WRITE;
    else pte.bits &= ~PTE_WRITE;
    // MM_CP_TRY_CHANGE_WRITABLE: set_write_prot_commit_flush_ptes.
    if (try_change_writable && !(pte.bits & PTE_WRITE) && can_change_pte_writable(s, v, pte, cfg))
      pte.bits |= PTE_WRITE;
  }
}

}  // namespace

// do_mprotect_pkey -> mprotect_fixup for the VMA holding `page`.
Outcome do_mprotect(State& s, int proc, int page, Prot prot, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address (mprotect returns ENOMEM)");
  const Vma old = *v;
  uint8_t flags = v->flags & ~VM_WRITE;
  uint8_t flags2 = v->flags2 & ~VM_NOACCESS;
  if (prot == Prot::ReadWrite) flags |= VM_WRITE;
  if (prot == Prot::None) flags2 |= VM_NOACCESS;
  // newflags == oldflags: nothing to do.
  if (flags == old.flags && flags2 == old.flags2) return Outcome::done();
  v->flags = flags;
  v->flags2 = flags2;
  // vm_flags_reset_once; vma_wants_manual_pte_write_upgrade; vma_set_page_prot.
  change_protection(s, proc, *v, vma_wants_manual_pte_write_upgrade(*v, cfg), cfg);
  // "Private VM_LOCKED VMA becoming writable: trigger COW to avoid major
  // fault on access": populate_vma_page_range.
  if ((old.flags & (VM_WRITE | VM_LOCKED)) == VM_LOCKED && !vma_is_shared(old) && (flags & VM_WRITE))
    return populate_vma_page_range(s, proc, *v, cfg);
  return Outcome::done();
}

}  // namespace mm
