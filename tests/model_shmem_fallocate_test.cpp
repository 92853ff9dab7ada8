// shmem_fallocate (issue 10, item 5): fallocated folios are !uptodate until
// a fault or a second SGP_FALLOC initializes them; the kernel agreed live
// (scenarios/live/memfd-fallocate.scenario).
#include "model/shmem.h"
#include "tests/model_helpers.h"

using namespace mmtest;

TEST_SUITE("model: shmem_fallocate") {

TEST_CASE("allocate: a dirty, not uptodate folio: mincore 0, a hole for SEEK_DATA; a fault initializes it") {
  Machine m;
  const int ino = shmem_create(m.s, 2);
  const int pg = do_mmap(m.s, 0, VmaKind::MemfdShared, 2, 0, ino, 0, m.cfg);
  REQUIRE(pg >= 0);
  for (auto mode : {FallocMode::Allocate, FallocMode::KeepSize}) {
    CAPTURE(static_cast<int>(mode));
    Machine k = m;
    REQUIRE(shmem_fallocate(k.s, ino, 0, mode, k.cfg).status == Status::Done);
    REQUIRE(k.s.inode[ino].pc[0].kind == PcKind::Folio);
    const Folio& f = k.F(k.s.inode[ino].pc[0].a);
    CHECK_FALSE(f.test(PG_uptodate));
    CHECK(f.test(PG_dirty));
    CHECK(k.mc(0, pg) == 0);
    CHECK(shmem_lseek(k.s, ino, 0, true) == -1);  // ENXIO: no data
    CHECK(shmem_lseek(k.s, ino, 0, false) == 0);
    REQUIRE(k.read(0, pg) == Status::Done);
    CHECK(k.F(k.folio(0, pg)).test(PG_uptodate));
    CHECK(k.mc(0, pg) == 1);
    CHECK(shmem_lseek(k.s, ino, 0, true) == 0);
    CHECK(k.val(0, pg) == 0);
  }
}

TEST_CASE("a second fallocate initializes a folio fallocated earlier; punch_hole frees it") {
  Machine m;
  const int ino = shmem_create(m.s, 1);
  const int pg = do_mmap(m.s, 0, VmaKind::MemfdShared, 1, 0, ino, 0, m.cfg);
  REQUIRE(shmem_fallocate(m.s, ino, 0, FallocMode::Allocate, m.cfg).status == Status::Done);
  REQUIRE(shmem_fallocate(m.s, ino, 0, FallocMode::Allocate, m.cfg).status == Status::Done);
  CHECK(m.F(m.s.inode[ino].pc[0].a).test(PG_uptodate));
  CHECK(m.mc(0, pg) == 1);
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  REQUIRE(shmem_fallocate(m.s, ino, 0, FallocMode::PunchHole, m.cfg).status == Status::Done);
  CHECK(m.s.inode[ino].pc[0].kind == PcKind::Empty);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.folios_allocated() == 0);
  CHECK(shmem_fallocate(m.s, ino, 1, FallocMode::Allocate, m.cfg).status == Status::Disabled);  // past the file
}

TEST_CASE("writeout of a fallocated folio initializes it: after pageout it is data") {
  Machine m;
  const int ino = shmem_create(m.s, 1);
  REQUIRE(shmem_fallocate(m.s, ino, 0, FallocMode::Allocate, m.cfg).status == Status::Done);
  const int f = m.s.inode[ino].pc[0].a;
  REQUIRE(shmem_writeout(m.s, f, m.cfg).status == Status::Done);
  CHECK(m.s.inode[ino].pc[0].kind == PcKind::Swap);
  CHECK(shmem_lseek(m.s, ino, 0, true) == 0);
}

}  // TEST_SUITE
