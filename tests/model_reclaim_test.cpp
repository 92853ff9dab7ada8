// Reclaim and swap-out: shrink_folio_list, add_to_swap, try_to_unmap_one,
// swap_writeout, folio_end_writeback, folio_free_swap / __remove_mapping;
// and the SWP_STABLE_WRITES case of do_swap_page (issue 2, item 8, last
// case), checked exhaustively with a small BFS over mm::apply.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {

// A paged-out, dirty private page of process A on a fresh machine.
int written_page(Machine& m, int value = 1) {
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, value) == Status::Done);
  return pg;
}

bool stable_writes_broken(const State& s, const Config& cfg) {
  return find_invariant("stable_writes")->check(s, cfg) != 0;
}

// Events a process and the kernel can cause on one private page.
Alphabet anon_alphabet(bool with_fork) {
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout, EventKind::MadvDontneed};
  if (with_fork) a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::WritebackEnd, EventKind::SwapCacheDrop, EventKind::Reclaim};
  return a;
}

}  // namespace

TEST_SUITE("model: reclaim and swap") {

TEST_CASE("MADV_PAGEOUT of the zero page or an unmapped page does nothing") {
  Machine m;
  int pg = m.anon(1);
  State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
  m.read(0, pg);
  before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
  CHECK(m.pageout(0, 3) == Status::Disabled);  // no VMA: ENOMEM
}

TEST_CASE("without a swap device an anon folio cannot be reclaimed") {
  Machine m("v6.18", NO_SWAP);
  int pg = written_page(m);
  const State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
  CHECK(m.reclaim(m.folio(0, pg)) == Status::Disabled);
}

TEST_CASE("a full swap device is a model bound: OutOfCapacity, never a silent pass") {
  Machine m;
  int pg = written_page(m);
  for (int i = 0; i < MAX_SLOTS; i++) m.s.swap[0].slot[i].count = 1;
  CHECK(m.pageout(0, pg) == Status::OutOfCapacity);
}

TEST_CASE("add_to_swap takes the lowest free slot; a second page gets the next one") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  m.pageout(0, pg + 1);
  m.pageout(0, pg);
  CHECK(m.pte(0, pg + 1).b == 0);
  CHECK(m.pte(0, pg).b == 1);
  CHECK(m.pm(0, pg) == (enc::PM_SWAP | enc::PM_SOFT_DIRTY | (2u << 5)));
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(0, pg + 1) == 2);
  CHECK(m.model1_holds());
}

TEST_CASE("shrink_folio_list activates a folio under writeback; writeback end only once") {
  Machine m;
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  CHECK(m.reclaim(f) == Status::Disabled);
  CHECK(m.swapcache_drop(f) == Status::Disabled);  // not while under writeback
  CHECK(m.writeback_end(f) == Status::Done);
  CHECK(m.writeback_end(f) == Status::Disabled);
}

TEST_CASE("reclaim of a clean swap-cache folio mapped read-only frees it without I/O") {
  Machine m;
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  int c = m.fork(0);
  m.read(0, pg);  // not exclusive any more: read-only, clean
  CHECK(m.folio(0, pg) == f);
  CHECK_FALSE((m.pte(0, pg).bits & PTE_DIRTY) != 0);
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK_FALSE(m.F(f).test(FOLIO_ALLOCATED));  // __remove_mapping right away
  CHECK(m.slot(0, 0).count == 2);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("swap_writeout: a zero-filled folio goes to the zeromap without writeback (v6.18, not v5.14)") {
  for (const char* cfg : {"v6.18", "v5.14"}) {
    CAPTURE(cfg);
    Machine m(cfg);
    int pg = m.anon(1);
    m.read(0, pg);
    REQUIRE(m.pin(0, pg) == (std::string(cfg) == "v6.18" ? Status::Done : Status::Disabled));
    if (std::string(cfg) == "v6.18") {
      m.unpin(0, pg);  // the unshare left a zero-filled exclusive anon folio
    } else {
      m.write(0, pg, 1);
      m.s.folio[m.folio(0, pg)].content[0] = 0;  // a program storing 0
      m.s.proc[0].expect[pg] = 0;
    }
    const int f = m.folio(0, pg);
    REQUIRE(m.pageout(0, pg) == Status::Done);
    if (std::string(cfg) == "v6.18") {
      CHECK_FALSE(m.F(f).test(FOLIO_ALLOCATED));  // no writeback: freed at once
      CHECK(m.mc(0, pg) == 0);
    } else {
      CHECK(m.F(f).test(PG_writeback));
      CHECK(m.mc(0, pg) == 1);
    }
    CHECK(m.val(0, pg) == 0);
    CHECK(m.model1_holds());
  }
}

TEST_CASE("swap_cache_drop: folio_free_swap on a mapped folio needs the slot unreferenced") {
  Machine m;
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  m.read(0, pg);
  REQUIRE(m.F(f).test(PG_swapcache));
  REQUIRE(m.swapcache_drop(f) == Status::Done);  // mem_cgroup_swap_full pressure
  CHECK_FALSE(m.F(f).test(PG_swapcache));
  CHECK(m.F(f).test(PG_dirty));  // the only copy is in memory now
  CHECK(m.slots_in_use() == 0);
  CHECK(m.swapcache_drop(f) == Status::Disabled);
  CHECK(m.model1_holds());

  Machine n;
  pg = written_page(n);
  const int g = n.folio(0, pg);
  n.pageout(0, pg);
  n.writeback_end(g);
  int c = n.fork(0);
  n.read(0, pg);  // the child's swap PTE still names the slot
  CHECK(n.swapcache_drop(g) == Status::Disabled);
  CHECK(n.F(g).test(PG_swapcache));
  (void)c;
}

TEST_CASE("MADV_PAGEOUT twice: the second pass on a swap PTE does nothing") {
  Machine m;
  int pg = written_page(m);
  m.pageout(0, pg);
  const State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
}

TEST_CASE("a dirty unmapped swap-cache folio is written again before it can be dropped") {
  Machine m;
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  m.read(0, pg);       // exclusive: mapped writable, the folio stays in the swap cache
  m.write(0, pg, 2);   // no fault: the store dirties the PTE, the folio keeps its slot
  CHECK(m.F(f).test(PG_swapcache));
  CHECK(m.slot(0, 0).count == 0);
  CHECK(m.model1_holds());
  CHECK(m.swapcache_drop(f) == Status::Done);  // folio_free_swap: allowed, the slot is unreferenced
  CHECK_FALSE(m.F(f).test(PG_swapcache));
  m.pageout(0, pg);    // a new slot, a new write
  CHECK(m.F(f).test(PG_writeback));
  CHECK(m.slot(0, 0).content == 2);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.model1_holds());
  // Had it stayed in the swap cache, try_to_unmap_one would mark it dirty
  // from the PTE and swap_writeout would rewrite the same slot.
  Machine n;
  pg = written_page(n);
  const int g = n.folio(0, pg);
  n.pageout(0, pg);
  n.writeback_end(g);
  n.read(0, pg);
  n.write(0, pg, 3);
  REQUIRE(n.pageout(0, pg) == Status::Done);
  CHECK(n.pte(0, pg).b == 0);
  CHECK(n.slot(0, 0).content == 3);
  CHECK(n.F(g).test(PG_writeback));
  CHECK(n.model1_holds());
}

