#include "checker/live/counterexample.h"

#include <fmt/format.h>

#include "checker/engine/engine.h"
#include "checker/scenario/runner.h"

namespace mmc::live {

Counterexample find_counterexample(const scenario::Scenario& sc, const std::string& invariant, std::string& why) {
  Counterexample cx;
  if (!sc.explore) {
    why = "the scenario has no explore block";
    return cx;
  }
  scenario::RunOptions ro;
  for (const scenario::NamedConfig& nc : scenario::scenario_configs(sc, ro)) {
    engine::Workload w = scenario::build_workload(sc, nc, ro);
    engine::Result r = engine::explore(w, engine::Options{});
    for (const auto& v : r.verdicts) {
      if (v.verdict != engine::Verdict::Violated || !v.trace) continue;
      if (!invariant.empty() && v.invariant != invariant) continue;
      cx.invariant = v.invariant;
      cx.facet = v.facet;
      cx.config = nc.name;
      for (const auto& st : v.trace->steps) cx.events.push_back(st.event);
      return cx;
    }
  }
  why = invariant.empty() ? "exploration finds no violation under any of its configs"
                          : fmt::format("exploration finds no violation of {}", invariant);
  return cx;
}

}  // namespace mmc::live
