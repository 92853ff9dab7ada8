// fork: copy_page_range -> copy_present_ptes / copy_nonpresent_pte, and
// GUP pins around it (folio_try_dup_anon_rmap_pte, gup_must_unshare).
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

TEST_SUITE("model: fork and pins") {

TEST_CASE("copy_present_pte: both PTEs write-protected, exclusivity cleared, mapcount 2") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  int c = m.fork(0);
  CHECK(m.s.proc[c].parent == 0);
  CHECK(m.folio(c, pg) == f);
  CHECK_FALSE((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK_FALSE((m.pte(c, pg).bits & PTE_WRITE) != 0);
  CHECK((m.pte(c, pg).bits & PTE_DIRTY) != 0);  // a private page stays dirty in the child
  CHECK(m.F(f).anon_exclusive == 0);
  CHECK(folio_mapcount(m.s, f) == 2);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) == 0);
  CHECK((m.s.proc[c].vma[0].flags & VMA_ANON_VMA) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("fork of the zero page: copied only when the VMA has an anon_vma") {
  Machine m;
  int pg = m.anon(2);
  m.read(0, pg);
  int c = m.fork(0);
  // A zero-page read does not anon_vma_prepare: vma_needs_copy is false.
  CHECK(m.pte(c, pg).kind == PteKind::None);
  m.write(0, pg + 1, 1);
  int d = m.fork(0);
  CHECK(m.pte(d, pg).kind == PteKind::Present);
  CHECK(m.pte(d, pg).a == NONE);
  CHECK_FALSE((m.pte(d, pg).bits & PTE_WRITE) != 0);
  CHECK(m.val(d, pg) == 0);
  CHECK(m.folios_allocated() == 1);
  (void)c;
}

TEST_CASE("vma_needs_copy: a VMA that never had an anon page is not copied") {
  Machine m;
  int pg = m.anon(1);
  int c = m.fork(0);
  CHECK(m.pte(c, pg).kind == PteKind::None);
  CHECK(m.s.proc[c].vma[0].kind == VmaKind::PrivateAnon);
}

// Issue 2, item 8, second case.
TEST_CASE("v6.18 async swap: fork after pageout shares the swap entry; COW keeps the child's value") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  REQUIRE((m.pte(0, pg).bits & PTE_SWP_EXCLUSIVE) != 0);
  m.writeback_end(f);
  m.swapcache_drop(f);
  int c = m.fork(0);
  // copy_nonpresent_pte: swap_duplicate and "Mark the swap entry as shared".
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK((m.pte(0, pg).bits & PTE_SWP_EXCLUSIVE) == 0);
  CHECK(m.pte(c, pg).kind == PteKind::Swap);
  CHECK((m.pte(c, pg).bits & PTE_SWP_EXCLUSIVE) == 0);
  CHECK(m.pte(c, pg) == m.pte(0, pg));
  CHECK(m.slot(0, 0).count == 2);
  CHECK(m.model1_holds());
  CHECK(m.val(c, pg) == 1);

  // The parent's write: do_swap_page cannot map it exclusive (bit cleared,
  // the slot still counts the child), do_wp_page copies.
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  const int pf = m.folio(0, pg);
  CHECK(m.F(pf).anon_exclusive == 1);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.pte(c, pg).kind == PteKind::Swap);
  CHECK(m.slot(0, 0).count == 1);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.model1_holds());

  // The child reads the old value back, then owns it alone.
  REQUIRE(m.read(c, pg) == Status::Done);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.folio(c, pg) != pf);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.model1_holds());
  REQUIRE(m.write(c, pg, 3) == Status::Done);
  CHECK(m.val(0, pg) == 2);
  CHECK(m.val(c, pg) == 3);
  CHECK(m.model1_holds());
}

TEST_CASE("fork while the paged-out folio is still in the swap cache") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);  // under writeback, in the swap cache
  int c = m.fork(0);
  CHECK(m.slot(0, 0).count == 2);
  CHECK(m.mc(c, pg) == 1);
  // Neither may reuse the cached folio for writing while the other's swap PTE exists.
  m.read(c, pg);
  CHECK(m.folio(c, pg) == f);
  CHECK_FALSE((m.pte(c, pg).bits & PTE_WRITE) != 0);
  m.write(c, pg, 2);
  CHECK(m.folio(c, pg) != f);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.model1_holds());
}

// Issue 2, item 8, third case.
TEST_CASE("v6.18 async swap: MADV_PAGEOUT on a page mapped by parent and child does nothing") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
  CHECK(m.pageout(c, pg) == Status::Done);
  CHECK(m.s == before);
  // After the child's COW, each folio is mapped once: both can be paged out.
  m.write(c, pg, 2);
  m.pageout(0, pg);
  m.pageout(c, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK(m.pte(c, pg).kind == PteKind::Swap);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(c, pg) == 2);
  CHECK(m.model1_holds());
}

