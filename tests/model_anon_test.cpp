// Private anonymous memory: do_anonymous_page, do_swap_page, do_wp_page,
// MADV_PAGEOUT through swap and back, observed through pagemap, mincore and
// reads (issue 2, item 8).  Every state checked against the four model I
// invariants along the way.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

TEST_SUITE("model: private anon") {

TEST_CASE("do_anonymous_page: a read maps the shared zero page, a write a new exclusive folio") {
  Machine m;
  int pg = m.anon(1);
  CHECK(m.pm(0, pg) == enc::PM_SOFT_DIRTY);  // VM_SOFTDIRTY on a new VMA, nothing mapped
  CHECK(m.read(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK(m.pte(0, pg).a == NONE);                 // my_zero_pfn
  CHECK_FALSE((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.folios_allocated() == 0);
  CHECK(m.pm(0, pg) == (enc::PM_PRESENT | enc::PM_SOFT_DIRTY | model_pfn(NONE, 0)));  // no PM_MMAP_EXCLUSIVE
  CHECK(m.val(0, pg) == 0);
  CHECK(m.write(0, pg, 2) == Status::Done);      // do_wp_page on the zero page: wp_page_copy
  const int f = m.folio(0, pg);
  CHECK(m.F(f).test(PG_anon));
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_DIRTY)) == (PTE_WRITE | PTE_DIRTY));
  CHECK(m.val(0, pg) == 2);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("do_anonymous_page: a first write allocates a writable, dirty, exclusive folio") {
  Machine m;
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK((m.pte(0, pg).bits & PTE_WRITE));
  CHECK((m.pte(0, pg).bits & PTE_DIRTY));
  CHECK((m.pte(0, pg).bits & PTE_SOFT_DIRTY));  // x86 pte_mkdirty sets _PAGE_SOFT_DIRTY
  CHECK((m.s.proc[0].vma[0].flags & VMA_ANON_VMA) != 0);
  CHECK(m.model1_holds());
}

TEST_CASE("faults outside a VMA or writes to a read-only VMA are SIGSEGV; exited processes do nothing") {
  Machine m;
  CHECK(m.read(0, 3) == Status::Sigsegv);
  int pg = do_mmap(m.s, 0, VmaKind::PrivateAnon, 1, 0, -1, 0, m.cfg);
  m.s.proc[0].vma[0].flags &= ~VM_WRITE;
  CHECK(m.write(0, pg, 1) == Status::Sigsegv);
  CHECK(m.read(0, pg) == Status::Done);
  CHECK(m.exit(0) == Status::Done);
  const State before = m.s;
  CHECK(m.read(0, pg) == Status::Disabled);
  CHECK(m.s == before);
}

// Issue 2, item 8, first case, under v6.18 with an async swap device.
TEST_CASE("v6.18 async swap: pageout, pagemap swap entry, mincore across the swap-cache drop, swap-in") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  const int f = m.folio(0, pg);
  REQUIRE(m.pageout(0, pg) == Status::Done);

  // try_to_unmap_one: a swap PTE with the exclusive bit; the folio is in the
  // swap cache, under writeback (async device).
  const Pte& spte = m.pte(0, pg);
  REQUIRE(spte.kind == PteKind::Swap);
  CHECK(spte.a == 0);
  CHECK(spte.b == 0);
  CHECK((spte.bits & PTE_SWP_EXCLUSIVE) != 0);
  CHECK(m.F(f).test(PG_swapcache));
  CHECK(m.F(f).test(PG_writeback));
  CHECK_FALSE(m.F(f).test(PG_dirty));  // folio_clear_dirty_for_io
  CHECK(m.F(f).anon_exclusive == 0);   // folio_try_share_anon_rmap_pte
  CHECK(m.slot(0, 0).count == 1);
  CHECK(m.slot(0, 0).has_cache == 1);

  // pagemap: present=0, swap=1, frame = type | offset << 5 (offset 1: slot 0
  // follows the swap header); soft-dirty from VM_SOFTDIRTY and the PTE.
  const uint64_t frame = 0 | (uint64_t{1} << enc::MAX_SWAPFILES_SHIFT);
  CHECK(m.pm(0, pg) == (enc::PM_SWAP | enc::PM_SOFT_DIRTY | frame));
  CHECK(m.pm(0, pg) == 0x4080000000000020ull);
  CHECK((m.pm(0, pg) & enc::PM_PRESENT) == 0);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) == 0);  // swap entries never get it
  CHECK(m.mc(0, pg) == 1);                              // in the swap cache
  CHECK(m.val(0, pg) == 1);
  CHECK(m.model1_holds());

  // The write completes; the clean folio stays in the swap cache.
  REQUIRE(m.writeback_end(f) == Status::Done);
  CHECK(m.slot(0, 0).content == 1);
  CHECK(m.mc(0, pg) == 1);
  CHECK(m.model1_holds());

  // A later reclaim pass drops it (__remove_mapping): mincore reads 0.
  REQUIRE(m.swapcache_drop(f) == Status::Done);
  CHECK_FALSE(m.F(f).test(FOLIO_ALLOCATED));
  CHECK(m.slot(0, 0).has_cache == 0);
  CHECK(m.slot(0, 0).count == 1);
  CHECK(m.mc(0, pg) == 0);
  CHECK(m.pm(0, pg) == 0x4080000000000020ull);  // the same swap entry
  CHECK(m.val(0, pg) == 1);                     // the data is on the device
  CHECK(m.model1_holds());

  // A read fault: do_swap_page trusts the exclusive bit and maps the page
  // writable but clean (only a write makes the PTE dirty).
  REQUIRE(m.read(0, pg) == Status::Done);
  const int g = m.folio(0, pg);
  CHECK(m.val(0, pg) == 1);
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK_FALSE((m.pte(0, pg).bits & PTE_DIRTY) != 0);
  CHECK(m.F(g).anon_exclusive == 1);
  CHECK((m.pm(0, pg) & (enc::PM_PRESENT | enc::PM_SWAP | enc::PM_MMAP_EXCLUSIVE)) ==
        (enc::PM_PRESENT | enc::PM_MMAP_EXCLUSIVE));
  CHECK(m.mc(0, pg) == 1);
  // swapin_readahead put the folio in the swap cache; this PTE's reference went.
  CHECK(m.F(g).test(PG_swapcache));
  CHECK(m.slot(0, 0).count == 0);
  CHECK(m.model1_holds());

  // The store needs no fault; the swap slot stays with the clean-then-dirty folio.
  REQUIRE(m.write(0, pg, 3) == Status::Done);
  CHECK(m.folio(0, pg) == g);
  CHECK(m.val(0, pg) == 3);
  CHECK(m.model1_holds());
}

