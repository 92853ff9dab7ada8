// Per-CPU lru_add batches (the knob lru_batch_other_cpu (model/lru_knobs.h)): a folio another CPU
// has not drained yet is not on the LRU, so MADV_PAGEOUT and reclaim leave
// it alone until the lru_add_drain event (docs/conformance.md finding 1).
#include "model/lru_knobs.h"
#include "tests/model_helpers.h"

using namespace mmtest;

namespace {

Status drain(Machine& m, int f) { return m.st(EventKind::LruAddDrain, 0, 0, f); }

Machine batched_machine() {
  Machine m;
  REQUIRE(config_set_knob(m.cfg, "lru_batch_other_cpu", true));
  REQUIRE(lru_batch_other_cpu(m.cfg));
  return m;
}

}  // namespace

TEST_SUITE("model: lru_add batches") {

TEST_CASE("the knob is off in every preset, and then no folio is ever off the LRU") {
  for (const PresetInfo& p : config_presets()) CHECK_FALSE(lru_batch_other_cpu(preset(std::string(p.name).c_str())));
  Machine m;
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(folio_test_lru(m.F(f)));
  CHECK(drain(m, f) == Status::Disabled);
}

TEST_CASE("MADV_PAGEOUT of a folio in another CPU's batch does nothing; after the drain it pages out") {
  Machine m = batched_machine();
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK_FALSE(folio_test_lru(m.F(f)));
  const State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);                                // folio_isolate_lru failed
  CHECK(m.reclaim(f) == Status::Disabled);             // LRU reclaim cannot see it either
  CHECK(drain(m, f) == Status::Done);
  CHECK(folio_test_lru(m.F(f)));
  CHECK(drain(m, f) == Status::Disabled);              // drained once
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK(m.val(0, pg) == 1);
}

TEST_CASE("every new folio starts in a batch: COW copy, fork copy, swap-in, shmem page cache") {
  Machine m = batched_machine();
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(drain(m, m.folio(0, pg)) == Status::Done);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  REQUIRE(m.pte(0, pg).kind == PteKind::Swap);
  // Let the old folio go, then swap in: a fresh folio, batched again.
  for (int f = 0; f < MAX_FOLIOS; f++) {
    m.writeback_end(f);
    m.swapcache_drop(f);
  }
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK_FALSE(folio_test_lru(m.F(m.folio(0, pg))));
  // COW after fork: the copy is new, the original keeps its own status.
  const int orig = m.folio(0, pg);
  REQUIRE(drain(m, orig) == Status::Done);
  const int child = m.fork(0);
  REQUIRE(m.write(child, pg, 2) == Status::Done);
  CHECK(m.folio(child, pg) != orig);
  CHECK_FALSE(folio_test_lru(m.F(m.folio(child, pg))));
  CHECK(folio_test_lru(m.F(orig)));
  // A shmem folio added to the page cache goes through folio_add_lru too.
  const int inode = shmem_create(m.s, 1);
  const int sh = do_mmap(m.s, 0, VmaKind::MemfdShared, 1, VM_WRITE, inode, 0, m.cfg);
  REQUIRE(sh >= 0);
  REQUIRE(m.write(0, sh, 3) == Status::Done);
  const int sf = m.folio(0, sh);
  CHECK_FALSE(folio_test_lru(m.F(sf)));
  const State before = m.s;
  CHECK(m.pageout(0, sh) == Status::Done);
  CHECK(m.s == before);
  REQUIRE(drain(m, sf) == Status::Done);
  CHECK(m.pageout(0, sh) == Status::Done);
  CHECK(m.pte(0, sh).kind != PteKind::Present);
}

}  // TEST_SUITE