// Issue 2, item 8, fourth case.
TEST_CASE("v6.18: a pinned exclusive page is copied at fork and cannot be paged out") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  REQUIRE(m.pin(0, pg) == Status::Done);
  CHECK(m.s.proc[0].pin_folio[pg] == f);
  CHECK(folio_maybe_dma_pinned(m.s, f));
  int c = m.fork(0);
  // folio_try_dup_anon_rmap_pte -> -EBUSY -> copy_present_page.
  CHECK(m.folio(0, pg) == f);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);  // the parent keeps it writable and exclusive
  CHECK(m.F(f).anon_exclusive == 1);
  const int g = m.folio(c, pg);
  CHECK(g != f);
  CHECK(m.F(g).anon_exclusive == 1);
  CHECK((m.pte(c, pg).bits & (PTE_WRITE | PTE_DIRTY)) == (PTE_WRITE | PTE_DIRTY));
  CHECK(m.val(c, pg) == 1);
  CHECK(m.model1_holds());
  // MADV_PAGEOUT: shrink_folio_list keeps a possibly pinned anon folio
  // out of the swap cache; nothing changes.
  const State before = m.s;
  CHECK(m.pageout(0, pg) == Status::Done);
  CHECK(m.s == before);
  CHECK(m.reclaim(f) == Status::Disabled);
  // The child's copy is not pinned and goes out.
  m.pageout(c, pg);
  CHECK(m.pte(c, pg).kind == PteKind::Swap);
  // After unpin the parent's page can go too.
  m.unpin(0, pg);
  m.pageout(0, pg);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);
  CHECK(m.model1_holds());
}

TEST_CASE("try_to_unmap_one refuses a pinned exclusive page that is already in the swap cache") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  m.read(0, pg);             // exclusive swap-in, the folio stays in the swap cache
  REQUIRE(m.F(f).test(PG_swapcache));
  REQUIRE(m.pin(0, pg) == Status::Done);  // exclusive: no unshare needed
  CHECK(m.folio(0, pg) == f);
  REQUIRE(m.reclaim(f) == Status::Done);  // folio_try_share_anon_rmap_pte fails: activated
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("v6.18 gup_must_unshare: a R/O pin of a page shared after fork unshares it first") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  int c = m.fork(0);
  REQUIRE(m.pin(c, pg) == Status::Done);
  const int g = m.folio(c, pg);
  CHECK(g != f);                              // FAULT_FLAG_UNSHARE: wp_page_copy
  CHECK(m.s.proc[c].pin_folio[pg] == g);
  CHECK(m.F(g).anon_exclusive == 1);
  CHECK_FALSE((m.pte(c, pg).bits & PTE_WRITE) != 0);  // unshare maps read-only
  CHECK(m.model1_holds());
  m.write(c, pg, 2);                           // exclusive: reused, the pin sees it
  CHECK(m.folio(c, pg) == g);
  CHECK(m.check("cow_isolation") == 0);
}

TEST_CASE("gup_must_unshare: the zero page in a private mapping is replaced before a pin") {
  Machine m;
  int pg = m.anon(1);
  m.read(0, pg);
  REQUIRE(m.pin(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK(m.val(0, pg) == 0);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) == f);
  CHECK(m.check("cow_isolation") == 0);
}

TEST_CASE("pin bookkeeping: one pin per page, unpin without a pin is disabled, pins die with the process") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  CHECK(m.unpin(0, pg) == Status::Disabled);
  REQUIRE(m.pin(0, pg) == Status::Done);
  CHECK(m.pin(0, pg) == Status::Disabled);
  CHECK(m.pin(0, 3) == Status::Sigsegv);
  m.dontneed(0, pg);  // the mapping goes, the pin keeps the folio
  CHECK(m.folios_allocated() == 1);
  CHECK(m.check("swap_accounting") == 0);
  CHECK(m.exit(0) == Status::Done);
  CHECK(m.folios_allocated() == 0);
}

TEST_CASE("fork copies the soft-dirty and uffd-wp bits of swap PTEs as the kernel does") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1, VM_UFFD_WP);
  m.write(0, pg, 1);
  m.st(EventKind::UffdWpProtect, 0, pg);
  m.pageout(0, pg);
  REQUIRE((m.pte(0, pg).bits & PTE_UFFD_WP) != 0);
  int c = m.fork(0);
  // dup_userfaultfd without UFFD_FEATURE_EVENT_FORK: the child VMA is not
  // registered, so copy_nonpresent_pte clears the swap PTE's uffd-wp bit.
  CHECK((m.pte(c, pg).bits & PTE_UFFD_WP) == 0);
  CHECK((m.pte(0, pg).bits & PTE_UFFD_WP) != 0);
  CHECK((m.pte(c, pg).bits & PTE_SOFT_DIRTY) != 0);
}

}  // TEST_SUITE
