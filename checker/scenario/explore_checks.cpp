// The explore block: the engine explores from the states the script
// reached; each `check` compares the expected verdict with the engine's.
#include "checker/scenario/explore_checks.h"

#include <fmt/format.h>

#include <stdexcept>

#include "checker/engine/engine.h"
#include "checker/scenario/parser.h"

namespace mmc::scenario {

namespace {

// The trace of a violation, one line per step and one per change.
std::vector<std::string> trace_lines(const engine::Trace& t) {
  std::vector<std::string> out;
  int n = 0;
  for (const engine::TraceStep& st : t.steps) {
    std::string status;
    if (st.status == mm::Status::WpFault) status = "  (uffd-wp fault to userspace)";
    if (st.status == mm::Status::Sigsegv) status = "  (SIGSEGV)";
    out.push_back(fmt::format("{}. {}{}", ++n, st.text, status));
    for (const std::string& c : st.changes) out.push_back("     " + c);
    if (st.changes.empty()) out.push_back("     (nothing changed)");
  }
  return out;
}

}  // namespace

void run_explore_checks(const Scenario& s, const engine::Workload& w, const std::vector<const CheckDecl*>& checks,
                        int threads, engine::Distribution distribution, ConfigRun& out) {
  engine::Options opt;
  opt.threads = threads;
  opt.graph_cap = 0;  // no DOT or leak finder needed here
  engine::Result r;
  try {
    r = engine::explore_on(w, opt, distribution);
  } catch (const std::invalid_argument& e) {
    throw ScenarioError(s.file, s.explore->loc, fmt::format("the engine rejects this explore block: {}", e.what()));
  }
  out.explored = true;
  out.explored_states = r.stats.states;
  out.explored_transitions = r.stats.transitions;
  out.explored_depth = r.stats.max_depth;
  for (const CheckDecl* c : checks) {
    CheckResult cr;
    cr.invariant = c->invariant;
    cr.expect_holds = c->expect_holds;
    cr.loc = c->loc;
    cr.bounds_hit = r.bounds_hit;
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
      }
    } else {
      cr.verdict = incomplete || !r.complete ? "incomplete" : "holds";
    }
    out.checks.push_back(std::move(cr));
  }
}

}  // namespace mmc::scenario
