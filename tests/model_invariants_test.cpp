// Every facet of the model I invariants (anon_exclusive, stable_writes,
// cow_isolation, swap_accounting) fires on a hand-broken state and holds on
// the state it was broken from; the library's other invariants are checked
// on anon states too.  Each bad state names the kernel rule it breaks.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {

// A: page 0 written (F exclusive, writable); B forked from A after page 1 was
// written and paged out (slot 0:1 shared, count 2).
struct Base {
  Machine m{"v6.18", SWAP_ASYNC};
  int f = -1, c = -1;
  Base() {
    m.anon(2);
    m.write(0, 1, 2);
    const int g = m.folio(0, 1);
    m.pageout(0, 1);
    m.writeback_end(g);
    m.swapcache_drop(g);
    c = m.fork(0);
    m.write(0, 0, 1);  // after the fork: A's own exclusive folio
    f = m.folio(0, 0);
    REQUIRE(m.model1_holds());
  }
};

}  // namespace

TEST_SUITE("model: invariants") {

TEST_CASE("the library: names, facets, kernel references, lookup") {
  const char* expected[] = {"anon_exclusive", "stable_writes", "cow_isolation", "swap_accounting"};
  for (const char* n : expected) {
    const Invariant* i = find_invariant(n);
    REQUIRE(i != nullptr);
    CHECK_FALSE(i->description.empty());
    CHECK_FALSE(i->kernel_ref.empty());
    CHECK_FALSE(i->facets.empty());
  }
  CHECK(find_invariant("no_such_invariant") == nullptr);
  CHECK(facet_bit("anon_exclusive", "pinned-not-exclusive") == 16);
}

TEST_CASE("anon_exclusive: writable-not-exclusive (do_wp_page's VM_BUG_ON: pte_write && !PageAnonExclusive)") {
  Base b;
  b.m.s.folio[b.f].anon_exclusive = 0;
  CHECK((b.m.check("anon_exclusive") & facet_bit("anon_exclusive", "writable-not-exclusive")) != 0);
  CHECK(b.m.check("anon_exclusive") == facet_bit("anon_exclusive", "writable-not-exclusive"));
  CHECK(find_invariant("anon_exclusive")->explain(b.m.s, b.m.cfg).find("not PageAnonExclusive") != std::string::npos);
}

TEST_CASE("anon_exclusive: writable and shared (a fork that forgot to write-protect)") {
  Base b;
  b.m.s.proc[b.c].pte[0] = b.m.s.proc[0].pte[0];
  const uint32_t bits = b.m.check("anon_exclusive");
  CHECK((bits & facet_bit("anon_exclusive", "writable-not-exclusive")) != 0);
  CHECK((bits & facet_bit("anon_exclusive", "exclusive-but-shared")) != 0);
}

TEST_CASE("anon_exclusive: exclusive-but-shared (copy_present_pte that kept PageAnonExclusive)") {
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  m.fork(0);
  m.s.folio[m.folio(0, 0)].anon_exclusive = 1;
  CHECK(m.check("anon_exclusive") == facet_bit("anon_exclusive", "exclusive-but-shared"));
}

TEST_CASE("anon_exclusive: swp-exclusive-but-shared (copy_nonpresent_pte that kept the swp bit)") {
  Base b;
  b.m.s.proc[0].pte[1].bits |= PTE_SWP_EXCLUSIVE;
  CHECK(b.m.check("anon_exclusive") == facet_bit("anon_exclusive", "swp-exclusive-but-shared"));
  CHECK(b.m.check("swap_accounting") == 0);
}

TEST_CASE("anon_exclusive: swapcache-exclusive (do_swap_page's BUG_ON)") {
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  const int f = m.folio(0, 0);
  m.pageout(0, 0);
  m.s.folio[f].anon_exclusive = 1;
  CHECK(m.check("anon_exclusive") == facet_bit("anon_exclusive", "swapcache-exclusive"));
}

TEST_CASE("anon_exclusive: pinned-not-exclusive (a R/O pin that skipped gup_must_unshare)") {
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  int c = m.fork(0);
  m.exit(c);
  const int f = m.folio(0, 0);
  // Pin the write-protected, non-exclusive page without unsharing.
  m.s.proc[0].pinned = 1;
  m.s.proc[0].pin_folio[0] = static_cast<uint8_t>(f);
  CHECK(m.check("anon_exclusive") == facet_bit("anon_exclusive", "pinned-not-exclusive"));
  // Under v5.14 there is no such rule.
  m.cfg = preset("v5.14");
  CHECK(m.check("anon_exclusive") == 0);
}

TEST_CASE("stable_writes: both facets, only for SWP_STABLE_WRITES devices") {
  Machine m("v6.18", SWP_STABLE_WRITES);
  m.anon(1);
  m.write(0, 0, 1);
  const int f = m.folio(0, 0);
  m.pageout(0, 0);
  REQUIRE(m.F(f).test(PG_writeback));
  CHECK(m.check("stable_writes") == 0);
  State good = m.s;
  m.s.folio[f].content[0] = 3;  // a store reached the page under writeback
  CHECK(m.check("stable_writes") == facet_bit("stable_writes", "modified"));
  m.s = good;
  m.s.proc[0].pte[0] = Pte{PteKind::Present, PTE_WRITE, static_cast<uint8_t>(f), 0};
  CHECK((m.check("stable_writes") & facet_bit("stable_writes", "mapped-writable")) != 0);
  m.s.swap[0].flags &= ~SWP_STABLE_WRITES;  // the device tolerates it
  CHECK(m.check("stable_writes") == 0);
  m.s = good;
  m.writeback_end(f);
  m.s.folio[f].content[0] = 3;  // after writeback the page may change
  CHECK(m.check("stable_writes") == 0);
}

TEST_CASE("cow_isolation: wrong-value (a write that reached another process's page)") {
  Base b;
  b.m.s.folio[b.f].content[0] = 3;  // A's folio changed behind the program's back
  CHECK(b.m.check("cow_isolation") == facet_bit("cow_isolation", "wrong-value"));
  Base d;
  d.m.s.swap[0].slot[0].content = 3;  // the device lost the data
  CHECK(d.m.check("cow_isolation") == facet_bit("cow_isolation", "wrong-value"));
  CHECK(find_invariant("cow_isolation")->explain(d.m.s, d.m.cfg).find("returns 3") != std::string::npos);
}

TEST_CASE("cow_isolation: pin-diverged (the pin holds a page the mapping no longer shows)") {
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  REQUIRE(m.pin(0, 0) == Status::Done);
  CHECK(m.check("cow_isolation") == 0);
  // Map a different page with the same content: still coherent.
  m.write(0, 0, 2);
  CHECK(m.check("cow_isolation") == 0);
  m.s.proc[0].pte[0].a = static_cast<uint8_t>(alloc_folio(m.s));
  m.s.folio[m.s.proc[0].pte[0].a].flags |= PG_anon;
  m.s.folio[m.s.proc[0].pte[0].a].content[0] = 2;
  m.s.folio[m.s.proc[0].pin_folio[0]].content[0] = 1;
  CHECK(m.check("cow_isolation") == facet_bit("cow_isolation", "pin-diverged"));
  // A pin the program detached with MADV_DONTNEED is exempt.
  m.s.proc[0].ghost[0] |= GHOST_PIN_DETACHED;
  CHECK(m.check("cow_isolation") == 0);
}

TEST_CASE("swap_accounting: count-mismatch, cache-mismatch, leak") {
  Base b;
  State good = b.m.s;
  b.m.s.swap[0].slot[0].count = 1;  // swap_duplicate forgotten at fork
  CHECK(b.m.check("swap_accounting") == facet_bit("swap_accounting", "count-mismatch"));
  b.m.s = good;
  b.m.s.swap[0].slot[0].has_cache = 1;  // SWAP_HAS_CACHE without a swap-cache folio
  CHECK(b.m.check("swap_accounting") == facet_bit("swap_accounting", "cache-mismatch"));
  b.m.s = good;
  const int x = alloc_folio(b.m.s);  // allocated, referenced by nothing
  b.m.s.folio[x].flags |= PG_anon;
  CHECK(b.m.check("swap_accounting") == facet_bit("swap_accounting", "leak"));
  b.m.s = good;
  b.m.s.proc[b.c].pte[1] = Pte{};  // a zap that dropped the PTE but not the count
  CHECK(b.m.check("swap_accounting") == facet_bit("swap_accounting", "count-mismatch"));
}

TEST_CASE("swap_accounting: every process exited and an anon folio outside the swap cache remains") {
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  const int f = m.folio(0, 0);
  m.pin(0, 0);
  m.exit(0);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.check("swap_accounting") == 0);
  // The same state with the pin's folio kept alive by nothing the model knows.
  m.s.folio[f].flags = FOLIO_ALLOCATED | PG_anon | PG_uptodate;
  CHECK(m.check("swap_accounting") == facet_bit("swap_accounting", "leak"));
}

