// The pipe (issue 10, item 5): vmsplice_to_pipe takes a FOLL_GET page
// reference, counted in the folio's refcount, never a pin and never a reason
// to unshare; pipe_read returns the page as it is at read time.  The cases
// of tools/testing/selftests/mm/cow.c (CVE-2020-29374) are scenarios
// (scenarios/selftests/cow-vmsplice-*); these are the model's mechanics.
#include "model/canonical.h"
#include "model/clean_end.h"
#include "model/pipe.h"
#include "tests/model_helpers.h"

using namespace mmtest;

namespace {
Status vmsplice(Machine& m, int p, int pg) { return m.st(EventKind::Vmsplice, p, pg); }
Status pipe_read_ev(Machine& m, int p) { return m.st(EventKind::PipeRead, p, 0); }
}  // namespace

TEST_SUITE("model: pipe (vmsplice)") {

TEST_CASE("vmsplice references the page: refcount +1, no pin, exclusivity untouched, the read sees the page now") {
  Machine m;
  const int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(vmsplice(m, 0, pg) == Status::Done);
  CHECK(folio_ref_count(m.s, f) == 2);
  CHECK(folio_pipe_refs(m.s, f) == 1);
  CHECK_FALSE(folio_maybe_dma_pinned(m.s, f));
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK(pipe_read_value(m.s) == 1);
  // The page is exclusive and writable: the store lands in it, and the pipe shows it.
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.folio(0, pg) == f);
  CHECK(pipe_read_value(m.s) == 2);
  CHECK(m.check("cow_isolation") == 0);  // the splicer's own store
  REQUIRE(pipe_read_ev(m, 0) == Status::Done);
  CHECK(pipe_read_value(m.s) == -1);
  CHECK(folio_ref_count(m.s, f) == 1);
  CHECK(pipe_read_ev(m, 0) == Status::Disabled);  // empty: the read waits
}

TEST_CASE("vmsplice never unshares (FOLL_GET): a COW-shared page stays shared; the pipe keeps it after munmap") {
  Machine m;
  const int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  const int b = m.fork(0);
  REQUIRE(vmsplice(m, b, pg) == Status::Done);
  CHECK(m.folio(b, pg) == f);  // a R/O FOLL_PIN would have unshared here
  CHECK(m.F(f).anon_exclusive == 0);
  CHECK(folio_ref_count(m.s, f) == 3);
  REQUIRE(m.munmap(b, pg) == Status::Done);
  CHECK(m.F(f).test(FOLIO_ALLOCATED));
  // The parent's write: not exclusive, refcount 2 > 1: wp_page_copy.
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.folio(0, pg) != f);
  CHECK(pipe_read_value(m.s) == 1);
  CHECK(m.check("cow_isolation") == 0);
  // The pipe is the page's last reference.
  REQUIRE(pipe_read_ev(m, b) == Status::Done);
  CHECK_FALSE(m.F(f).test(FOLIO_ALLOCATED));
}

TEST_CASE("v5.14: reuse_swap_page ignores the pipe's reference: the parent's write leaks (cow_isolation/pipe-leak)") {
  for (const char* cfg : {"v6.18", "v5.14"}) {
    CAPTURE(cfg);
    Machine m(cfg);
    const int pg = m.anon(1);
    REQUIRE(m.write(0, pg, 1) == Status::Done);
    REQUIRE(m.pageout(0, pg) == Status::Done);
    REQUIRE(m.pte(0, pg).kind == PteKind::Swap);
    const int b = m.fork(0);
    REQUIRE(vmsplice(m, b, pg) == Status::Done);
    REQUIRE(m.munmap(b, pg) == Status::Done);
    REQUIRE(m.write(0, pg, 2) == Status::Done);
    const bool v514 = std::string(cfg) == "v5.14";
    CHECK(pipe_read_value(m.s) == (v514 ? 2 : 1));
    CHECK(m.check("cow_isolation") == (v514 ? facet_bit("cow_isolation", "pipe-leak") : 0u));
  }
}

TEST_CASE("the zero page: vmsplice of an untouched page references it, the pipe reads 0") {
  Machine m;
  const int pg = m.anon(1);
  REQUIRE(vmsplice(m, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.pte(0, pg).a == NONE);
  CHECK(m.s.pipe[0].page == NONE);
  CHECK(pipe_read_value(m.s) == 0);
  REQUIRE(m.write(0, pg, 3) == Status::Done);  // COW from the zero page
  CHECK(pipe_read_value(m.s) == 0);
}

TEST_CASE("a full pipe makes vmsplice wait; buffers are read in order; PROT_NONE is -EFAULT") {
  Machine m;
  const int pg = m.anon(2);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.write(0, pg + 1, 2) == Status::Done);
  REQUIRE(vmsplice(m, 0, pg) == Status::Done);
  REQUIRE(vmsplice(m, 0, pg + 1) == Status::Done);
  static_assert(MAX_PIPE_BUFS == 2);
  CHECK(vmsplice(m, 0, pg) == Status::Disabled);
  CHECK(pipe_read_value(m.s) == 1);
  REQUIRE(pipe_read_ev(m, 0) == Status::Done);
  CHECK(pipe_read_value(m.s) == 2);
  REQUIRE(m.st(EventKind::MprotectNone, 0, pg) == Status::Done);
  CHECK(vmsplice(m, 0, pg) == Status::Disabled);
}

TEST_CASE("reclaim keeps a page the pipe holds in the swap cache (__remove_mapping fails); a clean end allows it") {
  Machine m;
  const int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(vmsplice(m, 0, pg) == Status::Done);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK(m.F(f).test(FOLIO_ALLOCATED));
  CHECK(m.F(f).test(PG_swapcache));
  REQUIRE(m.writeback_end(f) == Status::Done);
  REQUIRE(m.exit(0) == Status::Done);
  // Unmapped, not in the swap cache any more once dropped, held by the pipe only.
  if (m.F(f).test(PG_swapcache)) REQUIRE(m.swapcache_drop(f) == Status::Done);
  CHECK_FALSE(m.F(f).test(PG_swapcache));
  CHECK(m.F(f).test(FOLIO_ALLOCATED));
  CHECK(m.check("swap_accounting") == 0);
  CHECK(is_clean_end(m.s));
}

TEST_CASE("canonical form: pipe pages are renamed with the folios, the splicer moves with its process") {
  Machine m;
  const int pg = m.anon(2);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.write(0, pg + 1, 2) == Status::Done);
  REQUIRE(vmsplice(m, 0, pg + 1) == Status::Done);
  REQUIRE(m.munmap(0, pg) == Status::Done);  // the pipe's page is reachable from the pipe only
  // The same state with the folios stored at other ids.
  State t = m.s;
  const int f = m.s.pipe[0].page;
  const int g = f == 7 ? 6 : 7;
  std::swap(t.folio[f], t.folio[g]);
  t.pipe[0].page = static_cast<uint8_t>(g);
  State a = m.s, b = t;
  canonicalize_resources(a);
  canonicalize_resources(b);
  CHECK(a == b);
  CHECK(pipe_read_value(a) == 2);
  // A process permutation renames the splicer.
  Machine n;
  const int q = n.anon(1);
  REQUIRE(n.write(0, q, 1) == Status::Done);
  const int c = n.fork(0);
  REQUIRE(vmsplice(n, c, q) == Status::Done);
  const uint8_t perm[MAX_PROCS] = {1, 0, 2};
  const State p = permute_processes(n.s, perm);
  CHECK(p.pipe[0].splicer() == 0);
  CHECK(n.s.pipe[0].splicer() == c);
}

}  // TEST_SUITE
