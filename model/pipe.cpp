// vmsplice and pipe reads (fs/splice.c vmsplice_to_pipe, iter_to_pipe;
// lib/iov_iter.c __iov_iter_get_pages_alloc; mm/gup.c get_user_pages_fast,
// follow_page_pte, try_grab_folio; fs/pipe.c pipe_read).
//
// What reference vmsplice takes (read in v6.18): vmsplice_to_pipe imports
// the iovec as ITER_SOURCE, so __iov_iter_get_pages_alloc passes no
// FOLL_WRITE, and get_user_pages_fast adds FOLL_GET: a plain page
// reference, not FOLL_PIN.  gup_must_unshare returns false unless
// (flags & (FOLL_WRITE | FOLL_PIN)) == FOLL_PIN, so vmsplice never
// unshares a COW-shared anon page (unlike a R/O FOLL_PIN, model/gup.cpp),
// and folio_maybe_dma_pinned stays false (the reference is far below
// GUP_PIN_COUNTING_BIAS), so fork does not copy the page for it either.
// What keeps the pipe's page private is the COW decision on the write side:
// do_wp_page -> wp_can_reuse_anon_folio copies a page that is not
// PageAnonExclusive when folio_ref_count(folio) > 1 + folio_test_swapcache,
// and the pipe's reference is in that count (CVE-2020-29374, fixed by
// 09854ba94c6a "mm: do_wp_page() simplification" in v5.9 for the
// small-page fault path).  v5.14's reuse_swap_page (do_swap_page, and
// do_huge_pmd_wp_page for a THP) tests mapcounts, not the refcount: there
// the pipe's page can be reused by another process's write.
#include "model/pipe.h"

#include <fmt/format.h>

#include "model/decisions.h"
#include "model/fault.h"
#include "model/mm.h"

namespace mm {

Outcome vmsplice_to_pipe(State& s, int proc, int page, const Config& cfg) {
  Process& p = s.proc[proc];
  if (p.alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  // wait_for_space: a full pipe makes vmsplice wait (or fail -EAGAIN with SPLICE_F_NONBLOCK).
  int slot = 0;
  while (slot < MAX_PIPE_BUFS && s.pipe[slot].used()) slot++;
  if (slot == MAX_PIPE_BUFS)
    return Outcome::disabled("the pipe is full: vmsplice waits for a reader (wait_for_space; the model's pipe holds 2 buffers)");
  const Vma* v = find_vma(p, page);
  if (!v) return Outcome::disabled("no VMA at this address: vmsplice returns -EFAULT");
  // check_vma_flags: no VM_READ (PROT_NONE) and no FOLL_FORCE.
  if (v->flags2 & VM_NOACCESS) return Outcome::disabled("a PROT_NONE VMA: GUP fails, vmsplice returns -EFAULT");
  // __get_user_pages: follow_page_pte, faulting the page in for read
  // (faultin_page without FAULT_FLAG_WRITE) until it is present.
  // gup_must_unshare is never true for FOLL_GET: no FAULT_FLAG_UNSHARE.
  MM_DECIDE("gup_must_unshare", "mm/internal.h", "(flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN",
            "true (FOLL_GET from get_user_pages_fast): false, the page is referenced as it is, shared or not", proc, page);
  for (int tries = 0; p.pte[page].kind != PteKind::Present; tries++) {
    if (tries == 3) return Outcome::disabled("GUP did not converge");
    Outcome o = handle_mm_fault(s, proc, page, false, false, cfg);
    if (o.status == Status::OutOfCapacity) return o;
    if (o.status != Status::Done) return Outcome::disabled("the fault fails (a guard region): GUP and vmsplice return -EFAULT");
  }
  // try_grab_folio(FOLL_GET): folio_ref_add, also on the shared zero page
  // (follow_page_pte returns it for is_zero_pfn); add_to_pipe then stores it.
  const Pte& pte = p.pte[page];
  PipeBuffer& buf = s.pipe[slot];
  buf = PipeBuffer{};
  buf.page = pte.a;
  buf.bits = PIPE_BUF_USED;
  if (pte.a != NONE && pte.b) buf.bits |= PIPE_BUF_SUBPAGE;
  buf.set_splicer(proc);  // ghost
  buf.set_value(pte.a == NONE ? 0 : s.folio[pte.a].content[pte.b]);  // ghost
  MM_DECIDE("iter_to_pipe", "fs/splice.c", "iov_iter_get_pages2(from, pages, ...) (get_user_pages_fast, FOLL_GET)",
            pte.a == NONE ? std::string("the shared zero page: the pipe holds a reference to it")
                          : fmt::format("F{}: folio_ref_add, refcount now {}", pte.a, folio_ref_count(s, pte.a)),
            proc, page, pte.a == NONE ? -1 : pte.a);
  return Outcome::done();
}

int pipe_read_value(const State& s) {
  const PipeBuffer& head = s.pipe[0];
  if (!head.used()) return -1;
  if (head.page == NONE) return 0;
  return s.folio[head.page].content[head.subpage()];
}

Outcome pipe_read(State& s, int proc, const Config& cfg) {
  (void)cfg;
  if (s.proc[proc].alive != PROC_ALIVE) return Outcome::disabled("the process is not running");
  if (!s.pipe[0].used()) return Outcome::disabled("the pipe is empty: read waits for a writer (pipe_read)");
  const int f = s.pipe[0].page;
  for (int i = 0; i + 1 < MAX_PIPE_BUFS; i++) s.pipe[i] = s.pipe[i + 1];
  s.pipe[MAX_PIPE_BUFS - 1] = PipeBuffer{};
  // pipe_buf_release -> user_page_pipe_buf_ops.release (generic_pipe_buf_release): put_page.
  if (f != NONE) folio_put_if_unused(s, f);
  return Outcome::done();
}

void pipe_note_store(State& s, int proc, int f, int sub, uint8_t value) {
  for (PipeBuffer& b : s.pipe)
    if (b.used() && b.page == f && b.subpage() == sub && b.splicer() == proc) b.set_value(value);
}

}  // namespace mm
