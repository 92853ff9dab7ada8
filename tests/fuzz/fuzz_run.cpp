// libFuzzer target: parse + run with small bounds.  A scenario that parses
// either runs to a result or fails with a positioned ScenarioError
// (impossible step, capacity); the engine's explore block runs with at
// most 2,000 states and depth 6 so one input takes milliseconds.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "checker/scenario/parser.h"
#include "checker/scenario/report.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // longer scripts only repeat what short ones reach
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Scenario s = parse_scenario(text, "fuzz.scenario");
    if (s.configs.size() > 2) s.configs.resize(2);
    if (s.explore) {
      s.explore->depth = s.explore->depth ? std::min(s.explore->depth, 6) : 6;
      s.explore->states = s.explore->states ? std::min<uint64_t>(s.explore->states, 2000) : 2000;
    }
    RunOptions opt;
    opt.max_script_states = 2000;
    ScenarioRun r = run_scenario(s, opt);
    (void)run_to_json(s, r).dump();
  } catch (const ScenarioError& e) {
    if (e.loc.line < 1 || e.loc.col < 1) {
      std::fprintf(stderr, "error without a position: %s\n", e.what());
      std::abort();
    }
  }
  return 0;
}
