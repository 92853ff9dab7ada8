// The rules issue 12 added to the check: pageout_scope (MADV_PAGEOUT never
// unmaps another mm's folio), pins that outlive the pinner's exit, the
// exclusive-pin rule of pin_coherence, and guard regions behind their knob.
#include "model/madvise_knobs.h"
#include "tests/model_helpers.h"

using namespace mmtest;

TEST_SUITE("model: check rules (pageout_scope, pins after exit, guard knob)") {

TEST_CASE("MADV_PAGEOUT of a COW-shared folio leaves both mappings; pageout_scope fails on the ghost record") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);  // folio_mapcount 2 != 1: skipped
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.pte(c, pg).kind == PteKind::Present);
  CHECK(m.folio(c, pg) == f);
  CHECK(m.check("pageout_scope") == 0);
  // What a kernel without the mapcount test leaves behind: the record that
  // A's madvise took C's mapping.
  m.s.proc[c].ghost2[pg] |= GHOST2_PAGED_OUT_BY_OTHER;
  CHECK(m.check("pageout_scope") == facet_bit("pageout_scope", "other-mapping"));
}

TEST_CASE("a pin outlives the pinner's exit and still must not see the parent's write (CVE-2020-29374)") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  REQUIRE(m.pin(c, pg) == Status::Done);  // unshare: the child pins its own copy
  const int pinned = m.s.proc[c].pin_folio[pg];
  REQUIRE(m.exit(c) == Status::Done);
  CHECK(m.s.proc[c].alive == PROC_EXITED);
  CHECK((m.s.proc[c].pinned & (1u << pg)) != 0);  // held by its pipe/ring, not by the mm
  CHECK(m.F(pinned).test(FOLIO_ALLOCATED));
  m.write(0, pg, 2);
  CHECK(m.F(pinned).content[0] == 1);
  CHECK(m.check("pin_coherence") == 0);
  CHECK(m.check("swap_accounting") == 0);  // the pinned folio is referenced, not leaked
  // The last exit closes every file: every pin goes, nothing is left.
  REQUIRE(m.exit(0) == Status::Done);
  CHECK(m.s.proc[c].pinned == 0);
  CHECK(!m.F(pinned).test(FOLIO_ALLOCATED));
  CHECK(m.check("swap_accounting") == 0);
}

TEST_CASE("exclusive-pin-diverged: a pin of a writable exclusive page stays what the mapping maps") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.pin(0, pg) == Status::Done);
  CHECK((m.s.proc[0].ghost2[pg] & GHOST2_PIN_EXCLUSIVE) != 0);
  // clear_refs leaves the pinned page writable (pte_is_pinned, 9348b73c2e1b),
  // so the write does not COW it away even with v5.14's refcount reuse.
  REQUIRE(m.st(EventKind::ClearRefs, 0, 0) == Status::Done);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) == m.s.proc[0].pin_folio[pg]);
  CHECK(m.check("pin_coherence") == 0);
  // What the bug did: the pinned page write-protected, then COWed.
  m.s.proc[0].pte[pg].bits &= ~PTE_WRITE;
  m.write(0, pg, 3);
  CHECK(m.folio(0, pg) != m.s.proc[0].pin_folio[pg]);
  CHECK((m.check("pin_coherence") & facet_bit("pin_coherence", "exclusive-pin-diverged")) != 0);
}

TEST_CASE("guard regions need the MADV_GUARD_INSTALL knob: v5.14 returns -EINVAL and changes nothing") {
  Machine old("v5.14");
  CHECK(!madvise_guard_regions(old.cfg));
  int pg = old.anon(1);
  old.write(0, pg, 1);
  const State before = old.s;
  CHECK(old.st(EventKind::MadvGuardInstall, 0, pg) == Status::Done);
  CHECK(old.s == before);
  CHECK(old.st(EventKind::MadvGuardRemove, 0, pg) == Status::Done);
  CHECK(old.s == before);
  Machine now;
  CHECK(madvise_guard_regions(now.cfg));
  int q = now.anon(1);
  now.st(EventKind::MadvGuardInstall, 0, q);
  CHECK(now.pte(0, q).kind == PteKind::Marker);
  // The knob is set like any other.
  Config c = now.cfg;
  REQUIRE(config_set_knob(c, "MADV_GUARD_INSTALL", false));
  CHECK(!madvise_guard_regions(c));
}

}
