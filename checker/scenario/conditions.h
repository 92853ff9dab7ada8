// herd7-style conditions of an explore block: `exists`, `forall` and
// `~exists` over every state the block reaches, answered with how many
// states match (Always / Sometimes / Never) and the shortest path to a
// witness.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "checker/engine/workload.h"
#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"

namespace mmc::scenario {

// The script's view of a state: its names bound to slots and pages.
struct ConditionEnv {
  // An observation in a state (false where its process is not running).
  std::function<bool(const Expect&, const mm::State&)> observe;
  // (process slot, page index) of a named page.
  std::function<std::pair<int, int>(const std::string& proc, const PageRef& page)> locate;
};

// A plain breadth-first search of the workload's concrete states (no
// symmetry reduction: conditions name processes, and `same initial` follows
// one folio), bounded by the workload's depth and state bounds.  Throws
// ScenarioError for a condition the search cannot follow.
std::vector<ConditionResult> run_conditions(const Scenario& s, const std::vector<const ConditionDecl*>& conds,
                                            const engine::Workload& w, const ConditionEnv& env,
                                            std::optional<uint64_t> max_memory_mb = std::nullopt);

}  // namespace mmc::scenario