TEST_CASE("pagemap frame of a swap entry on the second device: type 1") {
  Machine m("v6.18", SWAP_ASYNC);
  REQUIRE(swapon(m.s, SWAP_ASYNC) == 1);
  for (int i = 0; i < MAX_SLOTS; i++) m.s.swap[0].slot[i].count = 1;  // device 0 full
  int pg = m.anon(1);
  m.cfg.CONFIG_MEM_SOFT_DIRTY = false;  // as on the 6.18 machines: bit 55 stays 0
  m.s.proc[0].vma[0].flags &= ~VM_SOFTDIRTY;
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).a == 1);
  CHECK(m.pm(0, pg) == (enc::PM_SWAP | 1 | (uint64_t{1} << 5)));
  m.cfg.pagemap_show_pfn = false;  // no CAP_SYS_ADMIN: the frame reads as zero
  CHECK(m.pm(0, pg) == enc::PM_SWAP);
}

TEST_CASE("do_swap_page: a write fault on an exclusive entry reuses the folio and frees the slot") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  m.pageout(0, pg);
  m.writeback_end(f);
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.folio(0, pg) == f);                     // the swap-cache folio itself
  CHECK_FALSE(m.F(f).test(PG_swapcache));         // should_try_to_free_swap -> folio_free_swap
  CHECK(m.slots_in_use() == 0);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_DIRTY)) == (PTE_WRITE | PTE_DIRTY));
  CHECK(m.val(0, pg) == 2);
  CHECK(m.model1_holds());
}

