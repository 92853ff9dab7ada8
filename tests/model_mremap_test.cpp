// mremap (model/mremap.cpp): move_page_tables / move_ptes.
#include "model/pagemap_scan.h"
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

TEST_SUITE("model: mremap") {

TEST_CASE("PTEs, swap entries and markers move; soft-dirty is set; ghost and pins follow") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  m.pageout(0, pg + 1);
  m.st(EventKind::ClearRefs, 0, 0);
  REQUIRE(m.pin(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(m.st(EventKind::Mremap, 0, pg) == Status::Done);
  const int to = m.s.proc[0].vma[0].start;
  CHECK(to == 2);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.folio(0, to) == f);
  CHECK(m.pte(0, to + 1).kind == PteKind::Swap);
  CHECK((m.pte(0, to).bits & PTE_SOFT_DIRTY) != 0);
  CHECK((m.pte(0, to + 1).bits & PTE_SOFT_DIRTY) != 0);
  CHECK((m.s.proc[0].pinned & (1u << to)) != 0);
  CHECK(m.val(0, to) == 1);
  CHECK(m.val(0, to + 1) == 2);
  CHECK(m.model1_holds());
}

TEST_CASE("without UFFD_FEATURE_EVENT_REMAP the uffd-wp bits and markers are cleared and the VMA unregistered") {
  Machine m;
  int ino = shmem_create(m.s, 2);
  int pg = do_mmap(m.s, 0, VmaKind::SharedAnon, 2, VM_UFFD_WP, ino, 0, m.cfg);
  m.write(0, pg, 1);
  m.st(EventKind::UffdWpProtect, 0, pg);
  m.st(EventKind::UffdWpProtect, 0, pg + 1);  // a none PTE: a uffd-wp marker
  REQUIRE(m.pte(0, pg + 1).kind == PteKind::Marker);
  REQUIRE(m.st(EventKind::Mremap, 0, pg) == Status::Done);
  const int to = m.s.proc[0].vma[0].start;
  CHECK((m.pte(0, to).bits & PTE_UFFD_WP) == 0);
  CHECK(m.pte(0, to + 1).kind == PteKind::None);
  CHECK((m.s.proc[0].vma[0].flags & VM_UFFD_WP) == 0);
  CHECK(m.check("uffd_wp_persistence") == 0);
}

TEST_CASE("no room to move is a capacity outcome, never a silent no-op") {
  Machine m;
  int pg = m.anon(3);
  CHECK(m.st(EventKind::Mremap, 0, pg) == Status::OutOfCapacity);
}

TEST_CASE("MREMAP_DONTUNMAP: the pages move, the old VMA stays with none PTEs, no anon_vma and no VM_LOCKED") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  REQUIRE(m.st(EventKind::Mlock, 0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(m.st(EventKind::MremapDontunmap, 0, pg) == Status::Done);
  const Vma& old = m.s.proc[0].vma[0];
  const Vma& moved = m.s.proc[0].vma[1];
  CHECK(old.start == pg);
  CHECK(old.npages == 2);
  CHECK((old.flags & (VM_LOCKED | VMA_ANON_VMA)) == 0);
  CHECK(moved.start == 2);
  CHECK((moved.flags & VM_LOCKED) != 0);
  CHECK(m.pte(0, pg).kind == PteKind::None);
  CHECK(m.folio(0, moved.start) == f);
  CHECK(m.val(0, moved.start + 1) == 2);
  CHECK(m.val(0, pg) == 0);
  m.write(0, pg, 3);  // a fresh page, not the moved one
  CHECK(m.folio(0, pg) != f);
  CHECK(m.model1_holds());
  // No free VMA slot for a second copy: capacity, never a silent no-op.
  CHECK(m.st(EventKind::MremapDontunmap, 0, moved.start) == Status::OutOfCapacity);
}

TEST_CASE("shrink_vma zaps the tail (markers too); expand_vma grows in place or fails with ENOMEM, or moves") {
  Machine m;
  int pg = m.anon(3);
  m.write(0, pg, 1);
  m.write(0, pg + 2, 2);
  REQUIRE(m.st(EventKind::MadvGuardInstall, 0, pg + 1) == Status::Done);
  REQUIRE(m.st(EventKind::MremapShrink, 0, pg, 1) == Status::Done);
  CHECK(m.s.proc[0].vma[0].npages == 1);
  CHECK(m.pte(0, pg + 1).kind == PteKind::None);
  CHECK(m.pte(0, pg + 2).kind == PteKind::None);
  CHECK(m.check("guard_regions") == 0);
  CHECK(m.check("swap_accounting") == 0);
  // Grow back in place: the new pages are empty.
  REQUIRE(m.st(EventKind::MremapExpand, 0, pg, 3) == Status::Done);
  CHECK(m.s.proc[0].vma[0].start == pg);
  CHECK(m.s.proc[0].vma[0].npages == 3);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(0, pg + 2) == 0);
  // A VMA right after: no room in place; without MREMAP_MAYMOVE nothing changes.
  REQUIRE(m.st(EventKind::MremapShrink, 0, pg, 1) == Status::Done);
  int q = m.anon(1);
  CHECK(q == pg + 1);
  const State before = m.s;
  CHECK(m.st(EventKind::MremapExpand, 0, pg, 2) == Status::Done);
  CHECK(m.s == before);
  REQUIRE(m.st(EventKind::MremapExpandMaymove, 0, pg, 2) == Status::Done);
  CHECK(m.s.proc[0].vma[0].start == 2);
  CHECK(m.s.proc[0].vma[0].npages == 2);
  CHECK(m.val(0, 2) == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("expand_vma of an mlocked VMA populates the new part (populate_expand)") {
  Machine m;
  int pg = m.anon(1);
  REQUIRE(m.st(EventKind::Mlock, 0, pg) == Status::Done);
  REQUIRE(m.st(EventKind::MremapExpand, 0, pg, 0) == Status::Done);  // arg 0: one page more
  CHECK(m.pte(0, pg + 1).kind == PteKind::Present);
  CHECK(m.check("mlock_resident") == 0);
}

}  // TEST_SUITE

TEST_SUITE("model: PAGEMAP_SCAN over a range") {

TEST_CASE("do_pagemap_scan: argument errors, max_pages and vec_len stop the walk at walk_end") {
  Machine m;
  int pg = m.anon(4);
  m.s.proc[0].vma[0].flags |= VM_UFFD_WP;
  m.s.proc[0].vma[0].flags2 |= VM_UFFD_WP_ASYNC | VM_UFFD_WP_UNPOPULATED;
  for (int i = 0; i < 4; i++) m.st(EventKind::UffdWpProtect, 0, pg + i);
  m.write(0, pg, 1);
  m.write(0, pg + 2, 1);
  PmScanArg a;
  a.start = pg;
  a.npages = 4;
  a.vec_len = 4;
  a.category_mask = a.return_mask = PAGE_IS_WRITTEN;
  PmScanResult r = do_pagemap_scan(m.s, 0, a, m.cfg);
  REQUIRE(r.unknown.empty());
  CHECK(r.ret == 2);
  CHECK(r.walk_end == pg + 4);
  REQUIRE(r.regions.size() == 2);
  CHECK(r.regions[1].start == pg + 2);
  a.vec_len = 1;  // the buffer fills at the second region
  r = do_pagemap_scan(m.s, 0, a, m.cfg);
  CHECK(r.ret == 1);
  CHECK(r.walk_end == pg + 2);
  a.vec_len = 4;
  a.max_pages = 1;
  a.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
  r = do_pagemap_scan(m.s, 0, a, m.cfg);
  CHECK(r.ret == 1);
  CHECK((m.pte(0, pg).bits & PTE_UFFD_WP) != 0);   // write-protected by the scan
  CHECK((m.pte(0, pg + 2).bits & PTE_UFFD_WP) == 0);  // beyond max_pages: left alone
  a.flags = 0x100;
  CHECK(do_pagemap_scan(m.s, 0, a, m.cfg).ret == -EINVAL);
  a.flags = 0;
  a.return_mask = 0x1000;
  CHECK(do_pagemap_scan(m.s, 0, a, m.cfg).ret == -EINVAL);
}

TEST_CASE("a none PTE where the answer depends on page tables is reported as unknown, not guessed") {
  Machine m;
  int pg = m.anon(2);
  m.s.proc[0].vma[0].flags |= VM_UFFD_WP;
  m.s.proc[0].vma[0].flags2 |= VM_UFFD_WP_ASYNC | VM_UFFD_WP_UNPOPULATED;
  PmScanArg a;
  a.start = pg;
  a.npages = 2;
  a.vec_len = 2;
  a.category_mask = a.return_mask = PAGE_IS_WRITTEN;  // the fast path reports a none PTE in a table as written
  CHECK(!do_pagemap_scan(m.s, 0, a, m.cfg).unknown.empty());
  a.category_mask = 0;
  a.category_anyof_mask = PAGE_IS_PRESENT;  // the general path: a hole and a none PTE agree
  CHECK(do_pagemap_scan(m.s, 0, a, m.cfg).unknown.empty());
}

TEST_CASE("CHECK_WPASYNC on a VMA that is not uffd-wp async is -EPERM") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  PmScanArg a;
  a.start = pg;
  a.npages = 1;
  a.vec_len = 1;
  a.flags = PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC;
  a.category_mask = a.return_mask = PAGE_IS_WRITTEN;
  CHECK(do_pagemap_scan(m.s, 0, a, m.cfg).ret == -EPERM);
}

}  // TEST_SUITE

TEST_SUITE("model: swapoff") {

TEST_CASE("try_to_unuse: shared swap entries come back read-only and shared, exclusive ones exclusive; the device goes") {
  Machine m;
  int pg = m.anon(2);
  m.write(0, pg, 1);
  m.write(0, pg + 1, 2);
  m.pageout(0, pg);
  m.pageout(0, pg + 1);
  int c = m.fork(0);
  REQUIRE(m.pte(0, pg).kind == PteKind::Swap);
  REQUIRE(m.st(EventKind::Swapoff, 0, 0, 0) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);
  CHECK(m.folio(0, pg) == m.folio(c, pg));
  CHECK(m.F(m.folio(0, pg)).anon_exclusive == 0);
  CHECK((m.s.swap[0].flags & SWP_USED) == 0);
  CHECK(m.slots_in_use() == 0);
  CHECK(m.model1_holds());
  m.write(0, pg, 3);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.st(EventKind::Swapoff, 0, 0, 0) == Status::Disabled);  // no such device any more
}

TEST_CASE("swapoff of an exclusive entry maps an exclusive page; a shmem entry returns to the page cache") {
  Machine m(/*cfg*/ "v6.18", SWAP_SYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  m.pageout(0, pg);
  REQUIRE(m.pte(0, pg).kind == PteKind::Swap);
  REQUIRE((m.pte(0, pg).bits & PTE_SWP_EXCLUSIVE) != 0);
  int ino = shmem_create(m.s, 1);
  int q = do_mmap(m.s, 0, VmaKind::SharedAnon, 1, 0, ino, 0, m.cfg);
  m.write(0, q, 2);
  m.pageout(0, q);
  REQUIRE(m.s.inode[ino].pc[0].kind == PcKind::Swap);
  REQUIRE(m.st(EventKind::Swapoff, 0, 0, 0) == Status::Done);
  CHECK(m.pte_exclusive_page(0, pg));
  CHECK(m.s.inode[ino].pc[0].kind == PcKind::Folio);
  CHECK(m.val(0, q) == 2);
  CHECK(m.model1_holds());
}

}  // TEST_SUITE

TEST_SUITE("model: uffd features and PAGEMAP_SCAN") {

TEST_CASE("WP_ASYNC: a write to a protected page resolves in the kernel; PAGEMAP_SCAN reports and re-protects it") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.s.proc[0].vma[0].flags2 |= VM_UFFD_WP_ASYNC | VM_UFFD_WP_UNPOPULATED;
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Marker);  // WP_UNPOPULATED
  CHECK((pagemap_scan_categories(m.s, 0, pg, m.cfg) & PAGE_IS_WRITTEN) == 0);
  REQUIRE(m.write(0, pg, 1) == Status::Done);     // no userfault
  CHECK((m.pte(0, pg).bits & PTE_UFFD_WP) == 0);
  CHECK((pagemap_scan_categories(m.s, 0, pg, m.cfg) & PAGE_IS_WRITTEN) != 0);
  REQUIRE(m.st(EventKind::PagemapScanWp, 0, pg) == Status::Done);
  CHECK((m.pte(0, pg).bits & PTE_UFFD_WP) != 0);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) == 0);
  CHECK(m.check("uffd_wp_persistence") == 0);
  CHECK(m.val(0, pg) == 1);
}

TEST_CASE("without WP_ASYNC the same write is a userfault; PM_SCAN_CHECK_WPASYNC refuses the VMA") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.write(0, pg, 1);
  m.st(EventKind::UffdWpProtect, 0, pg);
  CHECK(m.write(0, pg, 2) == Status::WpFault);
  State before = m.s;
  m.st(EventKind::PagemapScanWp, 0, pg);
  CHECK(m.s == before);
}

TEST_CASE("EVENT_FORK: the child VMA stays registered and keeps the uffd-wp bit") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.s.proc[0].vma[0].flags2 |= VM_UFFD_EVENT_FORK;
  m.write(0, pg, 1);
  m.st(EventKind::UffdWpProtect, 0, pg);
  int c = m.fork(0);
  CHECK((m.s.proc[c].vma[0].flags & VM_UFFD_WP) != 0);
  CHECK((m.pte(c, pg).bits & PTE_UFFD_WP) != 0);
  CHECK(m.write(c, pg, 2) == Status::WpFault);
  CHECK(m.check("uffd_wp_persistence") == 0);
}

}  // TEST_SUITE
