// Running scripts as sets of states: background closure, quantifiers,
// fork bindings, impossible steps, configs, and the baseline comparison.
#include <doctest/doctest.h>

#include "checker/scenario/parser.h"
#include "checker/scenario/report.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

ConfigRun run_one(const std::string& text, RunOptions opt = {}) {
  Scenario s = parse_scenario(text, "t.scenario");
  ScenarioRun r = run_scenario(s, opt);
  REQUIRE(r.configs.size() >= 1);
  return r.configs[0];
}

const ObservationResult& obs(const ConfigRun& r, const std::string& name) {
  for (const auto& o : r.observations)
    if (o.name == name) return o;
  FAIL("no observation " << name);
  return r.observations[0];
}

const std::string kPageout =
    "scenario \"t\"\nconfig v6.18\nswap sda async\nprocess A\nA: p = mmap 1 private\n"
    "A: write p[0] 1\nA: madvise p[0] MADV_PAGEOUT\n";

}  // namespace

TEST_CASE("after pageout the kernel may or may not have finished writeback and dropped the swap cache") {
  ConfigRun r = run_one(kPageout + "expect A: mincore p[0] == 1 as m\nexpect A: pagemap p[0] swap=1 as s\n");
  // under writeback; written back and cached; dropped from the swap cache
  CHECK(obs(r, "m").pos == 2);
  CHECK(obs(r, "m").neg == 1);
  CHECK(obs(r, "m").actual() == Quant::Sometimes);
  CHECK_FALSE(obs(r, "m").ok());
  CHECK(obs(r, "s").actual() == Quant::Always);
  CHECK(obs(r, "s").pos == 3);
}

TEST_CASE("background none keeps one state; kernel steps move it") {
  ConfigRun r = run_one(
      "scenario \"t\"\nconfig v6.18\nbackground none\nswap sda async\nprocess A\nA: p = mmap 1 private\n"
      "A: write p[0] 1\nA: madvise p[0] MADV_PAGEOUT\nexpect A: folio p[0] writeback=1 as wb\n"
      "kernel: writeback p[0]\nexpect A: folio p[0] writeback=0 swapcache=1 as clean\n"
      "kernel: swapcache_drop\nexpect A: mincore p[0] == 0 as gone\n");
  CHECK(obs(r, "wb").pos == 1);
  CHECK(obs(r, "wb").neg == 0);
  CHECK(obs(r, "clean").ok());
  CHECK(obs(r, "gone").ok());
  CHECK(r.ok());
}

TEST_CASE("quantifiers: never and sometimes") {
  ConfigRun r = run_one(kPageout +
                        "expect never A: read p[0] == 2 as n\nexpect sometimes A: mincore p[0] == 0 as s\n"
                        "expect never A: mincore p[0] == 0 as bad\n");
  CHECK(obs(r, "n").ok());
  CHECK(obs(r, "s").ok());
  CHECK_FALSE(obs(r, "bad").ok());
  REQUIRE(obs(r, "bad").failure);  // a state where mincore is 0 is shown
  CHECK_FALSE(obs(r, "bad").failure->witness.empty());
  CHECK_FALSE(obs(r, "n").failure);  // and only for a failed expectation
  CHECK_FALSE(r.ok());
}

TEST_CASE("fork binds the child's name to the next free slot") {
  ConfigRun r = run_one(
      "scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\nA: fork B\n"
      "B: write p[0] 2\nexpect A: read p[0] == 1 as a\nexpect B: read p[0] == 2 as b\n"
      "B: fork C\nexpect C: read p[0] == 2 as c\n");
  CHECK(obs(r, "a").ok());
  CHECK(obs(r, "b").ok());
  CHECK(obs(r, "c").ok());
}

TEST_CASE("a step impossible in every state is an error with its position") {
  Scenario s = parse_scenario(
      "scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: exit\nA: write p[0] 1\n", "t.scenario");
  try {
    run_scenario(s, {});
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(e.loc.line == 6);
    CHECK(e.loc.col == 4);
    CHECK(e.message.rfind("impossible step: the process is not running", 0) == 0);
  }
}

