// mm::is_clean_end: what the leak finder accepts as "nothing leaked".
#include <doctest/doctest.h>

#include "model/clean_end.h"
#include "model/events.h"
#include "model/setup.h"

using namespace mm;

TEST_CASE("a memfd keeps its page cache after the last exit: a clean end") {
  const Config cfg = *config_preset("v6.18");
  State s{};
  const int a = create_process(s);
  const int f = shmem_create(s, 1);
  const int p = do_mmap(s, a, VmaKind::MemfdShared, 1, 0, f, 0, cfg);
  REQUIRE(apply(s, {EventKind::WriteFault, uint8_t(a), uint8_t(p), 1}, cfg).status == Status::Done);
  CHECK_FALSE(is_clean_end(s));  // A still runs
  REQUIRE(apply(s, {EventKind::Exit, uint8_t(a), 0, 0}, cfg).status == Status::Done);
  CHECK(s.inode[f].pc[0].kind == PcKind::Folio);
  CHECK(is_clean_end(s));
}

TEST_CASE("private anon memory still allocated after the last exit is not a clean end") {
  const Config cfg = *config_preset("v6.18");
  State s{};
  const int a = create_process(s);
  swapon(s, 0);
  const int p = do_mmap(s, a, VmaKind::PrivateAnon, 1, 0, -1, 0, cfg);
  REQUIRE(apply(s, {EventKind::WriteFault, uint8_t(a), uint8_t(p), 1}, cfg).status == Status::Done);
  REQUIRE(apply(s, {EventKind::MadvPageout, uint8_t(a), uint8_t(p), 0}, cfg).status == Status::Done);
  REQUIRE(apply(s, {EventKind::Exit, uint8_t(a), 0, 0}, cfg).status == Status::Done);
  // Whatever is left, a stale swap slot or a folio in the swap cache, blocks a clean end.
  bool left = false;
  for (const Folio& fo : s.folio) left |= fo.test(FOLIO_ALLOCATED);
  for (const SwapSlot& sl : s.swap[0].slot) left |= sl.count || sl.has_cache;
  CHECK(is_clean_end(s) == !left);
  // Hand-made leak: a folio nobody references.
  State leak = s;
  leak.folio[MAX_FOLIOS - 1].flags = FOLIO_ALLOCATED | PG_anon;
  CHECK_FALSE(is_clean_end(leak));
}