// Issue 2, item 8, last case: the v2 series' inverted SWP_STABLE_WRITES test.
TEST_CASE("anon-exclusive-v2-inverted, async SWP_STABLE_WRITES device: a writable PTE maps a folio under writeback") {
  Machine m("anon-exclusive-v2-inverted", SWP_STABLE_WRITES);
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  REQUIRE(m.F(f).test(PG_writeback));
  CHECK(m.check("stable_writes") == 0);
  // A read fault: exclusive && writeback && !SWP_STABLE_WRITES is false, so
  // exclusivity is kept and the page is mapped writable under writeback.
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.folio(0, pg) == f);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.check("stable_writes") == facet_bit("stable_writes", "mapped-writable"));
  // The store then modifies the page while the device reads it.
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.check("stable_writes") ==
        (facet_bit("stable_writes", "mapped-writable") | facet_bit("stable_writes", "modified")));
  CHECK(m.check("anon_exclusive") == 0);  // exclusivity itself is right: only the device suffers
}

TEST_CASE("v6.18, same sequence: exclusivity is dropped under writeback, the write copies") {
  Machine m("v6.18", SWP_STABLE_WRITES);
  int pg = written_page(m);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.folio(0, pg) == f);
  CHECK_FALSE((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.F(f).anon_exclusive == 0);
  CHECK(m.model1_holds());
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.folio(0, pg) != f);  // folio_free_swap fails under writeback: wp_page_copy
  CHECK(m.F(f).test(PG_writeback));
  CHECK(m.slot(0, 0).content == 1);
  CHECK(m.F(f).content[0] == 1);
  CHECK(m.model1_holds());
  // Without SWP_STABLE_WRITES the page may be written under writeback.
  Machine n("v6.18", SWAP_ASYNC);
  pg = written_page(n);
  n.pageout(0, pg);
  n.read(0, pg);
  CHECK((n.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(n.model1_holds());
}

TEST_CASE("BFS: stable_writes breaks under the inverted check with async writeback, never otherwise") {
  struct Case {
    const char* cfg;
    uint8_t swap;
    bool fork;
    bool broken;
  };
  const Case cases[] = {
      {"anon-exclusive-v2-inverted", SWP_STABLE_WRITES, false, true},
      {"anon-exclusive-v2-inverted", SWP_STABLE_WRITES | SWAP_SYNC, false, false},
      {"anon-exclusive-v2-inverted", SWP_STABLE_WRITES | SWAP_SYNC, true, false},
      {"v6.18", SWP_STABLE_WRITES, false, false},
      {"v6.18", SWP_STABLE_WRITES, true, false},
      {"v6.18", SWP_STABLE_WRITES | SWAP_SYNC, true, false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cfg);
    CAPTURE(int(c.swap));
    CAPTURE(c.fork);
    Machine m(c.cfg, c.swap);
    m.anon(1);
    SearchResult r = bfs(m.s, m.cfg, anon_alphabet(c.fork), c.fork ? 7 : 8,
                         [&](const State& s) { return stable_writes_broken(s, m.cfg); });
    CAPTURE(trace_text(r.trace));
    CHECK(r.found == c.broken);
    if (c.broken) {
      CHECK(r.trace.size() == 3);  // write, pageout, read
    } else {
      CHECK_FALSE(r.out_of_capacity);  // complete within the bound: "no such state"
      CHECK(r.states > 10);
    }
  }
}

TEST_CASE("BFS: the four model I invariants hold in every reachable v6.18 state (1 page, fork, async stable device)") {
  Machine m("v6.18", SWP_STABLE_WRITES);
  m.anon(1);
  Alphabet a = anon_alphabet(true);
  a.per_page.push_back(EventKind::PinRO);
  a.per_page.push_back(EventKind::Unpin);
  a.per_proc.push_back(EventKind::Exit);
  std::string why;
  SearchResult r = bfs(m.s, m.cfg, a, 9, [&](const State& s) {
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
