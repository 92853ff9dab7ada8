// The v5.14 preset: no PG_anon_exclusive, no swap-PTE exclusive bit,
// reuse decided by refcount/mapcount (do_wp_page, reuse_swap_page), R/O
// pins that do not unshare.  Each behaviour next to its v6.18 counterpart.
#include "tests/model_helpers.h"

using namespace mmtest;

TEST_SUITE("model: v5.14") {

TEST_CASE("v5.14: a R/O pin after fork does not unshare; the next write COWs away from the pin") {
  // The problem FAULT_FLAG_UNSHARE (v5.19) fixed: the pin keeps the old
  // page while the process maps a new copy.
  for (const char* cfg : {"v5.14", "v6.18"}) {
    CAPTURE(cfg);
    const bool old = std::string(cfg) == "v5.14";
    Machine m(cfg);
    int pg = m.anon(1);
    m.write(0, pg, 1);
    const int f = m.folio(0, pg);
    int c = m.fork(0);
    REQUIRE(m.pin(0, pg) == Status::Done);
    CHECK((m.s.proc[0].pin_folio[pg] == f) == old);  // v6.18 pins its own exclusive copy
    m.write(0, pg, 2);
    CHECK(m.val(0, pg) == 2);
    CHECK(m.val(c, pg) == 1);
    if (old) {
      CHECK(m.check("cow_isolation") == facet_bit("cow_isolation", "pin-diverged"));
      CHECK(m.s.folio[m.s.proc[0].pin_folio[pg]].content[0] == 1);
    } else {
      CHECK(m.check("cow_isolation") == 0);
      CHECK(m.model1_holds());
    }
  }
}

TEST_CASE("v5.14: the pin diverges even without another process once the PTE is read-only") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  m.exit(c);          // the parent's PTE stays write-protected
  m.pin(0, pg);
  m.write(0, pg, 2);  // page_count == 2 (map + pin): copy
  CHECK(m.check("cow_isolation") == facet_bit("cow_isolation", "pin-diverged"));
  Machine n("v6.18");
  pg = n.anon(1);
  n.write(0, pg, 1);
  c = n.fork(0);
  n.exit(c);
  n.pin(0, pg);       // unshare: wp_can_reuse_anon_folio reuses, PageAnonExclusive set
  n.write(0, pg, 2);
  CHECK(n.check("cow_isolation") == 0);
}

TEST_CASE("v5.14: try_to_unmap_one writes no exclusive bit; a read fault maps read-only") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  CHECK(m.F(f).anon_exclusive == 0);
  m.pageout(0, pg);
  CHECK((m.pte(0, pg).bits & PTE_SWP_EXCLUSIVE) == 0);
  m.writeback_end(f);
  m.read(0, pg);
  CHECK(m.folio(0, pg) == f);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);
  CHECK(m.F(f).test(PG_swapcache));
  // do_wp_page: the swap cache holds a second reference: copy.
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) != f);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.model1_holds());
}

TEST_CASE("v5.14: a write fault on a swap entry with count 1 reuses it (reuse_swap_page)") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) == f);
  CHECK_FALSE(m.F(f).test(PG_swapcache));  // delete_from_swap_cache + SetPageDirty
  CHECK(m.slots_in_use() == 0);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("v5.14 reuse_swap_page under writeback: refused for SWP_STABLE_WRITES, allowed otherwise") {
  Machine m("v5.14", SWP_STABLE_WRITES);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) != f);  // copied: the device keeps reading an unchanged page
  CHECK(m.check("stable_writes") == 0);
  Machine n("v5.14", SWAP_ASYNC);
  pg = n.anon(1);
  n.write(0, pg, 1);
  const int g = n.folio(0, pg);
  n.pageout(0, pg);
  n.write(0, pg, 2);
  CHECK(n.folio(0, pg) == g);  // reused while still under writeback
  CHECK(n.F(g).test(PG_writeback));
  CHECK(n.model1_holds());
}

TEST_CASE("v5.14 copy_present_page: any possibly pinned page of the forking mm is copied") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  int c1 = m.fork(0);
  m.pin(0, pg);  // a shared page, pinned
  int c2 = m.fork(0);
  CHECK(m.folio(c1, pg) == f);
  CHECK(m.folio(c2, pg) != f);  // page_needs_cow_for_dma
  CHECK(m.val(c2, pg) == 1);
}

TEST_CASE("v5.14: the shared zero page cannot be pinned in the model") {
  Machine m("v5.14");
  int pg = m.anon(1);
  m.read(0, pg);
  CHECK(m.pin(0, pg) == Status::Disabled);
}

TEST_CASE("v5.14: a THP has no PageAnonExclusive either; its pageout writes no exclusive swap PTE") {
  Machine m("v5.14");
  m.anon(2, VM_HUGEPAGE);
  m.write(0, 0, 1);
  const int f = m.folio(0, 0);
  CHECK(m.F(f).test(PG_large));
  CHECK(m.F(f).anon_exclusive == 0);
  m.pageout(0, 0);
  CHECK(m.pte(0, 0).kind == PteKind::Swap);
  CHECK((m.pte(0, 0).bits & PTE_SWP_EXCLUSIVE) == 0);
  CHECK(m.model1_holds());
  // do_huge_pmd_wp_page (v5.14): reuse_swap_page on a THP mapped once.
  Machine n("v5.14");
  n.anon(2, VM_HUGEPAGE);
  n.write(0, 0, 1);
  int c = n.fork(0);
  n.exit(c);
  const int g = n.folio(0, 0);
  n.write(0, 1, 2);
  CHECK(n.folio(0, 1) == g);
  CHECK((n.pte(0, 0).bits & PTE_PMD) != 0);
  CHECK((n.pte(0, 0).bits & PTE_WRITE) != 0);
}

TEST_CASE("v5.14 preset knobs") {
  Config c = preset("v5.14");
  CHECK_FALSE(c.PG_anon_exclusive);
  CHECK_FALSE(c.pte_swp_exclusive);
  CHECK_FALSE(c.gup_unshare_on_ro_pin);
  CHECK_FALSE(c.swap_zeromap);
  Config v = preset("v6.18");
  CHECK(v.PG_anon_exclusive);
  CHECK(v.swap_zeromap);
  CHECK_FALSE(v.swp_stable_writes_check_inverted);
  CHECK(preset("anon-exclusive-v2-inverted").swp_stable_writes_check_inverted);
  Config k = v;
  CHECK(config_set_knob(k, "swap_zeromap", false));
  CHECK_FALSE(k.swap_zeromap);
  CHECK_FALSE(config_set_knob(k, "no_such_knob", true));
}

}  // TEST_SUITE
