// The explore block of a scenario: the engine explores from the states the
// script reached, and each `check` line compares a verdict with the engine's.
#pragma once
#include <string>
#include <vector>

#include "checker/engine/workload.h"
#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"

namespace mmc::scenario {

// Explores `w` and fills out.checks (one per check in `checks`, in order),
// out.explored_states and out.explored.  Throws ScenarioError when the
// engine rejects the workload.
// An engine bound hint in a scenario's words: the depth and state bounds
// are settings of the explore line ("raise 'states N' on the explore
// line"), not the flags of `explore`.
std::string scenario_bound_hint(std::string hint);

void run_explore_checks(const Scenario& s, const engine::Workload& w, const std::vector<const CheckDecl*>& checks,
                        const RunOptions& opt, ConfigRun& out);

}  // namespace mmc::scenario
