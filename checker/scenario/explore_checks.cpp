// Placeholder until checker/engine implements engine::explore (see report).
#include "checker/scenario/explore_checks.h"

#include "checker/scenario/parser.h"

namespace mmc::scenario {

void run_explore_checks(const Scenario& s, const engine::Workload&, const std::vector<const CheckDecl*>&, int,
                        ConfigRun&) {
  throw ScenarioError(s.file, s.explore->loc, "explore blocks need the engine, which is not built yet");
}

}  // namespace mmc::scenario
