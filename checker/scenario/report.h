// Reporting scenario runs: herd-like text, JSON results, and the
// comparison of two result files (`regress --baseline`).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"
#include "checker/engine/engine.h"

namespace mmc::scenario {

inline constexpr int RESULTS_SCHEMA_VERSION = 1;

// `mmcheck run` output for one scenario: one `Observation` line per
// expectation, one `Check` line per check with the shortest trace of a
// violation, and the failed expectations named with their file position.
void print_run(std::ostream& out, const Scenario& s, const ScenarioRun& r, const engine::TraceStyle& style = {});

// The deterministic part of a run as JSON (no timings).
nlohmann::json run_to_json(const Scenario& s, const ScenarioRun& r);

// Every verdict or observation that differs between two `regress --json`
// files, as "Result changed: ..." lines (timings ignored).
std::vector<std::string> compare_results(const nlohmann::json& baseline, const nlohmann::json& now);

const char* quant_title(Quant q);  // "Always", "Sometimes", "Never"

}  // namespace mmc::scenario
