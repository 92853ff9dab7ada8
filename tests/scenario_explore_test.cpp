// Explore blocks: the engine's verdicts and shortest traces reach `check`.
#include <doctest/doctest.h>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {
const char* kStable = R"(scenario "stable writes"
config anon-exclusive-v2-inverted v6.18
swap sda async stable_writes
process A
A: p = mmap 1 private
explore events write read pageout<=2 writeback swapcache_drop
check stable_writes violated under anon-exclusive-v2-inverted
check stable_writes holds under v6.18
)";
}  // namespace

TEST_CASE("stable_writes: violated with a 3-step trace under the inverted test, holds under v6.18") {
  ScenarioRun r = run_scenario(parse_scenario(kStable, "t.scenario"), {});
  REQUIRE(r.configs.size() == 2);
  REQUIRE(r.configs[0].checks.size() == 1);
  const CheckResult& inv = r.configs[0].checks[0];
  CHECK(inv.verdict == "violated");
  CHECK(inv.ok());
  // write, MADV_PAGEOUT (writeback starts), write fault on the exclusive swap entry
  CHECK(inv.trace_length == 3);
  REQUIRE_FALSE(inv.trace.empty());
  CHECK(inv.trace[0].rfind("1. A: write p[0]", 0) == 0);
  CHECK(r.configs[0].explored_states > 0);
  REQUIRE(r.configs[1].checks.size() == 1);
  CHECK(r.configs[1].checks[0].verdict == "holds");
  CHECK(r.ok());
}

TEST_CASE("a synchronous device never exposes a folio under writeback, even with the inverted test") {
  std::string text = kStable;
  text.replace(text.find("async"), 5, "sync");
  text.replace(text.find("violated under"), 8, "holds");
  ScenarioRun r = run_scenario(parse_scenario(text, "t.scenario"), {});
  CHECK(r.configs[0].checks[0].verdict == "holds");
  CHECK(r.ok());
}

TEST_CASE("a bound that cuts the exploration short makes the verdict incomplete, never holds") {
  std::string text = kStable;
  text.replace(text.find("explore "), 8, "explore states 5 ");
  ScenarioRun r = run_scenario(parse_scenario(text, "t.scenario"), {});
  CHECK(r.configs[1].checks[0].verdict == "incomplete");
  CHECK_FALSE(r.ok());
}