TEST_CASE("do_swap_page: SWP_SYNCHRONOUS_IO with swap count 1 skips the swap cache") {
  Machine m("v6.18", SWAP_SYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  // Synchronous write, then __remove_mapping in the same pass.
  CHECK(m.folios_allocated() == 0);
  CHECK(m.mc(0, pg) == 0);
  CHECK(m.slot(0, 0).count == 1);
  CHECK(m.slot(0, 0).content == 1);
  REQUIRE(m.read(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK_FALSE(m.F(f).test(PG_swapcache));  // a fresh folio, never in the swap cache
  CHECK(m.F(f).anon_exclusive == 1);       // "certainly exclusive"
  CHECK((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.slots_in_use() == 0);            // swap_free_nr dropped the only reference
  CHECK(m.val(0, pg) == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("do_swap_page: SWP_SYNCHRONOUS_IO with swap count 2 goes through the swap cache") {
  Machine m("v6.18", SWAP_SYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  m.pageout(0, pg);
  int c = m.fork(0);
  CHECK(m.slot(0, 0).count == 2);
  REQUIRE(m.read(c, pg) == Status::Done);
  const int f = m.folio(c, pg);
  CHECK(m.F(f).test(PG_swapcache));
  CHECK_FALSE((m.pte(c, pg).bits & PTE_WRITE) != 0);  // not exclusive, the parent's swap PTE remains
  CHECK(m.F(f).anon_exclusive == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("do_wp_page: a folio proven exclusive by its refcount is reused (wp_can_reuse_anon_folio)") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const int f = m.folio(0, pg);
  CHECK(m.exit(c) == Status::Done);
  CHECK_FALSE((m.pte(0, pg).bits & PTE_WRITE) != 0);
  CHECK(m.F(f).anon_exclusive == 0);
  REQUIRE(m.write(0, pg, 2) == Status::Done);
  CHECK(m.folio(0, pg) == f);           // reuse: the only reference is our mapping
  CHECK(m.F(f).anon_exclusive == 1);    // SetPageAnonExclusive
  CHECK(m.model1_holds());
}

TEST_CASE("do_wp_page: a shared folio is copied; the new folio is exclusive, the old one stays") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  const int f = m.folio(0, pg);
  REQUIRE(m.write(c, pg, 2) == Status::Done);
  const int g = m.folio(c, pg);
  CHECK(g != f);
  CHECK(m.F(g).anon_exclusive == 1);
  CHECK(m.val(0, pg) == 1);
  CHECK(m.val(c, pg) == 2);
  CHECK(m.folio(0, pg) == f);
  CHECK(m.model1_holds());
  // The parent's next write reuses the old folio: it is alone now.
  REQUIRE(m.write(0, pg, 3) == Status::Done);
  CHECK(m.folio(0, pg) == f);
  CHECK(m.model1_holds());
}

TEST_CASE("wp_page_copy frees the old folio's swap cache when the last mapping leaves it") {
  Machine m("v6.18", SWAP_ASYNC);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  const int f = m.folio(0, pg);
  int c = m.fork(0);
  m.pageout(0, pg);  // shared: skipped
  CHECK(m.folio(0, pg) == f);
  // Reclaim (no sharing filter) unmaps both; the writeback ends.
  REQUIRE(m.reclaim(f) == Status::Done);
  REQUIRE(m.writeback_end(f) == Status::Done);
  CHECK(m.slot(0, 0).count == 2);
  // Both read it back: the folio is in the swap cache, mapped twice.
  m.read(0, pg);
  m.read(c, pg);
  CHECK(m.folio(0, pg) == f);
  CHECK(m.folio(c, pg) == f);
  CHECK(m.slot(0, 0).count == 0);
  // The child's write copies; the parent still maps the cached folio.
  m.write(c, pg, 2);
  CHECK(m.F(f).test(PG_swapcache));
  // The parent's write: wp_can_reuse_anon_folio frees the swap cache and reuses.
  m.write(0, pg, 3);
  CHECK(m.folio(0, pg) == f);
  CHECK_FALSE(m.F(f).test(PG_swapcache));
  CHECK(m.slots_in_use() == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("next_write_value cycles 1..MAX_VALUE") {
  Machine m;
  int pg = m.anon(1);
  for (int i = 1; i <= MAX_VALUE + 1; i++) {
    m.write(0, pg, 0);
    CHECK(m.val(0, pg) == (i - 1) % MAX_VALUE + 1);
  }
}

}  // TEST_SUITE
