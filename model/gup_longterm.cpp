// pin_user_pages(FOLL_WRITE | FOLL_PIN | FOLL_LONGTERM) for one page
// (mm/gup.c v6.18: __get_user_pages, check_vma_flags, follow_page_pte,
// can_follow_write_pte, faultin_page).
//
// A write pin breaks COW at pin time: the write fault (do_wp_page) leaves
// an exclusive anon page mapped writable, and the pin holds that page, so
// the pin and the mapping keep seeing the same page (fork then gives the
// child a copy: folio_needs_cow_for_dma).  The pin shares the R/O pin's
// state (Process::pinned, pin_folio): unpin and exit release either.
#include "model/gup_longterm.h"

#include "model/fault.h"
#include "model/gup.h"
#include "model/mm.h"

namespace mm {

Outcome pin_user_pages_rw(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  const Vma* v = find_vma(p, page);
  if (!v) return {Status::Sigsegv, "no VMA at this address (pin_user_pages returns -EFAULT)"};
  // check_vma_flags(FOLL_WRITE): VM_WRITE without FOLL_FORCE; shmem needs no
  // dirty tracking, so writable_file_mapping_allowed lets FOLL_LONGTERM through.
  if (!(v->flags & VM_WRITE) || (v->flags2 & VM_NOACCESS))
    return {Status::Sigsegv, "pin_user_pages(FOLL_WRITE) of a VMA without VM_WRITE returns -EFAULT"};
  if (p.pinned & (1u << page)) return Outcome::disabled("the page is already pinned (the model holds one pin per page)");
  for (int tries = 0; tries < 4; tries++) {
    const Pte& pte = p.pte[page];
    // follow_page_pte: a present PTE that can_follow_write_pte (writable:
    // FOLL_FORCE is not set) is pinned; anything else faults with FAULT_FLAG_WRITE.
    if (pte.kind == PteKind::Present && (pte.bits & PTE_WRITE)) {
      try_grab_folio_pin(s, proc, page, cfg);
      return Outcome::done();
    }
    Outcome o = handle_mm_fault(s, proc, page, true, false, cfg);
    if (o.status != Status::Done) return o;  // WpFault: handle_userfault (SIGBUS: -EFAULT)
  }
  return Outcome::disabled("GUP did not converge");
}

}  // namespace mm
