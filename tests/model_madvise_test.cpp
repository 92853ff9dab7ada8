// madvise advice, mlock and RW pins (model/madvise.cpp, model/mlock.cpp,
// model/gup_longterm.cpp) and the invariants over their state.
#include "model/access.h"
#include "model/madvise.h"
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

TEST_SUITE("model: madvise, mlock, RW pins") {

TEST_CASE("MADV_GUARD_INSTALL: zaps, installs a marker, SIGSEGV; zap keeps it, munmap drops it") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(m.st(EventKind::MadvGuardInstall, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Marker);
  CHECK(!m.F(f).test(FOLIO_ALLOCATED));  // the page it replaced is gone
  CHECK(m.read(0, pg) == Status::Sigsegv);
  CHECK((m.pm(0, pg) & enc::PM_GUARD_REGION) != 0);
  m.dontneed(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Marker);
  CHECK(m.check("guard_regions") == 0);
  m.munmap(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.check("guard_regions") == 0);
}

TEST_CASE("guard_regions catches a lost and a spurious marker") {
  Machine m;
  int pg = m.anon(2);
  m.st(EventKind::MadvGuardInstall, 0, pg);
  m.s.proc[0].pte[pg] = Pte{};  // broken: the marker vanished
  CHECK(m.check("guard_regions") == facet_bit("guard_regions", "lost"));
  m.s.proc[0].pte[pg + 1] = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_GUARD), 0};
  CHECK((m.check("guard_regions") & facet_bit("guard_regions", "spurious")) != 0);
}

TEST_CASE("fork copies guard markers (anon_vma_prepare makes vma_needs_copy true), WIPEONFORK does not") {
  Machine m;
  int pg = m.anon(1);
  m.st(EventKind::MadvGuardInstall, 0, pg);
  int c = m.fork(0);
  CHECK(m.pte(c, pg).kind == PteKind::Marker);
  CHECK(m.check("guard_regions") == 0);
  m.st(EventKind::MadvWipeonfork, 0, pg);
  int d = m.fork(0);
  CHECK(m.pte(d, pg).kind == PteKind::None);
  CHECK(access_signal(m.s, d, pg, AccessKind::Write, m.cfg) == 0);
  CHECK(m.check("guard_regions") == 0);
}

TEST_CASE("MADV_DONTFORK: no VMA in the child; the parent is untouched") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  m.st(EventKind::MadvDontfork, 0, pg);
  int c = m.fork(0);
  CHECK(find_vma(m.s.proc[c], pg) == nullptr);
  CHECK(m.pte_exclusive_page(0, pg));
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);  // nothing was shared: no write-protect
  CHECK(m.model1_holds());
}

TEST_CASE("MADV_FREE: clean page discarded by reclaim; redirtied page made swap-backed and kept") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  const int f0 = m.folio(0, pg), f1 = m.folio(0, pg + 1);
  m.st(EventKind::MadvFree, 0, pg);
  m.st(EventKind::MadvFree, 0, pg + 1);
  CHECK((m.F(f0).flags2 & PG_lazyfree) != 0);
  CHECK(!m.F(f0).test(PG_dirty));
  m.write(0, pg + 1, 3);
  REQUIRE(m.reclaim(f0) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.val(0, pg) == 0);
  CHECK(m.slots_in_use() == 0);  // no swap slot was taken
  REQUIRE(m.reclaim(f1) == Status::Done);
  CHECK(m.pte(0, pg + 1).kind == PteKind::Present);
  CHECK((m.F(f1).flags2 & PG_lazyfree) == 0);
  CHECK(m.val(0, pg + 1) == 3);
  CHECK(m.model1_holds());
  CHECK(m.check("lazyfree") == 0);
}

TEST_CASE("a discard the program did not allow is a cow_isolation violation") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  // Broken kernel: mark the folio lazyfree and clean without MADV_FREE.
  m.s.folio[f].flags2 |= PG_lazyfree;
  m.s.folio[f].flags &= ~PG_dirty;
  m.s.proc[0].pte[pg].bits &= ~PTE_DIRTY;
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK(m.check("cow_isolation") != 0);
}

TEST_CASE("lazyfree invariant: a lazyfree folio in the swap cache is reported") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.s.folio[f].flags2 |= PG_lazyfree;
  m.s.folio[f].flags |= PG_swapcache;
  CHECK(m.check("lazyfree") != 0);
}

TEST_CASE("mlock: populates with write faults (COW broken), reclaim and pageout skip, DONTNEED refuses") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const int shared = m.folio(0, pg);
  REQUIRE(m.st(EventKind::Mlock, 0, pg) == Status::Done);
  CHECK(m.folio(0, pg) != shared);
  CHECK(m.pte(0, pg + 1).kind == PteKind::Present);
  CHECK(m.pte_exclusive_page(0, pg + 1));  // a write fault, not the zero page
  CHECK(m.val(c, pg) == 1);
  const int f = m.folio(0, pg);
  CHECK(m.reclaim(f) == Status::Disabled);
  m.pageout(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  m.dontneed(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.check("mlock_resident") == 0);
  m.s.proc[0].pte[pg] = Pte{};  // broken: the locked page went away
  CHECK(m.check("mlock_resident") != 0);
}

TEST_CASE("child of an mlocked parent: VM_LOCKED is not inherited") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  m.st(EventKind::Mlock, 0, pg);
  int c = m.fork(0);
  CHECK((m.s.proc[c].vma[0].flags & VM_LOCKED) == 0);
  CHECK((m.s.proc[0].vma[0].flags & VM_LOCKED) != 0);
}

TEST_CASE("MADV_POPULATE: read maps, write breaks COW; errors change nothing") {
  Machine m;
  int pg = m.anon(1);
  REQUIRE(m.st(EventKind::MadvPopulateRead, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  REQUIRE(m.st(EventKind::MadvPopulateWrite, 0, pg) == Status::Done);
  CHECK(m.pte_exclusive_page(0, pg));
  CHECK(m.val(0, pg) == 0);
  State before = m.s;
  m.st(EventKind::MprotectRead, 0, pg);
  before = m.s;
  CHECK(m.ev(EventKind::MadvPopulateWrite, 0, pg).reason != std::string(""));
  CHECK(m.s == before);
}

TEST_CASE("RW long-term pin: COW broken at pin time; fork gives the child a copy; the pin keeps seeing writes") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const int shared = m.folio(0, pg);
  REQUIRE(m.st(EventKind::PinRW, 0, pg) == Status::Done);
  CHECK(m.folio(0, pg) != shared);
  CHECK(m.s.proc[0].pin_folio[pg] == m.folio(0, pg));
  int d = m.fork(0);
  CHECK(m.folio(d, pg) != m.folio(0, pg));  // folio_needs_cow_for_dma
  m.write(0, pg, 2);
  CHECK(m.s.folio[m.s.proc[0].pin_folio[pg]].content[0] == 2);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.val(d, pg) == 1);
  CHECK(m.model1_holds());
  // A read-only VMA cannot be write-pinned.
  Machine n;
  int q = n.anon(1);
  n.st(EventKind::MprotectRead, 0, q);
  CHECK(n.st(EventKind::PinRW, 0, q) == Status::Sigsegv);
}

}  // TEST_SUITE
