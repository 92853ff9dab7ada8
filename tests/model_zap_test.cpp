// zap_pte_range and its callers (MADV_DONTNEED, munmap, exit_mmap):
// mapcounts, swap counts, the swap cache, and nothing left once every
// process has exited (swap_accounting).
#include "tests/model_helpers.h"

using namespace mmtest;

TEST_SUITE("model: zap, munmap, exit") {

TEST_CASE("MADV_DONTNEED on a present page frees the folio; the page reads zero again") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 2);
  REQUIRE(m.dontneed(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.val(0, pg) == 0);
  CHECK(m.model1_holds());
  CHECK(m.dontneed(0, 3) == Status::Disabled);
}

TEST_CASE("MADV_DONTNEED on a swap PTE: free_swap_and_cache frees the slot and an idle cached folio") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  REQUIRE(m.dontneed(0, pg) == Status::Done);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("MADV_DONTNEED during writeback: the folio stays in the swap cache until written and dropped") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.dontneed(0, pg);
  CHECK(m.F(f).test(PG_swapcache));  // __try_to_reclaim_swap: not while under writeback
  CHECK(m.slot(0, 0).count == 0);
  CHECK(m.slot(0, 0).has_cache == 1);
  CHECK(m.model1_holds());
  m.writeback_end(f);
  REQUIRE(m.swapcache_drop(f) == Status::Done);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("zap of the last mapping of a swap-cache folio frees it (free_pages_and_swap_cache)") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  m.read(0, pg);
  REQUIRE(m.F(f).test(PG_swapcache));
  m.munmap(0, pg);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.s.proc[0].vma[0].kind == VmaKind::None);
  CHECK(m.read(0, pg) == Status::Sigsegv);
  CHECK(m.model1_holds());
}

TEST_CASE("exit after fork and pageout: the swap count drops per process; nothing leaks at the end") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  int c = m.fork(0);
  m.read(c, pg + 1);
  CHECK(m.slot(0, 0).count == 2);
  CHECK(m.model1_holds());
  REQUIRE(m.exit(c) == Status::Done);
  CHECK(m.s.proc[c].alive == PROC_EXITED);
  CHECK(m.s.proc[c].parent == 0);
  CHECK(m.slot(0, 0).count == 1);
  CHECK(m.model1_holds());
  CHECK(m.exit(c) == Status::Disabled);
  REQUIRE(m.exit(0) == Status::Done);
  CHECK(m.slot(0, 0).count == 0);
  // The folio under writeback is the only thing left, in the swap cache.
  CHECK(m.folios_allocated() == 1);
  CHECK(m.check("swap_accounting") == 0);
  m.writeback_end(f);
  m.swapcache_drop(f);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.check("swap_accounting") == 0);
}

TEST_CASE("a pin outlives the pinner's exit; the last exit releases every pin") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  m.pin(c, pg);  // an exclusive copy for the child, pinned
  CHECK(m.folios_allocated() == 2);
  m.exit(c);
  CHECK(m.folios_allocated() == 2);  // the pipe/ring/driver file still holds the child's copy
  CHECK(m.model1_holds());
  m.exit(0);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("a pin outlives MADV_DONTNEED; the program chose to drop the mapping") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  m.pin(0, pg);
  m.dontneed(0, pg);
  m.write(0, pg, 2);
  CHECK(m.check("cow_isolation") == 0);  // the pin is detached (GHOST_PIN_DETACHED)
  CHECK(m.folios_allocated() == 2);
  m.unpin(0, pg);
  CHECK(m.folios_allocated() == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("swap_writeout gives back the slot of a dirty, unreferenced swap-cache folio, which is then freed") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.write(0, pg, 2);  // exclusive swap entry: reused under writeback (no SWP_STABLE_WRITES)
  CHECK(m.folio(0, pg) == f);
  CHECK(m.F(f).test(PG_swapcache));
  m.exit(0);          // free_swap_cache fails: still under writeback
  CHECK(m.folios_allocated() == 1);
  m.writeback_end(f);
  CHECK(m.swapcache_drop(f) == Status::Disabled);  // dirty: __remove_mapping refuses
  REQUIRE(m.reclaim(f) == Status::Done);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.check("swap_accounting") == 0);
}

TEST_CASE("BFS: from every state reachable with fork, pageout and kernel events, exit leaves no leak") {
  Machine m;
  m.anon(1);
  Alphabet a;
  a.per_page = {EventKind::WriteFault, EventKind::MadvPageout, EventKind::ReadFault};
  a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::WritebackEnd};
  size_t checked = 0;
  SearchResult r = bfs(m.s, m.cfg, a, 7, [&](const State& s) {
    // Exit every process, let writeback end, reclaim run (a dirty folio left
    // in the swap cache is given back by swap_writeout's folio_free_swap)
    // and the swap cache drop: nothing may remain.
    State t = s;
    for (int p = 0; p < MAX_PROCS; p++)
      if (t.proc[p].alive == PROC_ALIVE) apply(t, Event{EventKind::Exit, static_cast<uint8_t>(p), 0, 0}, m.cfg);
    for (int f = 0; f < MAX_FOLIOS; f++) {
      apply(t, Event{EventKind::WritebackEnd, 0, 0, static_cast<uint8_t>(f)}, m.cfg);
      apply(t, Event{EventKind::Reclaim, 0, 0, static_cast<uint8_t>(f)}, m.cfg);
      apply(t, Event{EventKind::WritebackEnd, 0, 0, static_cast<uint8_t>(f)}, m.cfg);
      apply(t, Event{EventKind::SwapCacheDrop, 0, 0, static_cast<uint8_t>(f)}, m.cfg);
    }
    checked++;
    bool clean = true;
    for (const Folio& f : t.folio) clean &= !f.test(FOLIO_ALLOCATED);
    for (const SwapDevice& d : t.swap)
      for (const SwapSlot& sl : d.slot) clean &= swap_slot_free(sl);
    return !clean || find_invariant("swap_accounting")->check(t, m.cfg) != 0;
  });
  CAPTURE(trace_text(r.trace));
  CHECK_FALSE(r.found);
  CHECK(checked > 100);
}

}  // TEST_SUITE
