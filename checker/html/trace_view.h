// What a trace viewer needs of a trace, independent of where the trace
// came from (an explore block's check, `mmcheck explore`, a failed
// expectation): per step the event, what the kernel decided (the decision
// log, when the model records one), what changed, and the state before and
// after.  The HTML page (checker/html/page.h) renders only this.
#pragma once
#include <string>
#include <vector>

#include "checker/engine/engine.h"
#include "model/describe.h"
#include "model/state.h"

namespace mmc::html {

// A line checked at a step (a script's expectation), with its outcome.
struct StepNote {
  std::string text;
  bool ok = true;
};

struct TraceViewStep {
  std::string event;                   // "A: write p[0]=2"
  std::string note;                    // "SIGSEGV", "uffd-wp fault to userspace", or empty
  std::vector<std::string> decisions;  // "do_swap_page: ...": empty until the model records decisions
  std::vector<std::string> changes;    // describe_changes lines
  std::vector<StepNote> notes;         // expectations checked after the step
  mm::State before, after;
};

struct TraceView {
  std::string heading;    // "Check stable_writes under anon-exclusive-v2-inverted"
  std::string verdict;    // "violated", "holds", "incomplete", ...
  std::string message;    // why the last state is wrong (the invariant's explanation)
  mm::DisplayNames names;
  mm::State initial;
  std::vector<TraceViewStep> steps;
  bool has_trace = true;  // false: a verdict without a path (holds), shown as a summary only
  bool is_failure = true; // the last state is what is wrong (else the trace is a witness that all is well)
};

// The engine's trace as a view: states are chained (step k's `before` is
// step k-1's `after`).  Decisions are copied here once the engine's steps
// carry them.
TraceView trace_view(const engine::Trace& t, const mm::DisplayNames& names);

}  // namespace mmc::html
