// Folio migration (model/migrate.cpp): migration entries, their bits, and
// what fork / mprotect / uffd-wp / zap / faults do to them.
#include "model/migrate.h"
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {
Status unmap(Machine& m, int f) { return m.st(EventKind::MigrateUnmap, 0, 0, f); }
Status move(Machine& m, int f) { return m.st(EventKind::MigrateMove, 0, 0, f); }
bool all_hold(const Machine& m) {
  for (const Invariant& i : invariants())
    if (i.check(m.s, m.cfg)) return false;
  return true;
}
}  // namespace

TEST_SUITE("model: migration") {

TEST_CASE("a writable exclusive page: writable migration entry, then a new folio, writable and exclusive") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 2);
  const int f = m.folio(0, pg);
  const uint64_t before = m.pm(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  const Pte e = m.pte(0, pg);
  CHECK(e.kind == PteKind::Migration);
  CHECK((e.bits & PTE_WRITE) != 0);
  CHECK((m.F(f).anon_exclusive & 1) == 0);  // folio_try_share_anon_rmap_pte cleared it
  CHECK((m.F(f).flags2 & FOLIO_MIGRATING) != 0);
  // pagemap: PM_SWAP with the SWP_MIGRATION_WRITE type and the PFN; mincore 1.
  const uint64_t pm = m.pm(0, pg);
  CHECK((pm & enc::PM_SWAP) != 0);
  CHECK((pm & (enc::PM_PRESENT | enc::PM_MMAP_EXCLUSIVE)) == 0);
  CHECK(enc::pagemap_frame_type(pm & enc::PM_PFRAME_MASK) == enc::MAX_SWAPFILES + enc::SWP_HWPOISON_NUM + 2);
  CHECK(enc::pagemap_frame_offset(pm & enc::PM_PFRAME_MASK) == (before & enc::PM_PFRAME_MASK));
  CHECK(m.mc(0, pg) == 1);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.reclaim(f) == Status::Disabled);  // isolated: on no LRU list
  CHECK(all_hold(m));
  REQUIRE(move(m, f) == Status::Done);
  const int g = m.folio(0, pg);
  CHECK(g != f);
  CHECK(!m.F(f).test(FOLIO_ALLOCATED));
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.pte_exclusive_page(0, pg));
  CHECK(m.val(0, pg) == 2);
  CHECK((m.pm(0, pg) & enc::PM_PFRAME_MASK) != (before & enc::PM_PFRAME_MASK));  // a new PFN
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) != 0);
  CHECK(all_hold(m));
}

TEST_CASE("a read-only exclusive page keeps PG_anon_exclusive through a readable-exclusive entry") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.st(EventKind::MprotectRead, 0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)) == PTE_SWP_EXCLUSIVE);
  CHECK(enc::pagemap_frame_type(m.pm(0, pg) & enc::PM_PFRAME_MASK) ==
        enc::MAX_SWAPFILES + enc::SWP_HWPOISON_NUM + 1);
  REQUIRE(move(m, f) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);
  CHECK(m.pte_exclusive_page(0, pg));
  // mprotect RW may upgrade it again (can_change_pte_writable: exclusive).
  REQUIRE(m.st(EventKind::MprotectReadWrite, 0, pg) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(all_hold(m));
}

TEST_CASE("a COW-shared page: readable entries in both mms, the new folio is shared, not exclusive") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 3);
  const int c = m.fork(0);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Migration);
  CHECK(m.pte(c, pg).kind == PteKind::Migration);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)) == 0);
  REQUIRE(move(m, f) == Status::Done);
  const int g = m.folio(0, pg);
  CHECK(m.folio(c, pg) == g);
  CHECK(m.F(g).anon_exclusive == 0);
  m.write(c, pg, 1);  // COW in the child
  CHECK(m.val(0, pg) == 3);
  CHECK(all_hold(m));
}

TEST_CASE("fork on a writable migration entry: both readable, the child without uffd-wp; soft-dirty kept") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  REQUIRE((m.pte(0, pg).bits & PTE_WRITE) != 0);
  const int c = m.fork(0);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)) == 0);
  CHECK(m.pte(c, pg).kind == PteKind::Migration);
  CHECK((m.pte(c, pg).bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE)) == 0);
  REQUIRE(move(m, f) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);
  CHECK(m.F(m.folio(0, pg)).anon_exclusive == 0);
  m.write(0, pg, 2);
  CHECK(m.val(c, pg) == 1);
  CHECK(all_hold(m));
}

