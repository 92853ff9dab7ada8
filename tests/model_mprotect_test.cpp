// mprotect (model/mprotect.cpp): change_pte_range and can_change_pte_writable
// with the MM_CP_TRY_CHANGE_WRITABLE conditions (anon-exclusive, soft-dirty,
// uffd-wp), PROT_NONE, and the VM_LOCKED populate of mprotect_fixup.
#include "model/access.h"
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {
bool writable(const Machine& m, int p, int pg) { return (m.s.proc[p].pte[pg].bits & PTE_WRITE) != 0; }
}  // namespace

TEST_SUITE("model: mprotect") {

TEST_CASE("RO then RW: an exclusive anon page is writable again without a fault") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.st(EventKind::MprotectRead, 0, pg) == Status::Done);
  CHECK_FALSE(writable(m, 0, pg));
  CHECK(m.write(0, pg, 2) == Status::Sigsegv);
  REQUIRE(m.st(EventKind::MprotectReadWrite, 0, pg) == Status::Done);
  CHECK(writable(m, 0, pg));
  CHECK(m.model1_holds());
}

TEST_CASE("RO then RW after fork: the shared page stays read-only and the write copies") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  m.st(EventKind::MprotectRead, 0, pg);
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK_FALSE(writable(m, 0, pg));  // not PageAnonExclusive
  const int f = m.folio(0, pg);
  m.write(0, pg, 2);
  CHECK(m.folio(0, pg) != f);
  CHECK(m.val(c, pg) == 1);
  CHECK(m.model1_holds());
}

TEST_CASE("the zero page is never made writable (vm_normal_page is NULL)") {
  Machine m;
  int pg = m.anon(1);
  m.read(0, pg);
  m.st(EventKind::MprotectRead, 0, pg);
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK(m.pte(0, pg).a == NONE);
  CHECK_FALSE(writable(m, 0, pg));
}

TEST_CASE("soft-dirty tracking keeps a clean-since-clear_refs PTE read-only (pte_needs_soft_dirty_wp)") {
  Machine m;
  REQUIRE(m.cfg.CONFIG_MEM_SOFT_DIRTY);
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.st(EventKind::ClearRefs, 0, 0) == Status::Done);
  m.st(EventKind::MprotectRead, 0, pg);
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK_FALSE(writable(m, 0, pg));
  m.write(0, pg, 2);  // the write fault sets soft-dirty again
  CHECK((m.pm(0, pg) & enc::PM_SOFT_DIRTY) != 0);
  // Without CONFIG_MEM_SOFT_DIRTY the same sequence maps it writable.
  Machine n;
  n.cfg.CONFIG_MEM_SOFT_DIRTY = false;
  int q = n.anon(1);
  n.write(0, q, 1);
  n.st(EventKind::ClearRefs, 0, 0);
  n.st(EventKind::MprotectRead, 0, q);
  n.st(EventKind::MprotectReadWrite, 0, q);
  CHECK(writable(n, 0, q));
}

TEST_CASE("a uffd-wp protected PTE stays read-only (userfaultfd_pte_wp)") {
  Machine m;
  int pg = m.anon(1, VM_UFFD_WP);
  m.write(0, pg, 1);
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  m.st(EventKind::MprotectRead, 0, pg);
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK_FALSE(writable(m, 0, pg));
  CHECK(m.write(0, pg, 2) == Status::WpFault);
}

TEST_CASE("shared shmem: writable at once without write notification, dirty PTEs only with it") {
  Machine m;
  m.cfg.CONFIG_MEM_SOFT_DIRTY = false;
  int ino = shmem_create(m.s, 2);
  int pg = do_mmap(m.s, 0, VmaKind::SharedAnon, 2, 0, ino, 0, m.cfg);
  m.read(0, pg);      // clean, mapped writable (no writenotify)
  m.write(0, pg + 1, 1);
  m.st(EventKind::MprotectRead, 0, pg);
  CHECK_FALSE(writable(m, 0, pg));
  CHECK_FALSE(writable(m, 0, pg + 1));
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK(writable(m, 0, pg));  // vm_page_prot is PAGE_SHARED
  CHECK(writable(m, 0, pg + 1));
  // With soft-dirty tracking the VMA wants write notification after clear_refs.
  Machine n;
  REQUIRE(n.cfg.CONFIG_MEM_SOFT_DIRTY);
  int ino2 = shmem_create(n.s, 2);
  int q = do_mmap(n.s, 0, VmaKind::SharedAnon, 2, 0, ino2, 0, n.cfg);
  n.write(0, q, 1);
  n.read(0, q + 1);
  n.st(EventKind::ClearRefs, 0, 0);
  n.write(0, q, 2);  // dirty and soft-dirty again
  n.st(EventKind::MprotectRead, 0, q);
  n.st(EventKind::MprotectReadWrite, 0, q);
  CHECK(writable(n, 0, q));          // dirty: can_change_shared_pte_writable
  CHECK_FALSE(writable(n, 0, q + 1));  // clean: the write must be seen
}

TEST_CASE("PROT_NONE: the PTE stays present, accesses and pins fault, RW restores") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  REQUIRE(m.st(EventKind::MprotectNone, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Present);
  CHECK((m.pm(0, pg) & enc::PM_PRESENT) != 0);
  CHECK(access_signal(m.s, 0, pg, AccessKind::Read, m.cfg) == 11);
  CHECK(m.read(0, pg) == Status::Sigsegv);
  CHECK(m.pin(0, pg) == Status::Sigsegv);
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK(writable(m, 0, pg));
  CHECK(m.val(0, pg) == 1);
}

TEST_CASE("mprotect_fixup: a VM_LOCKED private VMA becoming writable is populated (COW broken)") {
  Machine m;
  int pg = m.anon(1);
  m.write(0, pg, 1);
  int c = m.fork(0);
  (void)c;
  m.st(EventKind::MprotectRead, 0, pg);
  REQUIRE(m.st(EventKind::Mlock, 0, pg) == Status::Done);
  const int shared = m.folio(0, pg);
  CHECK(folio_mapcount(m.s, shared) == 2);  // read-only VMA: populate reads only
  m.st(EventKind::MprotectReadWrite, 0, pg);
  CHECK(m.folio(0, pg) != shared);           // populate_vma_page_range wrote: COW
  CHECK(writable(m, 0, pg));
  CHECK(m.model1_holds());
}

}  // TEST_SUITE
