// Every `expect` observation is evaluated under the scenario's config, the
// same config the invariants see (issue 11, bug 1: mincore used the v6.18
// default and contradicted mincore_semantics in the same state).
#include <doctest/doctest.h>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

const ObservationResult& find_obs(const ConfigRun& r, const std::string& name) {
  for (const auto& o : r.observations)
    if (o.name == name) return o;
  FAIL("no observation " << name);
  return r.observations[0];
}

}  // namespace

TEST_CASE("expect mincore uses the scenario's config (a PAGEOUT marker under the RFC reads as 1)") {
  // The RFC left mincore alone: a marker takes the pre-v5.19
  // non_swap_entry branch of mincore_pte_range and reads 1, although the
  // page is not resident, which is what mincore_semantics reports.
  const std::string text =
      "scenario \"t\"\nconfig rfc-pte-marker-pageout v6.18 +CONFIG_PTE_MARKER_PAGEOUT\nbackground none\nswap sda async\n"
      "process A\nA: p = mmap 1 shared\nA: read p[0]\nA: madvise p[0] MADV_PAGEOUT\n"
      "expect A: mincore p[0] == 1 as mc\nexpect violated mincore_semantics as inv\n";
  Scenario s = parse_scenario(text, "t.scenario");
  ScenarioRun r = run_scenario(s, RunOptions{});
  REQUIRE(r.configs.size() == 2);
  // Under the RFC (no uffd-wp markers): mincore 1, and the invariant agrees it is wrong.
  CHECK(find_obs(r.configs[0], "mc").actual() == Quant::Always);
  CHECK(find_obs(r.configs[0], "inv").actual() == Quant::Always);
  // Under v6.18 with the marker: pte_none_mostly, the page cache says 0; mincore_semantics holds.
  CHECK(find_obs(r.configs[1], "mc").actual() == Quant::Never);
  CHECK(find_obs(r.configs[1], "inv").actual() == Quant::Never);
}

TEST_CASE("--config reports the expectations and checks written for the configs it replaced") {
  const std::string text =
      "scenario \"t\"\nconfig v6.18 v5.14\nswap sda async\nprocess A\nA: p = mmap 1 private\n"
      "explore events write read\ncheck cow_isolation holds under v5.14\n"
      "A: write p[0] 1\nexpect A: read p[0] == 1\nexpect A: folio p[0] anon_exclusive=1 under v6.18 as ax\n"
      "expect A: folio p[0] anon_exclusive=0 under v5.14 as old\n";
  Scenario s = parse_scenario(text, "t.scenario");
  RunOptions opt;
  opt.override_config = parse_config_option("v6.18");
  ScenarioRun r = run_scenario(s, opt);
  REQUIRE(r.skipped.size() == 2);
  CHECK(r.skipped[0].what == "check cow_isolation");
  CHECK(r.skipped[0].loc.line == 7);
  CHECK(r.skipped[1].what == "expectation old");
  CHECK(r.skipped[1].under == "v5.14");
  CHECK(run_scenario(s, RunOptions{}).skipped.empty());  // the file's own configs: nothing skipped
}
