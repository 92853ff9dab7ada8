// The observations a counterexample reproducer asserts (issue 11 bug 5):
// the value a kernel without the bug returns, at the page that shows it.
#include <doctest/doctest.h>

#include "checker/live/counterexample.h"
#include "tests/model_helpers.h"

using namespace mmtest;
using mmc::live::violation_observations;

TEST_CASE("cow_isolation/wrong-value: a read that must return what the program stored") {
  Machine m;
  const int pg = m.anon();
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  CHECK(violation_observations(m.s, m.cfg, "cow_isolation", "wrong-value").empty());  // nothing wrong yet
  m.s.folio[m.folio(0, pg)].content[0] = 3;  // what a kernel that lost the write would show
  auto t = violation_observations(m.s, m.cfg, "cow_isolation", "wrong-value");
  REQUIRE(t.size() == 1);
  CHECK(t[0].kind == mmc::scenario::ObsKind::ReadValue);
  CHECK(t[0].proc == 0);
  CHECK(t[0].page == pg);
  CHECK(t[0].value == 1);
  CHECK(t[0].why == "cow_isolation/wrong-value");
}

TEST_CASE("kernel-internal invariants have no userspace observation") {
  Machine m;
  const int pg = m.anon();
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  CHECK(violation_observations(m.s, m.cfg, "stable_writes", "mapped-writable").empty());
  CHECK(violation_observations(m.s, m.cfg, "swap_accounting", "leak").empty());
}