TEST_CASE("expectations under a config apply only there; --config replaces the file's configs") {
  const std::string text =
      "scenario \"t\"\nconfig v6.18 v5.14\nswap sda async\nprocess A\nA: p = mmap 1 private\n"
      "A: write p[0] 1\nA: madvise p[0] MADV_PAGEOUT\n"
      "expect A: pte p[0] swp_exclusive=1 under v6.18 as x\nexpect A: pte p[0] swp_exclusive=0 under v5.14 as y\n";
  Scenario s = parse_scenario(text, "t.scenario");
  ScenarioRun r = run_scenario(s, {});
  REQUIRE(r.configs.size() == 2);
  REQUIRE(r.configs[0].observations.size() == 1);
  CHECK(r.configs[0].observations[0].name == "x");
  CHECK(r.configs[1].observations[0].name == "y");
  CHECK(r.ok());
  RunOptions opt;
  opt.override_config = parse_config_option("v6.18-pte_swp_exclusive");
  ScenarioRun o = run_scenario(s, opt);
  REQUIRE(o.configs.size() == 1);
  CHECK(o.configs[0].config == "v6.18-pte_swp_exclusive");
  CHECK(o.configs[0].observations.empty());
  // --set flips a knob without renaming: v6.18's expectation now fails.
  RunOptions flip;
  flip.sets.emplace_back("pte_swp_exclusive", false);
  ScenarioRun f = run_scenario(s, flip);
  CHECK(f.configs[0].config == "v6.18");
  CHECK_FALSE(f.configs[0].observations[0].ok());
}

TEST_CASE("compare_results names every changed observation and verdict, ignoring timing") {
  Scenario s = parse_scenario(kPageout + "expect A: mincore p[0] == 1 as m\n", "t.scenario");
  nlohmann::json a;
  a["scenarios"] = nlohmann::json::array({run_to_json(s, run_scenario(s, {}))});
  a["scenarios"][0]["name"] = "t";
  nlohmann::json b = a;
  b["timing"] = {{"total_seconds", 9.0}};
  CHECK(compare_results(a, b).empty());
  b["scenarios"][0]["configs"][0]["observations"][0]["pos"] = 3;
  auto changed = compare_results(a, b);
  REQUIRE(changed.size() == 1);
  CHECK(changed[0] == "Result changed: t [v6.18] observation m: Sometimes 2 1 -> Sometimes 3 1");
}

TEST_CASE("pagemap lookups=N: the shmem xarray lookups one read costs, per config") {
  const std::string text =
      "scenario \"t\"\nconfig v6.18 rfc-pagemap-xarray\nprocess A\nA: p = mmap 1 shared\n"
      "expect A: pagemap p[0] lookups=1 as one\nexpect A: pagemap p[0] lookups=0 as none\n";
  Scenario s = parse_scenario(text, "t.scenario");
  ScenarioRun r = run_scenario(s, {});
  REQUIRE(r.configs.size() == 2);
  // v6.18: a none shmem PTE costs nothing; the xarray RFC looks it up.
  CHECK(obs(r.configs[0], "one").actual() == Quant::Never);
  CHECK(obs(r.configs[0], "none").actual() == Quant::Always);
  CHECK(obs(r.configs[1], "one").actual() == Quant::Always);
  CHECK(obs(r.configs[1], "none").actual() == Quant::Never);
}

// walk_script runs the script once for the HTML page's script view; it must
// see after each prefix exactly what a run of that prefix alone reaches
// (the view used to rerun every prefix through build_workload).
TEST_CASE("walk_script: the states after each prefix are those of the prefix run alone") {
  Scenario s = parse_scenario(kPageout +
                                  "expect A: mincore p[0] == 1 as m\nA: read p[0]\nA: fork B\nB: write p[0] 3\n"
                                  "kernel: reclaim p[0] in B\nexpect B: read p[0] == 3\nA: munmap p\n",
                              "t.scenario");
  const std::vector<NamedConfig> configs = scenario_configs(s, RunOptions{});
  REQUIRE(configs.size() == 1);
  size_t walked = 0;
  const mm::DisplayNames names = walk_script(s, configs[0], RunOptions{}, [&](size_t k, const std::vector<mm::State>& states) {
    Scenario prefix = s;
    prefix.items.erase(prefix.items.begin() + static_cast<std::ptrdiff_t>(k), prefix.items.end());
    prefix.explore.reset();
    const mmc::engine::Workload w = build_workload(prefix, configs[0], RunOptions{});
    CHECK_MESSAGE(w.initial == states, "after the first " << k << " items");
    walked++;
    return true;
  });
  CHECK(walked == s.items.size() + 1);
  CHECK(names.procs == build_workload(s, configs[0], RunOptions{}).proc_names);
  // Returning false stops the walk there.
  walked = 0;
  walk_script(s, configs[0], RunOptions{}, [&](size_t k, const std::vector<mm::State>&) { return ++walked, k < 2; });
  CHECK(walked == 3);
}
