// The explore block: the engine explores from the states the script
// reached; each `check` compares the expected verdict with the engine's.
#include "checker/scenario/explore_checks.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "checker/engine/engine.h"
#include "checker/engine/trace_text.h"
#include "checker/scenario/parser.h"

namespace mmc::scenario {

namespace {

// The trace of a violation, one line per step, decision and change.
std::vector<std::string> trace_lines(const engine::Trace& t) {
  std::vector<std::string> out;
  int n = 0;
  for (const engine::TraceStep& st : t.steps) {
    out.push_back(fmt::format("{}. {}", ++n, engine::step_title(st)));
    for (const std::string& c : engine::step_detail_lines(st, engine::TraceStyle{})) out.push_back("     " + c);
  }
  return out;
}

}  // namespace

// The engine's bound hints name explore's flags; in a scenario the depth and
// state bounds are settings of the explore line, and `run` has neither
// flag.  (`run` and `regress` do have --max-memory-mb: that hint stays.)
std::string scenario_bound_hint(std::string b) {
  const std::pair<const char*, const char*> words[] = {
      {"raise --max-depth", "raise 'depth N' on the explore line"},
      {"raise --max-states", "raise 'states N' on the explore line"},
  };
  for (const auto& [flag, setting] : words) {
    size_t at = b.find(flag);
    if (at != std::string::npos) b.replace(at, std::strlen(flag), setting);
  }
  return b;
}

void run_explore_checks(const Scenario& s, const engine::Workload& w, const std::vector<const CheckDecl*>& checks,
                        const RunOptions& ropt, ConfigRun& out) {
  engine::Options opt;
  opt.threads = ropt.threads;
  opt.progress = ropt.progress == Progress::Stderr;
  opt.graph_cap = 0;  // no DOT or leak finder needed here
  opt.max_memory_mb = ropt.max_memory_mb;
  opt.partial_order = ropt.partial_order;
  engine::Result r;
  try {
    r = engine::explore_on(w, opt, ropt.distribution);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(s.file, s.explore->loc, fmt::format("the engine rejects this explore block: {}", e.what()));
  }
  out.explored = true;
  out.explored_states = r.stats.states;
  out.explored_transitions = r.stats.transitions;
  out.explored_depth = r.stats.max_depth;
  out.proc_names = w.proc_names;
  out.device_names = w.device_names;
  for (const CheckDecl* c : checks) {
    CheckResult cr;
    cr.invariant = c->invariant;
    cr.expect_holds = c->expect_holds;
    cr.loc = c->loc;
    for (const std::string& b : r.bounds_hit) cr.bounds_hit.push_back(scenario_bound_hint(b));
    const engine::FacetResult* worst = nullptr;
    bool incomplete = false;
    for (const engine::FacetResult& f : r.verdicts) {
      if (f.invariant != c->invariant) continue;
      if (f.verdict == engine::Verdict::Incomplete) incomplete = true;
      if (f.verdict != engine::Verdict::Violated) continue;
      // The shortest trace among the violated facets.
      size_t len = f.trace ? f.trace->steps.size() : SIZE_MAX;
      if (!worst || len < (worst->trace ? worst->trace->steps.size() : SIZE_MAX)) worst = &f;
    }
    if (worst) {
      cr.verdict = "violated";
      cr.explanation = fmt::format("{}: {}", worst->facet, worst->explanation);
      if (worst->trace) {
        cr.trace = trace_lines(*worst->trace);
        cr.trace_length = worst->trace->steps.size();
        cr.steps = *worst->trace;
        cr.names = mm::DisplayNames{w.proc_names, w.device_names, w.page_names};
      }
    } else {
      cr.verdict = incomplete || !r.complete ? "incomplete" : "holds";
    }
    out.checks.push_back(std::move(cr));
  }
}

}  // namespace mmc::scenario
