// Anonymous THP as a 2-page folio mapped by a PMD: do_huge_pmd_anonymous_page,
// copy_huge_pmd, do_huge_pmd_wp_page, __split_huge_pmd_locked, and reclaim
// or MADV_PAGEOUT of part of it.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {

// A VM_HUGEPAGE private VMA of two pages, written at page 0: a PMD-mapped THP.
int thp(Machine& m) {
  int pg = m.anon(MAX_FOLIO_PAGES, VM_HUGEPAGE);
  REQUIRE(pg == 0);
  REQUIRE(m.write(0, 0, 1) == Status::Done);
  return m.folio(0, 0);
}

bool pmd_mapped(const Machine& m, int p) {
  return m.pte(p, 0).kind == PteKind::Present && m.pte(p, 1).kind == PteKind::Present &&
         (m.pte(p, 0).bits & PTE_PMD) && (m.pte(p, 1).bits & PTE_PMD) && m.pte(p, 0).a == m.pte(p, 1).a;
}

}  // namespace

TEST_SUITE("model: THP") {

TEST_CASE("do_huge_pmd_anonymous_page: a write fault maps a new exclusive THP by a PMD") {
  Machine m;
  const int f = thp(m);
  CHECK(pmd_mapped(m, 0));
  CHECK(m.F(f).test(PG_large));
  CHECK(m.F(f).nr_pages() == 2);
  CHECK(m.F(f).anon_exclusive == 3);
  CHECK(m.pte(0, 0).b == 0);
  CHECK(m.pte(0, 1).b == 1);
  CHECK((m.pte(0, 1).bits & PTE_WRITE) != 0);
  CHECK(folio_ref_count(m.s, f) == 1);  // one PMD mapping, one reference
  CHECK(m.val(0, 0) == 1);
  CHECK(m.val(0, 1) == 0);
  // pagemap: consecutive PFNs, both exclusive.
  CHECK((m.pm(0, 1) & enc::PM_PFRAME_MASK) == (m.pm(0, 0) & enc::PM_PFRAME_MASK) + 1);
  CHECK((m.pm(0, 1) & enc::PM_MMAP_EXCLUSIVE) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("no THP without VM_HUGEPAGE, or when the aligned range already has a PTE") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  CHECK_FALSE(m.F(m.folio(0, pg)).test(PG_large));
  Machine k;
  k.anon(2, VM_HUGEPAGE);
  k.cfg.thp_use_zero_page = false;
  k.read(0, 1);  // the small zero page
  k.write(0, 0, 1);
  CHECK_FALSE(k.F(k.folio(0, 0)).test(PG_large));
}

TEST_CASE("huge zero page: a read maps it by a PMD; a write allocates a THP (v6.18) or COWs small (v5.14)") {
  for (const char* cfg : {"v6.18", "v5.14"}) {
    CAPTURE(cfg);
    const bool v618 = std::string(cfg) == "v6.18";
    Machine m(cfg);
    m.anon(2, VM_HUGEPAGE);
    REQUIRE(m.read(0, 1) == Status::Done);
    CHECK(m.pte(0, 0).a == NONE);
    CHECK(m.pte(0, 1).a == NONE);
    CHECK((m.pte(0, 1).bits & PTE_PMD) != 0);
    CHECK((m.pte(0, 1).bits & PTE_WRITE) == 0);
    CHECK(m.folios_allocated() == 0);
    CHECK((m.s.proc[0].vma[0].flags & VMA_ANON_VMA) != 0);  // vmf_anon_prepare came first
    // pagemap_pmd_range: pmd_page of the huge zero folio, not anon: PM_FILE, not exclusive.
    CHECK((m.pm(0, 1) & (enc::PM_PRESENT | enc::PM_FILE | enc::PM_MMAP_EXCLUSIVE)) ==
          (enc::PM_PRESENT | enc::PM_FILE));
    CHECK((m.pm(0, 1) & enc::PM_PFRAME_MASK) == HUGE_ZERO_PFN + 1);
    CHECK(m.val(0, 0) == 0);
    int c = m.fork(0);  // copy_huge_pmd: the child maps the huge zero PMD too
    CHECK(m.pte(c, 0).a == NONE);
    CHECK((m.pte(c, 0).bits & PTE_PMD) != 0);
    REQUIRE(m.write(0, 1, 2) == Status::Done);
    if (v618) {
      const int f = m.folio(0, 1);
      CHECK(m.F(f).test(PG_large));  // do_huge_zero_wp_pmd
      CHECK((m.pte(0, 0).bits & (PTE_PMD | PTE_WRITE)) == (PTE_PMD | PTE_WRITE));
      CHECK(m.F(f).anon_exclusive == 3);
    } else {
      CHECK_FALSE(m.F(m.folio(0, 1)).test(PG_large));  // split, then wp_page_copy of the zero page
      CHECK(m.pte(0, 0).a == NONE);
      CHECK((m.pte(0, 0).bits & PTE_PMD) == 0);
    }
    CHECK(m.val(0, 1) == 2);
    CHECK(m.val(0, 0) == 0);
    CHECK(m.val(c, 1) == 0);
    CHECK(m.model1_holds());
    // The child's split leaves small zero-page PTEs.
    REQUIRE(m.split(c, 0) == Status::Done);
    CHECK(m.pte(c, 1).a == NONE);
    CHECK((m.pte(c, 1).bits & PTE_PMD) == 0);
    CHECK((m.pm(c, 1) & enc::PM_FILE) == 0);
    m.exit(c);
    m.exit(0);
    CHECK(m.folios_allocated() == 0);
  }
}

TEST_CASE("huge zero page: a R/O pin unshares it into a writable THP (do_huge_zero_wp_pmd)") {
  Machine m;
  m.anon(2, VM_HUGEPAGE);
  m.read(0, 0);
  REQUIRE(m.pin(0, 0) == Status::Done);
  const int f = m.folio(0, 0);
  CHECK(m.F(f).test(PG_large));
  CHECK(m.s.proc[0].pin_folio[0] == f);
  CHECK(m.model1_holds());
}

TEST_CASE("split_huge_pmd: PTEs with the same permissions, exclusivity on every subpage") {
  Machine m;
  const int f = thp(m);
  REQUIRE(m.split(0, 1) == Status::Done);
  CHECK_FALSE((m.pte(0, 0).bits & PTE_PMD) != 0);
  CHECK_FALSE((m.pte(0, 1).bits & PTE_PMD) != 0);
  CHECK(m.pte(0, 0).a == f);
  CHECK(m.pte(0, 1).a == f);
  CHECK((m.pte(0, 1).bits & PTE_WRITE) != 0);
  CHECK(m.F(f).anon_exclusive == 3);
  CHECK(m.F(f).test(PG_large));  // only the mapping is split, not the folio
  CHECK(folio_ref_count(m.s, f) == 2);
  CHECK(m.model1_holds());
  const State before = m.s;
  CHECK(m.split(0, 1) == Status::Done);  // nothing left to split
  CHECK(m.s == before);
}

TEST_CASE("copy_huge_pmd: both PMDs write-protected, the head loses PageAnonExclusive") {
  Machine m;
  const int f = thp(m);
  int c = m.fork(0);
  CHECK(pmd_mapped(m, 0));
  CHECK(pmd_mapped(m, c));
  CHECK((m.pte(0, 0).bits & PTE_WRITE) == 0);
  CHECK((m.pte(c, 1).bits & PTE_WRITE) == 0);
  CHECK(m.F(f).anon_exclusive == 0);
  CHECK(folio_ref_count(m.s, f) == 2);
  CHECK((m.pm(0, 0) & enc::PM_MMAP_EXCLUSIVE) == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("do_huge_pmd_wp_page: a shared THP falls back to a split and a small copy") {
  Machine m;
  const int f = thp(m);
  int c = m.fork(0);
  REQUIRE(m.write(0, 1, 2) == Status::Done);
  // The parent's PMD was split; page 1 is a new small folio, page 0 still the THP.
  CHECK_FALSE((m.pte(0, 0).bits & PTE_PMD) != 0);
  CHECK(m.pte(0, 0).a == f);
  const int g = m.folio(0, 1);
  CHECK(g != f);
  CHECK_FALSE(m.F(g).test(PG_large));
  CHECK(m.val(0, 1) == 2);
  CHECK(m.val(c, 1) == 0);
  CHECK(pmd_mapped(m, c));  // the child's PMD is untouched
  CHECK(m.model1_holds());
}

TEST_CASE("do_huge_pmd_wp_page: the only reference reuses the whole THP") {
  Machine m;
  const int f = thp(m);
  int c = m.fork(0);
  m.exit(c);
  REQUIRE(m.write(0, 1, 2) == Status::Done);
  CHECK(pmd_mapped(m, 0));
  CHECK(m.folio(0, 1) == f);
  CHECK(m.F(f).anon_exclusive == 3);
  CHECK((m.pte(0, 0).bits & PTE_WRITE) != 0);
  CHECK(m.val(0, 0) == 1);
  CHECK(m.val(0, 1) == 2);
  CHECK(m.model1_holds());
}

TEST_CASE("__wp_can_reuse_large_anon_folio: a PTE-mapped THP of one mm is reused, a lone page is not") {
  Machine m;
  const int f = thp(m);
  int c = m.fork(0);
  m.split(0, 0);
  m.exit(c);
  // Both pages of the folio mapped by this mm only: reuse page 0 in place.
  REQUIRE(m.write(0, 0, 3) == Status::Done);
  CHECK(m.folio(0, 0) == f);
  CHECK((m.F(f).anon_exclusive & 1) != 0);
  CHECK((m.F(f).anon_exclusive & 2) == 0);
  CHECK(m.model1_holds());
  // Zap page 0: a single mapped page of a large folio is copied, freeing the THP.
  m.dontneed(0, 0);
  REQUIRE(m.write(0, 1, 2) == Status::Done);
  CHECK(m.folio(0, 1) != f);
  CHECK_FALSE(m.F(f).test(FOLIO_ALLOCATED));
  CHECK(m.model1_holds());
}

TEST_CASE("MADV_PAGEOUT on one page of a THP splits it and pages out only that page") {
  Machine m;
  const int f = thp(m);
  m.write(0, 1, 2);
  REQUIRE(m.pageout(0, 1) == Status::Done);
  CHECK(m.pte(0, 1).kind == PteKind::Swap);
  CHECK(m.pte(0, 0).kind == PteKind::Present);
  CHECK(m.folio(0, 0) == f);
  CHECK_FALSE(m.F(f).test(PG_large));
  CHECK(m.val(0, 0) == 1);
  CHECK(m.val(0, 1) == 2);
  CHECK((m.pte(0, 0).bits & PTE_WRITE) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("MADV_PAGEOUT leaves a THP that another process maps alone") {
  Machine m;
  thp(m);
  m.fork(0);
  const State before = m.s;
  CHECK(m.pageout(0, 0) == Status::Done);
  CHECK(m.s == before);
}

TEST_CASE("reclaim of a THP: split_folio then swap-out of the head folio") {
  Machine m;
  const int f = thp(m);
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK(m.pte(0, 0).kind == PteKind::Swap);
  CHECK(m.pte(0, 1).kind == PteKind::Present);  // the tail is a folio of its own now
  CHECK(m.val(0, 0) == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("fork of a pinned THP: the PMD is split and the child gets copies") {
  Machine m;
  const int f = thp(m);
  REQUIRE(m.pin(0, 0) == Status::Done);
  int c = m.fork(0);
  CHECK(m.pte(0, 0).a == f);
  CHECK_FALSE((m.pte(0, 0).bits & PTE_PMD) != 0);
  CHECK((m.pte(0, 0).bits & PTE_WRITE) != 0);
  CHECK(m.folio(c, 0) != f);
  CHECK(m.folio(c, 1) != f);
  CHECK(m.val(c, 0) == 1);
  CHECK(m.model1_holds());
  // Pinned: neither MADV_PAGEOUT nor reclaim touches it.
  const State before = m.s;
  m.pageout(0, 0);
  CHECK(m.s == before);
}

TEST_CASE("MADV_DONTNEED of one page of a PMD splits it and zaps that page only") {
  Machine m;
  const int f = thp(m);
  m.dontneed(0, 1);
  CHECK(m.pte(0, 1).kind == PteKind::None);
  CHECK(m.pte(0, 0).a == f);
  CHECK(m.F(f).test(PG_large));
  CHECK(m.model1_holds());
  m.exit(0);
  CHECK(m.folios_allocated() == 0);
}

TEST_CASE("pagemap PM_MMAP_EXCLUSIVE of a PMD asks the head page's mapcount") {
  Machine m;
  thp(m);
  int c = m.fork(0);
  m.split(c, 0);
  m.dontneed(c, 0);  // the child still maps page 1 by a PTE
  CHECK((m.pm(0, 0) & enc::PM_MMAP_EXCLUSIVE) != 0);
  CHECK((m.pm(0, 1) & enc::PM_MMAP_EXCLUSIVE) != 0);  // pagemap_pmd_range: head page for both
  CHECK((m.pm(c, 1) & enc::PM_MMAP_EXCLUSIVE) == 0);
}

TEST_CASE("BFS: the model I invariants hold in every reachable v6.18 state of a THP VMA") {
  Machine m("v6.18", SWAP_ASYNC);
  m.anon(MAX_FOLIO_PAGES, VM_HUGEPAGE);
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout, EventKind::MadvDontneed,
                EventKind::SplitPmd, EventKind::PinRO, EventKind::Unpin};
  a.per_proc = {EventKind::Fork, EventKind::Exit};
  a.per_folio = {EventKind::Reclaim, EventKind::WritebackEnd, EventKind::SwapCacheDrop};
  std::string why;
  SearchResult r = bfs(m.s, m.cfg, a, 6, [&](const State& s) {
    Machine probe("v6.18", NO_SWAP);
    probe.s = s;
    if (probe.model1_holds()) return false;
    why = probe.explain_all();
    return true;
  });
  CAPTURE(trace_text(r.trace));
  CAPTURE(why);
  CHECK_FALSE(r.found);
  CHECK(r.states > 1000);
}

}  // TEST_SUITE
