#include "checker/html/from_results.h"

#include <fmt/format.h>

#include "checker/html/script_view.h"
#include "checker/scenario/report.h"

namespace mmc::html {

namespace {

bool same_path(const engine::Trace& a, const engine::Trace& b) {
  if (a.steps.size() != b.steps.size() || !(a.initial == b.initial)) return false;
  for (size_t i = 0; i < a.steps.size(); i++)
    if (!(a.steps[i].event == b.steps[i].event)) return false;
  return true;
}

}  // namespace

Page run_page(const std::vector<std::pair<scenario::Scenario, scenario::ScenarioRun>>& runs,
              const scenario::RunOptions& opt) {
  Page p;
  p.title = runs.size() == 1 ? runs[0].first.title : fmt::format("{} scenarios", runs.size());
  for (const auto& [s, r] : runs) {
    if (runs.size() > 1) p.subtitle.push_back(s.title);
    p.subtitle.push_back(s.file + (s.source.empty() ? "" : "  ·  " + s.source));
    for (const scenario::ConfigRun& c : r.configs) {
      p.subtitle.push_back(fmt::format("config {}: {} script states{}", c.config, c.script_states,
                                       c.explored ? fmt::format(", explored {} states, {} transitions, depth {}",
                                                                c.explored_states, c.explored_transitions, c.explored_depth)
                                                  : ""));
      for (const auto& o : c.observations)
        p.summary.push_back({fmt::format("[{}] Observation {}", c.config, o.name),
                             fmt::format("{} {} {}  expected {}", scenario::quant_title(o.actual()), o.pos, o.neg,
                                         scenario::quant_title(o.expected)),
                             o.ok(), o.ok() || !o.failure ? std::vector<std::string>{} : o.failure->witness});
      for (const auto& k : c.checks) {
        std::string result = fmt::format("{}  expected {}", k.verdict, k.expect_holds ? "holds" : "violated");
        for (const auto& b : k.bounds_hit) result += "  (bound hit: " + b + ")";
        p.summary.push_back({fmt::format("[{}] Check {}", c.config, k.invariant), result, k.ok(), {}});
        if (!k.steps) continue;
        TraceView v = trace_view(*k.steps, k.names);
        v.heading = fmt::format("Check {} under {}{}", k.invariant, c.config,
                                k.expect_holds ? " (expected to hold)" : " (expected: violated)");
        v.verdict = k.verdict;
        v.message = k.explanation;
        p.traces.push_back(std::move(v));
      }
      for (const auto& k : c.conditions) {
        p.summary.push_back({fmt::format("[{}] Condition {}", c.config, k.name),
                             fmt::format("{} {} {}  {}", scenario::quant_title(k.actual()), k.pos, k.neg, k.verdict()),
                             k.ok(), {}});
        if (!k.witness) continue;
        TraceView v = trace_view(*k.witness, mm::DisplayNames{c.proc_names, c.device_names});
        v.heading = fmt::format("Condition {} under {}", k.name, c.config);
        v.verdict = k.verdict();
        v.is_failure = !k.ok();
        v.message = fmt::format("{}: the shortest path to a reachable state where it {}", k.text,
                                k.witness_holds ? "holds" : "fails");
        p.traces.push_back(std::move(v));
      }
    }
    // Then the script itself, config by config.
    for (const scenario::NamedConfig& nc : scenario::scenario_configs(s, opt))
      for (const scenario::ConfigRun& c : r.configs)
        if (c.config == nc.name) p.traces.push_back(script_view(s, nc, opt, c));
  }
  return p;
}

Page explore_page(const engine::Result& r) {
  Page p;
  p.title = fmt::format("explore {}", r.workload);
  p.subtitle.push_back(fmt::format("config {}, {}, symmetry {}: {} states, {} transitions, depth {}{}", r.config, r.search,
                                   r.symmetry ? "on" : "off", r.stats.states, r.stats.transitions, r.stats.max_depth,
                                   r.complete ? "" : " (incomplete)"));
  for (const std::string& b : r.bounds_hit) p.subtitle.push_back("bound hit: " + b);
  const mm::DisplayNames names{r.proc_names, r.device_names};
  const engine::FacetResult* shown = nullptr;
  for (const engine::FacetResult& f : r.verdicts) {
    const std::string what = fmt::format("{}/{}", f.invariant, f.facet);
    p.summary.push_back({what, engine::verdict_name(f.verdict), f.verdict == engine::Verdict::Holds, {}});
    if (f.verdict != engine::Verdict::Violated || !f.trace) continue;
    // Facets violated by the same path share one section, as in the text output.
    if (shown && same_path(*shown->trace, *f.trace)) {
      p.traces.back().heading += ", " + what;
      if (f.explanation != shown->explanation) p.traces.back().message += "; " + what + ": " + f.explanation;
      continue;
    }
    shown = &f;
    TraceView v = trace_view(*f.trace, names);
    v.heading = what;
    v.verdict = "violated";
    v.message = f.explanation;
    p.traces.push_back(std::move(v));
  }
  for (TraceView& v : p.traces) v.heading += " under " + r.config;
  if (r.leak.trace) {
    TraceView v = trace_view(*r.leak.trace, names);
    v.heading = "leak: a state from which no clean end is reachable";
    v.verdict = r.leak.status;
    v.message = fmt::format("{} states cannot reach a clean end (every process exited, nothing left allocated)",
                            r.leak.stuck_states);
    p.traces.push_back(std::move(v));
  }
  return p;
}

}  // namespace mmc::html
