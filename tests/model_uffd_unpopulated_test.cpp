// UFFD_FEATURE_WP_UNPOPULATED (issue 10, item 5): userfaultfd_wp_use_markers
// is true for an anonymous VMA only when the userfaultfd has the feature.
#include "tests/model_helpers.h"

using namespace mmtest;
namespace enc = mm::enc;

namespace {
// A private anonymous page registered with a userfaultfd that has
// UFFD_FEATURE_WP_UNPOPULATED (a feature of the context: VmaFlags2).
int unpopulated(Machine& m) {
  const int pg = m.anon(1, VM_UFFD_WP);
  find_vma(m.s.proc[0], pg)->flags2 |= VM_UFFD_WP_UNPOPULATED;
  return pg;
}
}  // namespace

TEST_SUITE("model: uffd-wp unpopulated") {

TEST_CASE("a none anonymous PTE gets a uffd-wp marker only with WP_UNPOPULATED") {
  Machine plain;
  int pg = plain.anon(1, VM_UFFD_WP);
  REQUIRE(plain.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  CHECK(plain.pte(0, pg).kind == PteKind::None);
  Machine m;
  pg = unpopulated(m);
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  CHECK(m.pte(0, pg).kind == PteKind::Marker);
  CHECK((m.pm(0, pg) & ~enc::PM_SOFT_DIRTY) == (enc::PM_SWAP | enc::PM_UFFD_WP | 0x3f));  // bit 55: VM_SOFTDIRTY
  CHECK(m.mc(0, pg) == 0);
}

TEST_CASE("a write through the marker maps a write-protected folio and faults to userspace; unprotect lets it through") {
  for (bool forbids : {false, true}) {
    CAPTURE(forbids);
    Machine m;
    m.cfg.mm_forbids_zeropage = forbids;
    int pg = unpopulated(m);
    REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
    CHECK(m.write(0, pg, 1) == Status::WpFault);
    CHECK(m.pte(0, pg).kind == PteKind::Present);
    CHECK((m.pte(0, pg).bits & (PTE_UFFD_WP | PTE_WRITE)) == PTE_UFFD_WP);
    CHECK(m.val(0, pg) == 0);  // the store did not happen
    REQUIRE(m.st(EventKind::UffdWpUnprotect, 0, pg) == Status::Done);
    CHECK(m.write(0, pg, 2) == Status::Done);
    CHECK(m.val(0, pg) == 2);
    CHECK(m.model1_holds());
  }
}

TEST_CASE("a read through the marker keeps the protection on the zero page (or the folio)") {
  Machine m;
  int pg = unpopulated(m);
  REQUIRE(m.st(EventKind::UffdWpProtect, 0, pg) == Status::Done);
  REQUIRE(m.read(0, pg) == Status::Done);
  CHECK(m.pte(0, pg).a == NONE);
  CHECK((m.pm(0, pg) & (enc::PM_PRESENT | enc::PM_UFFD_WP)) == (enc::PM_PRESENT | enc::PM_UFFD_WP));
}

TEST_CASE("fork: the child's VMA is not registered (no EVENT_FORK), its flag goes too") {
  Machine m;
  int pg = unpopulated(m);
  const int c = m.fork(0);
  CHECK((m.s.proc[c].vma[0].flags & VM_UFFD_WP) == 0);
  CHECK((m.s.proc[c].vma[0].flags2 & VM_UFFD_WP_UNPOPULATED) == 0);
  CHECK(m.st(EventKind::UffdWpProtect, c, pg) == Status::Disabled);
}

}  // TEST_SUITE
