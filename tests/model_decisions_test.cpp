// The decision log (model/decisions.h): recording changes nothing in the
// state, a null log records nothing, and do_swap_page's entries name the
// test that decided exclusivity under each config.
#include <doctest/doctest.h>

#include "model/decisions.h"
#include "model_helpers.h"

using namespace mm;
using namespace mmtest;

namespace {

// A write, MADV_PAGEOUT (writeback still running), then the swap-in write
// fault, recorded; returns the log of the last event.
Decisions swap_in_write(Machine& m, State* after_unlogged) {
  int pg = m.anon();
  REQUIRE(m.write(0, pg, 1) == Status::Done);
  REQUIRE(m.pageout(0, pg) == Status::Done);
  REQUIRE(m.pte(0, pg).kind == PteKind::Swap);
  const Event e{EventKind::WriteFault, 0, static_cast<uint8_t>(pg), 2};
  State plain = m.s;
  REQUIRE(apply(plain, e, m.cfg).status == Status::Done);
  Decisions log;
  REQUIRE(apply(m.s, e, m.cfg, &log).status == Status::Done);
  *after_unlogged = plain;
  return log;
}

bool has(const Decisions& log, const char* fn, const std::string& cond_part, const std::string& value_part) {
  for (const Decision& d : log)
    if (std::string(d.function) == fn && d.condition.find(cond_part) != std::string::npos &&
        d.value.find(value_part) != std::string::npos)
      return true;
  return false;
}

}  // namespace

TEST_CASE("do_swap_page's log names the SWP_STABLE_WRITES test; logging does not change the outcome") {
  State plain{};
  Machine inv("anon-exclusive-v2-inverted", SWP_STABLE_WRITES);
  Decisions a = swap_in_write(inv, &plain);
  CHECK(plain == inv.s);  // the logged apply and the plain one agree
  CHECK(has(a, "do_swap_page", "!(si->flags & SWP_STABLE_WRITES) [set]", "false: exclusive stays true"));
  CHECK(has(a, "do_swap_page", "VM_WRITE", "mapped writable"));
  for (const Decision& d : a) CHECK(std::string(d.file).rfind("mm/", 0) == 0);

  Machine good("v6.18", SWP_STABLE_WRITES);
  Decisions b = swap_in_write(good, &plain);
  CHECK(plain == good.s);
  CHECK(has(b, "do_swap_page", "(si->flags & SWP_STABLE_WRITES) [set]", "true: exclusive = false"));
  CHECK_FALSE(has(b, "do_swap_page", "VM_WRITE", "mapped writable"));
  CHECK(has(b, "do_wp_page", "copy", "wp_page_copy"));  // the write then copies
}

TEST_CASE("without a log nothing is recorded, and a disabled event leaves no decisions") {
  Machine m;
  int pg = m.anon();
  CHECK_FALSE(deciding());
  Decisions log;
  {
    DecisionScope scope(&log);
    CHECK(deciding());
  }
  CHECK_FALSE(deciding());
  REQUIRE(m.write(0, pg, 1) == Status::Done);  // plain apply: no sink
  CHECK(log.empty());
  // unpin of a page that holds no pin: Disabled, nothing kept
  CHECK(apply(m.s, Event{EventKind::Unpin, 0, static_cast<uint8_t>(pg), 0}, m.cfg, &log).status == Status::Disabled);
  CHECK(log.empty());
}
