// The shortest counterexample of a scenario's explore block, as the events
// a C reproducer performs after the script (see build_trace_plan), and the
// observations that show its violation from userspace.
#pragma once
#include <string>
#include <vector>

#include "checker/live/plan.h"
#include "checker/scenario/ast.h"
#include "checker/scenario/runner.h"
#include "model/events.h"
#include "model/state.h"

namespace mmc::live {

struct Counterexample {
  std::string invariant, facet, config;
  std::string explanation;          // what is wrong in the violating state
  std::vector<mm::Event> events;
  mm::State violating{};            // the trace's last state
  // No violation found, but some config's exploration hit a bound (memory,
  // the explore line's states or depth): "none" is not known, and `why`
  // says which bound.  Callers report `incomplete` (exit 3), never "none".
  bool incomplete = false;
  // The observations that show the violation, with the value a kernel
  // without the bug returns (empty when the violation is kernel-internal:
  // stable_writes, anon_exclusive, swap_accounting).
  std::vector<TruthCheck> truths;
};

// Explores under each of the scenario's configs in order (or under
// `opt.override_config`, with `opt.sets` on top: a patch modelled as a knob)
// and returns the first violation with a trace (of `invariant` when not
// empty).  Empty events with `why` set when there is none.
Counterexample find_counterexample(const scenario::Scenario& sc, const std::string& invariant, std::string& why,
                                   const scenario::RunOptions& opt = {});

// The userspace observations of `s` that a kernel without the bug answers
// otherwise, for a violation of `invariant` (read values for cow_isolation,
// PM_SWAP for pm_swap_accuracy, mincore for mincore_semantics, pagemap
// bits for soft_dirty_persistence, uffd_wp_persistence, pagemap_exclusive).
std::vector<TruthCheck> violation_observations(const mm::State& s, const mm::Config& cfg, const std::string& invariant,
                                               const std::string& facet);

}  // namespace mmc::live
