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

// 2: structured trace steps (events, decisions, changes) for checks and
// for the path to a failed expectation's state; skipped items (docs/json.md).
inline constexpr int RESULTS_SCHEMA_VERSION = 2;

// `mmcheck run` output for one scenario: one `Observation` line per
// expectation, one `Check` line per check with the shortest trace of a
// violation, and the failed expectations named with their file position.
void print_run(std::ostream& out, const Scenario& s, const ScenarioRun& r, const engine::TraceStyle& style = {});

// The deterministic part of a run as JSON (no timings).
nlohmann::json run_to_json(const Scenario& s, const ScenarioRun& r);

// Every verdict or observation that differs between two `regress --json`
// files, as "Result changed: ..." lines (timings ignored).
std::vector<std::string> compare_results(const nlohmann::json& baseline, const nlohmann::json& now);

// The comparison for a patch author: verdict changes (a check holds <->
// violated, an observation's Always/Sometimes/Never, an expectation or a
// scenario passing <-> failing, an error) apart from count-only changes
// (state counts, an observation's P/N with the same quantifier).
struct ResultChange {
  std::string scenario, config, what;  // what: "check X", "observation Y", "scenario", "explored states", ...
  std::string before, after;
  bool verdict = false;                // false: count only
  bool newly_violated = false;         // a check that became violated: `trace` is its shortest trace
  std::vector<std::string> trace;      // newly violated check / newly failed expectation: how
  std::string line() const;            // "X [cfg] check Y: holds -> violated"
};
std::vector<ResultChange> diff_results(const nlohmann::json& baseline, const nlohmann::json& now);
// Text: "Verdict changes (N):" with traces, then "Count-only changes (M):".
void print_comparison(std::ostream& out, const std::vector<ResultChange>& changes);
nlohmann::json comparison_json(const std::vector<ResultChange>& changes);

const char* quant_title(Quant q);  // "Always", "Sometimes", "Never"

}  // namespace mmc::scenario