TEST_CASE("the other invariants on private anon states") {
  Base b;
  // pm_swap_accuracy: anon swap PTEs report PM_SWAP exactly.
  CHECK(b.m.check("pm_swap_accuracy") == 0);
  b.m.s.proc[b.c].pte[1].kind = PteKind::None;  // data in swap, PTE lost
  b.m.s.proc[b.c].pte[1] = Pte{PteKind::Marker, 0, static_cast<uint8_t>(enc::PTE_MARKER_GUARD), 0};
  CHECK(b.m.check("pm_swap_accuracy") == facet_bit("pm_swap_accuracy", "false-positive"));
  // mincore_semantics, lseek_is_pure: hold on anon states.
  Base d;
  CHECK(d.m.check("mincore_semantics") == 0);
  CHECK(d.m.check("lseek_is_pure") == 0);
  // uffd_wp_persistence: a protected page whose PTE lost the bit.
  Machine u;
  u.anon(1, VM_UFFD_WP);
  u.write(0, 0, 1);
  u.st(EventKind::UffdWpProtect, 0, 0);
  u.pageout(0, 0);
  u.read(0, 0);
  CHECK(u.check("uffd_wp_persistence") == 0);
  u.s.proc[0].pte[0].bits &= ~PTE_UFFD_WP;
  CHECK(u.check("uffd_wp_persistence") == facet_bit("uffd_wp_persistence", "lost"));
  // soft_dirty_persistence: a write after clear_refs reads soft-dirty, also after swap.
  Machine sd;
  sd.anon(1);
  sd.write(0, 0, 1);
  sd.st(EventKind::ClearRefs, 0, 0);
  CHECK(sd.check("soft_dirty_persistence") == 0);
  sd.write(0, 0, 2);
  sd.pageout(0, 0);
  CHECK(sd.check("soft_dirty_persistence") == 0);
  sd.s.proc[0].pte[0].bits &= ~PTE_SOFT_DIRTY;
  CHECK(sd.check("soft_dirty_persistence") == facet_bit("soft_dirty_persistence", "lost"));
}

TEST_CASE("pagemap_exclusive is about mapcount: a real v6.18 state reads PM_MMAP_EXCLUSIVE while a swap PTE shares the folio") {
  // Measured on the 6.18 kernel (tests/live_model_probe_test.cpp): after a
  // fork following pageout, the child's swap-in maps the swap-cache folio
  // once, so pagemap says exclusive although the parent's swap PTE still
  // names the same data.
  Machine m;
  m.anon(1);
  m.write(0, 0, 1);
  m.pageout(0, 0);
  int c = m.fork(0);
  m.read(c, 0);
  CHECK((m.pm(c, 0) & enc::PM_MMAP_EXCLUSIVE) != 0);
  CHECK(m.check("pagemap_exclusive") == facet_bit("pagemap_exclusive", "shared"));
  CHECK(m.model1_holds());  // the kernel's own exclusivity (PageAnonExclusive) is intact
}

}  // TEST_SUITE