TEST_CASE("uffd-wp survives migration; UFFDIO_WRITEPROTECT on a writable entry makes it readable-exclusive first") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_SWP_EXCLUSIVE | PTE_UFFD_WP)) == (PTE_SWP_EXCLUSIVE | PTE_UFFD_WP));
  CHECK((m.pm(0, pg) & enc::PM_UFFD_WP) != 0);
  REQUIRE(move(m, f) == Status::Done);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_UFFD_WP)) == PTE_UFFD_WP);
  CHECK(m.pte_exclusive_page(0, pg));
  CHECK(m.write(0, pg, 2) == Status::WpFault);
  CHECK(all_hold(m));
}

TEST_CASE("a fault on a migration entry completes the migration, then faults on the new folio") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  CHECK(m.write(0, pg, 2) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.pte(0, pg).a != f);
  CHECK(m.val(0, pg) == 2);
  CHECK(all_hold(m));
}

TEST_CASE("a zapped migration entry: the migration finishes with nothing to map, no folio leaks") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  REQUIRE(m.dontneed(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.F(f).test(FOLIO_ALLOCATED));  // migrate_pages still holds it
  CHECK(m.check("swap_accounting") == 0);
  REQUIRE(move(m, f) == Status::Done);
  CHECK(m.folios_allocated() == 0);
  CHECK(all_hold(m));
}

TEST_CASE("pins: an exclusive pinned page is not unmapped (folio_try_share_anon_rmap_pte fails)") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.pin(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  const State before = m.s;
  CHECK(unmap(m, f) == Status::Disabled);
  CHECK(m.s == before);
  // move_pages reports the page's errno and changes nothing.
  CHECK(m.st(EventKind::MovePages, 0, pg) == Status::Done);
  CHECK(m.s == before);
}

TEST_CASE("v5.14: a pinned page is unmapped for migration and mapped back; the pin diverges only after fork and a write") {
  // Without PG_anon_exclusive try_to_migrate_one unmaps a pinned page; the
  // move fails on the pin's references and the same page is mapped back.
  // pin_coherence/exclusive-pin-diverged must not fire on the entry (it
  // names the pinned page), but must fire once fork demoted the entry to
  // readable and the pinner's write COWed away (page_count != 1).
  Machine m("v5.14");
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.pin(0, pg) == Status::Done);
  REQUIRE((m.s.proc[0].ghost2[pg] & GHOST2_PIN_EXCLUSIVE) != 0);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Migration);
  CHECK(m.check("pin_coherence") == 0);
  m.fork(0);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);  // make_readable_migration_entry in the parent
  CHECK(m.check("pin_coherence") == 0);
  REQUIRE(move(m, f) == Status::Done);
  CHECK(m.folio(0, pg) == f);  // -EAGAIN: mapped back
  CHECK(m.check("pin_coherence") == 0);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) != f);
  CHECK((m.check("pin_coherence") & facet_bit("pin_coherence", "exclusive-pin-diverged")) != 0);
}

TEST_CASE("not migrated: the zero page, swap-cache folios, folios under writeback, shared folios by move_pages") {
  Machine m;
  int pg = m.anon(2);
  m.read(0, pg);  // the zero page
  const State z = m.s;
  CHECK(m.st(EventKind::MovePages, 0, pg) == Status::Done);
  CHECK(m.s == z);
  m.write(0, pg + 1, 1);
  const int f = m.folio(0, pg + 1);
  m.fork(0);
  const State sh = m.s;
  CHECK(m.st(EventKind::MovePages, 0, pg + 1) == Status::Done);  // -EACCES without MPOL_MF_MOVE_ALL
  CHECK(m.s == sh);
  CHECK(unmap(m, f) == Status::Done);  // compaction moves shared folios
}

TEST_CASE("mremap and clear_refs act on migration entries like on swap PTEs") {
  Machine m;
  REQUIRE(m.cfg.CONFIG_MEM_SOFT_DIRTY);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(unmap(m, f) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_SOFT_DIRTY) != 0);
  REQUIRE(m.st(EventKind::ClearRefs, 0, 0) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_SOFT_DIRTY) == 0);
  CHECK((m.pm(0, pg) & enc::PM_SOFT_DIRTY) == 0);
  REQUIRE(m.st(EventKind::Mremap, 0, pg) == Status::Done);
  const int to = m.s.proc[0].vma[0].start;
  CHECK(m.pte(0, to).kind == PteKind::Migration);
  CHECK((m.pte(0, to).bits & PTE_SOFT_DIRTY) != 0);  // move_soft_dirty_pte
  REQUIRE(move(m, f) == Status::Done);
  CHECK((m.pte(0, to).bits & PTE_SOFT_DIRTY) != 0);
  CHECK(all_hold(m));
}

