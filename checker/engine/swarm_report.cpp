// Text and JSON of a swarm search.  The text holds nothing that varies
// between runs or with the thread count (no timing line), so two runs with
// the same seed and member count print the same bytes.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

#include "checker/engine/swarm.h"
#include "checker/engine/trace_text.h"
#include "model/describe.h"

namespace mmc::engine {

namespace {

void print_swarm_trace(std::ostream& out, const Trace& t, const mm::DisplayNames& names, const TraceStyle& style) {
  fmt::print(out, "    0. initial state\n");
  for (const std::string& line : mm::describe_state(t.initial, names)) fmt::print(out, "         {}\n", line);
  for (size_t i = 0; i < t.steps.size(); i++) {
    fmt::print(out, "    {}. {}\n", i + 1, step_title(t.steps[i]));
    for (const std::string& c : step_detail_lines(t.steps[i], style)) fmt::print(out, "         {}\n", c);
  }
}

std::string how_found(const SwarmFacet& f) {
  if (f.shortened)
    return fmt::format("member {} found one of {} steps; a BFS from the initial states found this shorter one",
                       f.member, f.found_steps);
  return fmt::format("found by member {}", f.member);
}

}  // namespace

void print_text(std::ostream& out, const SwarmResult& r, const TraceStyle& style) {
  const mm::DisplayNames names{r.proc_names, r.device_names, r.page_names};
  fmt::print(out, "swarm {} under {}: {} members, seed {}, symmetry {}; each member: a bitstate array of {} bits "
                  "(3 per state), at most {} states, depth bound <= {}\n",
             r.workload, r.config, r.members, r.seed, r.symmetry ? "on" : "off", r.member_bits, r.member_states,
             r.max_depth);
  for (size_t i = 0; i < r.member.size(); i++) {
    const SwarmMember& m = r.member[i];
    fmt::print(out, "member {}: {}, depth <= {}: {} states, {} transitions, deepest {}, {}; omission probability <= {:.3g}\n",
               i, swarm_strategy_name(m.strategy), m.depth_bound, m.states, m.transitions, m.deepest,
               m.budget_hit ? "stopped at its state budget" : "its search ran out", m.omission_probability);
  }
  for (const std::string& b : r.bounds_hit) fmt::print(out, "note: {}\n", b);
  fmt::print(out, "distinct states seen: about {:.0f} (the union of the members' HyperLogLog sketches, 2^{} registers, "
                  "standard error {:.1f}%); the members stored {} in all, {} transitions\n",
             r.union_estimate, r.hll_precision, 100 * r.hll_standard_error, r.member_state_sum, r.transitions);
  for (const SwarmFacet& f : r.verdicts) {
    if (!f.violated) {
      fmt::print(out, "{}/{}: no violation found\n", f.invariant, f.facet);
      continue;
    }
    fmt::print(out, "{}/{}: VIOLATED, a trace of {} steps ({})\n", f.invariant, f.facet,
               f.trace ? f.trace->steps.size() : 0, how_found(f));
    if (f.trace) print_swarm_trace(out, *f.trace, names, style);
    fmt::print(out, "    violated: {}\n", f.explanation);
  }
  if (r.any_violated())
    fmt::print(out, "verdict: violated\n");
  else
    fmt::print(out, "verdict: no violation found (a swarm search is incomplete: it never proves that an invariant holds)\n");
}

nlohmann::json to_json(const SwarmResult& r) {
  const mm::DisplayNames names{r.proc_names, r.device_names, r.page_names};
  nlohmann::json members = nlohmann::json::array();
  for (const SwarmMember& m : r.member)
    members.push_back({{"strategy", swarm_strategy_name(m.strategy)},
                       {"seed", m.seed},
                       {"depth_bound", m.depth_bound},
                       {"states", m.states},
                       {"transitions", m.transitions},
                       {"deepest", m.deepest},
                       {"budget_hit", m.budget_hit},
                       {"omission_probability", m.omission_probability}});
  nlohmann::json verdicts = nlohmann::json::array();
  for (const SwarmFacet& f : r.verdicts) {
    nlohmann::json v = {{"invariant", f.invariant},
                        {"facet", f.facet},
                        {"verdict", f.violated ? "violated" : "no violation found"}};
    if (f.trace) {
      v["trace_length"] = f.trace->steps.size();
      v["trace"] = trace_json(*f.trace, names);
      v["explanation"] = f.explanation;
      v["member"] = f.member;
      v["found_length"] = f.found_steps;
      v["shortened"] = f.shortened;
    }
    verdicts.push_back(v);
  }
  return {{"schema_version", JSON_SCHEMA_VERSION},
          {"workload", r.workload},
          {"config", r.config},
          {"search", "swarm"},
          {"symmetry", r.symmetry},
          {"store", "bitstate"},
          {"complete", false},
          {"swarm", {{"members", r.members}, {"seed", r.seed}, {"member_bits", r.member_bits},
                     {"member_states", r.member_states}, {"max_depth", r.max_depth}}},
          {"member_results", members},
          {"bounds_hit", r.bounds_hit},
          {"union_estimate", r.union_estimate},
          {"union_estimator", {{"kind", "hyperloglog"}, {"precision", r.hll_precision},
                               {"standard_error", r.hll_standard_error}}},
          {"member_state_sum", r.member_state_sum},
          {"transitions", r.transitions},
          {"verdicts", verdicts},
          {"timing", {{"seconds", r.seconds}}}};
}

}  // namespace mmc::engine
