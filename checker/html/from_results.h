// The HTML page of a `run` (scenario files) or of an `explore`.
#pragma once
#include <utility>
#include <vector>

#include "checker/engine/engine.h"
#include "checker/html/page.h"
#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"

namespace mmc::html {

// Every scenario run: a summary row per observation, check and condition,
// the shortest trace of every violated check, each condition's witness,
// and the script step by step under each config (when it has one outcome
// per step).
Page run_page(const std::vector<std::pair<scenario::Scenario, scenario::ScenarioRun>>& runs,
              const scenario::RunOptions& opt);

// An exploration: a summary row per (invariant, facet), the trace of every
// violated one, and the leak trace when there is one.
Page explore_page(const engine::Result& r);

}  // namespace mmc::html