TEST_CASE("every interleaving of migration with fork, faults, mprotect, uffd-wp and zap keeps the invariants") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvDontneed, EventKind::MprotectRead,
                EventKind::MprotectReadWrite, EventKind::UffdWpProtect, EventKind::UffdWpUnprotect};
  a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::MigrateUnmap, EventKind::MigrateMove};
  std::string why;
  SearchResult r = bfs(m.s, m.cfg, a, 6, [&](const State& s) {
    for (const Invariant& i : invariants())
      if (i.check(s, m.cfg)) {
        why = std::string(i.name) + ": " + i.explain(s, m.cfg);
        return true;
      }
    return false;
  });
  (void)pg;
  INFO(why);
  CHECK(!r.found);
  CHECK(!r.out_of_capacity);
  CHECK(r.states > 1000);
}

}  // TEST_SUITE

TEST_SUITE("model: MADV_COLLAPSE") {

TEST_CASE("collapse of two small pages: a PMD-mapped exclusive THP with the data; old folios freed") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  REQUIRE(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(m.folio(0, pg + 1) == f);
  CHECK(m.F(f).test(PG_large));
  CHECK((m.pte(0, pg).bits & (PTE_PMD | PTE_WRITE | PTE_DIRTY)) == (PTE_PMD | PTE_WRITE | PTE_DIRTY));
  CHECK(m.F(f).anon_exclusive == 3);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(0, pg + 1) == 2);
  CHECK(m.folios_allocated() == 1);
  CHECK(all_hold(m));
}

TEST_CASE("collapse refuses uffd-wp PTEs, empty PTEs of a uffd-armed VMA, pinned pages; nothing changes") {
  Machine m;
  int pg = m.anon(2, VM_UFFD_WP);
  m.write(0, pg, 1);
  State before = m.s;
  CHECK(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);  // the none PTE: SCAN_EXCEED_NONE_PTE
  CHECK(m.s == before);
  m.write(0, pg + 1, 2);
  m.st(EventKind::UffdWpProtect, 0, pg);
  before = m.s;
  CHECK(m.st(EventKind::MadvCollapse, 0, pg) == Status::Done);  // SCAN_PTE_UFFD_WP
  CHECK(m.s == before);
  Machine n;
  int q = n.anon(2);
  n.write(0, q, 1);
  REQUIRE(n.pin(0, q) == Status::Done);
  before = n.s;
  CHECK(n.st(EventKind::MadvCollapse, 0, q) == Status::Done);  // SCAN_PAGE_COUNT
  CHECK(n.s == before);
}

TEST_CASE("every interleaving of collapse with fork, pageout, writes and split keeps the invariants") {
  Machine m;
  m.anon(2);
  Alphabet a;
  a.per_page = {EventKind::ReadFault, EventKind::WriteFault, EventKind::MadvPageout, EventKind::MadvCollapse,
                EventKind::SplitPmd, EventKind::MadvDontneed};
  a.per_proc = {EventKind::Fork};
  a.per_folio = {EventKind::WritebackEnd, EventKind::SwapCacheDrop};
  std::string why;
  SearchResult r = bfs(m.s, m.cfg, a, 5, [&](const State& s) {
    for (const Invariant& i : invariants()) {
      if (i.name == std::string_view("pm_swap_accuracy") || i.name == std::string_view("soft_dirty_persistence") ||
          i.name == std::string_view("pagemap_exclusive"))
        continue;  // measures, not promises (docs/check.md)
      if (i.check(s, m.cfg)) {
        why = std::string(i.name) + ": " + i.explain(s, m.cfg);
        return true;
      }
    }
    return false;
  });
  std::string trace;
  for (const Event& e : r.trace)
    trace += std::string(event_kind_name(e.kind)) + "(" + std::to_string(e.proc) + "," + std::to_string(e.page) + "," +
             std::to_string(e.arg) + ") ";
  INFO(why);
  INFO(trace);
  CHECK(!r.found);
  CHECK(r.states > 1000);
}

}  // TEST_SUITE
