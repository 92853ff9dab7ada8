// MADV_COLLAPSE (model/khugepaged.cpp) against what the live runs on 6.18.44
// showed (docs/kernel-experiments.md section 13): any reference beyond the
// mappings and the swap cache refuses (a pipe's, not only a pin), a folio
// under writeback does not, and the errno is madvise_collapse_errno's.
#include <cerrno>

#include "model/khugepaged.h"
#include "tests/model_helpers.h"

using namespace mmtest;

TEST_SUITE("model: MADV_COLLAPSE") {

TEST_CASE("a page a pipe holds (vmsplice) refuses: SCAN_PAGE_COUNT, EAGAIN; once read, it collapses") {
  Machine m("v6.18", NO_SWAP);
  const int pg = m.anon(2);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.write(0, pg + 1, 2) == Status::Done);
  REQUIRE(m.st(EventKind::Vmsplice, 0, pg + 1) == Status::Done);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == EAGAIN);
  const State before = m.s;
  REQUIRE(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);
  CHECK(m.s == before);  // refused: nothing changes
  REQUIRE(m.st(EventKind::PipeRead, 0, 0) == Status::Done);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == 0);
  REQUIRE(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);
  CHECK((m.s.proc[0].pte[pg].bits & PTE_PMD) != 0);
}

TEST_CASE("a folio under swap writeback, mapped again, is collapsed; the old folio stays in the swap cache") {
  Machine m("v6.18", SWAP_ASYNC);
  const int pg = m.anon(2);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.write(0, pg + 1, 2) == Status::Done);
  REQUIRE(m.pageout(0, pg + 1) == Status::Done);
  REQUIRE(m.read(0, pg + 1) == Status::Done);  // do_swap_page maps the folio still under writeback
  const int old = m.folio(0, pg + 1);
  REQUIRE(m.F(old).test(PG_writeback));
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == 0);
  REQUIRE(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);
  CHECK((m.s.proc[0].pte[pg + 1].bits & PTE_PMD) != 0);
  CHECK(read_value(m.s, 0, pg + 1) == 2);
  CHECK(m.F(old).test(FOLIO_ALLOCATED));  // free_swap_cache skips a folio under writeback
  CHECK(m.F(old).test(PG_swapcache));
  REQUIRE(m.writeback_end(old) == Status::Done);
}

TEST_CASE("the errno of each refusal: EINVAL (uffd-wp, no page table), EBUSY (none PTE in a uffd-armed VMA)") {
  Machine m("v6.18", NO_SWAP);
  const int pg = m.anon(2, VM_UFFD_WP);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == EINVAL);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == EBUSY);
  REQUIRE(m.write(0, pg + 1, 1) == Status::Done);
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg + 1) == Status::Done);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == EINVAL);
  REQUIRE(m.st(EventKind::UffdWpUnprotect, 0, pg + 1) == Status::Done);
  CHECK(madvise_collapse_return(m.s, 0, pg, m.cfg) == 0);
}

}
