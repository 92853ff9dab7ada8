// The shortest counterexample of a scenario's explore block, as the events
// a C reproducer performs after the script (see build_trace_plan).
#pragma once
#include <string>
#include <vector>

#include "checker/scenario/ast.h"
#include "model/events.h"

namespace mmc::live {

struct Counterexample {
  std::string invariant, facet, config;
  std::vector<mm::Event> events;
};

// Explores under each of the scenario's configs in order and returns the
// first violation with a trace (of `invariant` when not empty).  Empty
// events with `why` set when there is none.
Counterexample find_counterexample(const scenario::Scenario& sc, const std::string& invariant, std::string& why);

}  // namespace mmc::live
