// The mm_forbids_zeropage knob (issue 10): a kernel that never maps the
// shared zero page (s390 KVM guests; guests booted with pvm_no_zero_page=1).
// mm/memory.c do_anonymous_page and mm/huge_memory.c do_huge_pmd_anonymous_page
// test !mm_forbids_zeropage(vma->vm_mm) before using a zero page.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {
Machine forbids(const char* cfg = "v6.18") {
  Machine m(cfg);
  m.cfg.mm_forbids_zeropage = true;
  return m;
}
}  // namespace

TEST_SUITE("model: mm_forbids_zeropage") {

TEST_CASE("the knob exists, is named after the kernel predicate, and is off in every preset") {
  for (const auto& p : config_presets()) {
    CAPTURE(p.name);
    CHECK_FALSE(preset(std::string(p.name).c_str()).mm_forbids_zeropage);
  }
  Config c = preset("v6.18");
  REQUIRE(config_set_knob(c, "mm_forbids_zeropage", true));
  CHECK(c.mm_forbids_zeropage);
}

TEST_CASE("a read fault allocates a zeroed exclusive folio, writable and dirty (VM_WRITE)") {
  Machine m = forbids();
  int pg = m.anon(2);
  REQUIRE(m.read(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(f != NONE);
  CHECK(m.F(f).test(PG_anon));
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK(m.folios_allocated() == 1);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_DIRTY)) == (PTE_WRITE | PTE_DIRTY));
  CHECK(m.val(0, pg) == 0);
  // pagemap: present + PM_MMAP_EXCLUSIVE with a frame of its own, as the
  // pvm_no_zero_page=1 guest showed (0x81000000001843d2; soft-dirty here
  // because v6.18 has CONFIG_MEM_SOFT_DIRTY).
  const uint64_t e = m.pm(0, pg);
  CHECK((e & (enc::PM_PRESENT | enc::PM_MMAP_EXCLUSIVE | enc::PM_FILE | enc::PM_SWAP)) ==
        (enc::PM_PRESENT | enc::PM_MMAP_EXCLUSIVE));
  CHECK((e & enc::PM_PFRAME_MASK) == model_pfn(f, 0));
  CHECK(m.pm(0, pg + 1) == enc::PM_SOFT_DIRTY);  // the other page untouched
  // The following write needs no fault: the same folio, now holding 3.
  REQUIRE(m.write(0, pg, 3) == Status::Done);
  CHECK(m.folio(0, pg) == f);
  CHECK(m.val(0, pg) == 3);
  CHECK(m.folios_allocated() == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("the same read under the default maps the zero page (the knob changes exactly this)") {
  Machine m;
  int pg = m.anon(1);
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).a == NONE);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) == 0);
  CHECK(m.folios_allocated() == 0);
}

TEST_CASE("a read fault on a VMA without VM_WRITE: a folio mapped read-only and clean") {
  Machine m = forbids();
  int pg = do_mmap(m.s, 0, VmaKind::PrivateAnon, 1, 0, -1, 0, m.cfg);
  m.s.proc[0].vma[0].flags &= ~VM_WRITE;
  REQUIRE(m.read(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(f != NONE);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_DIRTY)) == 0);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) != 0);
}

TEST_CASE("THP VMA: a read fault allocates a THP, the huge zero page is never mapped") {
  Machine m = forbids();
  m.anon(MAX_FOLIO_PAGES, VM_HUGEPAGE);
  REQUIRE(m.cfg.thp_use_zero_page);  // the sysfs knob is on; mm_forbids_zeropage wins
  REQUIRE(m.read(0, 1) == Status::Done);
  const int f = m.folio(0, 1);
  CHECK(f != NONE);
  CHECK(m.F(f).test(PG_large));
  CHECK(m.folio(0, 0) == f);
  CHECK((m.pte(0, 1).bits & (PTE_PMD | PTE_WRITE)) == (PTE_PMD | PTE_WRITE));
  CHECK((m.pm(0, 1) & (enc::PM_MMAP_EXCLUSIVE | enc::PM_FILE)) == enc::PM_MMAP_EXCLUSIVE);
  CHECK(m.val(0, 0) == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("GUP R/O pin of an unpopulated page pins a fresh exclusive folio (default: the zero page is unshared first)") {
  Machine m = forbids();
  int pg = m.anon(1);
  REQUIRE(m.pin(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  CHECK(m.s.proc[0].pin_folio[pg] == f);
  CHECK(m.F(f).anon_exclusive == 1);
  CHECK(m.folios_allocated() == 1);  // no zero page, no unshare copy
  CHECK(m.model1_holds());
  // Default: the read fault maps the zero page, gup_must_unshare then copies it.
  Machine d;
  int q = d.anon(1);
  REQUIRE(d.pin(0, q) == Status::Done);
  CHECK(d.folio(0, q) != NONE);
  CHECK(d.folios_allocated() == 1);
}

TEST_CASE("fork after a read: the child shares the folio (not the zero page) until one writes") {
  Machine m = forbids();
  int pg = m.anon(1);
  REQUIRE(m.read(0, pg) == Status::Done);
  const int f = m.folio(0, pg);
  const int c = m.fork(0);
  CHECK(m.folio(c, pg) == f);
  CHECK((m.pm(0, pg) & enc::PM_MMAP_EXCLUSIVE) == 0);  // mapcount 2
  REQUIRE(m.write(c, pg, 5) == Status::Done);
  CHECK(m.folio(c, pg) != f);
  CHECK(m.val(0, pg) == 0);
  CHECK(m.val(c, pg) == 5);
  CHECK(m.model1_holds());
}

TEST_CASE("a read page can be paged out: a zero-filled folio goes to the swap zeromap") {
  Machine m = forbids();
  int pg = m.anon(1);
  REQUIRE(m.read(0, pg) == Status::Done);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Swap);  // the zero page would have been skipped
  CHECK((m.pm(0, pg) & enc::PM_SWAP) != 0);
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.val(0, pg) == 0);
  CHECK(m.model1_holds());
}

TEST_CASE("uffd-wp registered, unpopulated (no marker): the read-fault folio is writable, as a write fault's") {
  // vmf_orig_pte_uffd_wp is false for a none PTE: registration alone does not protect.
  Machine m = forbids();
  int pg = m.anon(1, VM_UFFD_WP);
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.folio(0, pg) != NONE);
  CHECK((m.pte(0, pg).bits & (PTE_WRITE | PTE_UFFD_WP)) == PTE_WRITE);
}

}  // TEST_SUITE
