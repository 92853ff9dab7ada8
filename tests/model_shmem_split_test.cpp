// split_folio of a large shmem (file) folio, against mm/huge_memory.c
// __folio_split / unmap_folio and mm/vmscan.c shrink_folio_list with
// mm/shmem.c shmem_writeout: the split unmaps every PTE of a file folio
// (no PAGEOUT hint), and in reclaim the tail is written out in the same
// pass as the head.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {

// A with a shared anonymous VM_HUGEPAGE mapping of 2 pages; index 0 and 1
// of its inode.
struct Thp {
  Config cfg;
  State s{};
  int pg = 0;
  explicit Thp(const char* config = "v6.18") : cfg(preset(config)) {
    REQUIRE(create_process(s) == 0);
    REQUIRE(swapon(s, 0) == 0);
    const int inode = shmem_create(s, 2);
    pg = do_mmap(s, 0, VmaKind::SharedAnon, 2, VM_HUGEPAGE, inode, 0, cfg);
    REQUIRE(pg >= 0);
  }
  Status ev(EventKind k, int proc, int page, int arg = 0) {
    return apply(s, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), static_cast<uint8_t>(arg)}, cfg)
        .status;
  }
  const PcEntry& pc(int index) const { return s.inode[0].pc[index]; }
  const Pte& pte(int p, int page) const { return s.proc[p].pte[page]; }
  // Map both halves of the large folio f by PTEs in process p, as a fault
  // through a populated PMD table would (no PTE_PMD bit).
  void map_by_ptes(int p, int f) {
    for (int i = 0; i < MAX_FOLIO_PAGES; i++)
      s.proc[p].pte[pg + i] = Pte{PteKind::Present, PTE_WRITE | PTE_DIRTY, static_cast<uint8_t>(f), static_cast<uint8_t>(i)};
  }
};

}  // namespace

TEST_SUITE("model: shmem THP split") {

TEST_CASE("reclaim of a dirty shmem THP writes out both halves in one pass") {
  Thp m;
  REQUIRE(m.ev(EventKind::WriteFault, 0, m.pg, 1) == Status::Done);
  REQUIRE(m.ev(EventKind::WriteFault, 0, m.pg + 1, 2) == Status::Done);
  const int f = m.pte(0, m.pg).a;
  REQUIRE(m.s.folio[f].test(PG_large));
  REQUIRE(m.ev(EventKind::Reclaim, 0, 0, f) == Status::Done);
  CHECK(m.pte(0, m.pg).kind == PteKind::None);
  CHECK(m.pte(0, m.pg + 1).kind == PteKind::None);
  // shmem_writeout put the tail on folio_list: both indices hold a swap entry.
  CHECK(m.pc(0).kind == PcKind::Swap);
  CHECK(m.pc(1).kind == PcKind::Swap);
  CHECK(read_value(m.s, 0, m.pg) == 1);
  CHECK(read_value(m.s, 0, m.pg + 1) == 2);
}

TEST_CASE("reclaim of a clean shmem THP drops both halves") {
  Thp m;
  REQUIRE(m.ev(EventKind::ReadFault, 0, m.pg) == Status::Done);
  const int f = m.pte(0, m.pg).a;
  REQUIRE(f != NONE);
  REQUIRE(m.s.folio[f].test(PG_large));
  REQUIRE(!m.s.folio[f].test(PG_dirty));
  REQUIRE(m.ev(EventKind::Reclaim, 0, 0, f) == Status::Done);
  CHECK(m.pc(0).kind == PcKind::Empty);
  CHECK(m.pc(1).kind == PcKind::Empty);
  for (const Folio& fo : m.s.folio) CHECK(!fo.test(FOLIO_ALLOCATED));
}

TEST_CASE("rfc-pte-marker-pageout: reclaim unmaps PTEs with the PAGEOUT marker before the split") {
  // A maps the THP by a PMD, B by two PTEs.  try_to_unmap (TTU_SPLIT_HUGE_PMD)
  // zaps A's PMD without a marker and leaves markers on B's PTEs, for the
  // head and for the tail: the split in shmem_writeout comes after.
  Thp m("rfc-pte-marker-pageout");
  REQUIRE(m.ev(EventKind::WriteFault, 0, m.pg, 1) == Status::Done);
  const int f = m.pte(0, m.pg).a;
  REQUIRE((m.pte(0, m.pg).bits & PTE_PMD) != 0);
  REQUIRE(m.ev(EventKind::Fork, 0, 0) == Status::Done);
  m.map_by_ptes(1, f);
  REQUIRE(m.ev(EventKind::Reclaim, 0, 0, f) == Status::Done);
  CHECK(m.pte(0, m.pg).kind == PteKind::None);
  CHECK(m.pte(0, m.pg + 1).kind == PteKind::None);
  for (int i = 0; i < MAX_FOLIO_PAGES; i++) {
    CHECK(m.pte(1, m.pg + i).kind == PteKind::Marker);
    CHECK((m.pte(1, m.pg + i).a & enc::PTE_MARKER_PAGEOUT) != 0);
    CHECK(m.pc(i).kind == PcKind::Swap);
  }
}

TEST_CASE("MADV_PAGEOUT of a PTE-mapped shmem THP: split_folio unmaps every PTE, no marker, nothing written") {
  Thp m("rfc-pte-marker-pageout");
  REQUIRE(m.ev(EventKind::WriteFault, 0, m.pg, 1) == Status::Done);
  const int f = m.pte(0, m.pg).a;
  REQUIRE(m.ev(EventKind::SplitPmd, 0, m.pg) == Status::Done);  // file PMD zapped, folio still large
  REQUIRE(m.s.folio[f].test(PG_large));
  m.map_by_ptes(0, f);
  REQUIRE(m.ev(EventKind::MadvPageout, 0, m.pg) == Status::Done);
  // unmap_folio: try_to_unmap of every PTE, not only the page madvised, and
  // no PAGEOUT marker (not reclaim); the re-read PTE is none, so madvise
  // moves on and nothing goes to swap.
  CHECK(m.pte(0, m.pg).kind == PteKind::None);
  CHECK(m.pte(0, m.pg + 1).kind == PteKind::None);
  REQUIRE(m.pc(0).kind == PcKind::Folio);
  REQUIRE(m.pc(1).kind == PcKind::Folio);
  CHECK(!m.s.folio[m.pc(0).a].test(PG_large));
  CHECK(m.pc(1).a != m.pc(0).a);
  CHECK(read_value(m.s, 0, m.pg) == 1);
}

}  // TEST_SUITE
