// Text, JSON and DOT output of an exploration or a simulation.  Everything
// that varies between runs (times, rates, memory, thread count) goes into
// the one "timing:" line / "timing" object.
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <ostream>

#include "checker/engine/engine.h"
#include "checker/engine/trace.h"
#include "checker/engine/trace_text.h"
#include "model/describe.h"

namespace mmc::engine {

namespace {

template <class R>
mm::DisplayNames names_of(const R& r) {
  return mm::DisplayNames{r.proc_names, r.device_names, r.page_names};
}

void print_trace(std::ostream& out, const Trace& t, const mm::DisplayNames& names, const TraceStyle& style) {
  fmt::print(out, "    0. initial state\n");
  for (const std::string& line : mm::describe_state(t.initial, names)) fmt::print(out, "         {}\n", line);
  for (size_t i = 0; i < t.steps.size(); i++) {
    const TraceStep& s = t.steps[i];
    fmt::print(out, "    {}. {}\n", i + 1, step_title(s));
    for (const std::string& c : step_detail_lines(s, style)) fmt::print(out, "         {}\n", c);
  }
}

bool same_events(const Trace& a, const Trace& b) {
  if (a.steps.size() != b.steps.size()) return false;
  for (size_t i = 0; i < a.steps.size(); i++)
    if (!(a.steps[i].event == b.steps[i].event)) return false;
  return a.initial == b.initial;
}

std::string human_count(double x) {
  if (x >= 1e6) return fmt::format("{:.2f}M", x / 1e6);
  if (x >= 1e3) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

}  // namespace

void print_text(std::ostream& out, const Result& r, const TraceStyle& style) {
  const auto names = names_of(r);
  fmt::print(out, "explore {} under {}: {}, symmetry {}, {} store\n", r.workload, r.config, r.search,
             r.symmetry ? "on" : "off", r.bitstate_bits ? "bitstate" : r.fingerprint ? "fingerprint" : "exact");
  for (const std::string& b : r.bounds_hit) fmt::print(out, "incomplete: {}\n", b);
  const FacetResult* shown = nullptr;  // the last violation printed with its trace
  for (const FacetResult& f : r.verdicts) {
    if (f.verdict != Verdict::Violated) {
      fmt::print(out, "{}/{}: {}\n", f.invariant, f.facet, verdict_name(f.verdict));
      continue;
    }
    fmt::print(out, "{}/{}: VIOLATED, {} trace of {} steps\n", f.invariant, f.facet,
               r.search == "bfs" ? "shortest" : "a", f.trace ? f.trace->steps.size() : 0);
    if (f.trace && shown && shown->trace && same_events(*shown->trace, *f.trace)) {
      fmt::print(out, "    (the same trace as {}/{})\n", shown->invariant, shown->facet);
    } else if (f.trace) {
      print_trace(out, *f.trace, names, style);
      shown = &f;
    }
    fmt::print(out, "    violated: {}\n", f.explanation);
  }
  if (r.leak.status == "skipped") fmt::print(out, "leak check: skipped ({})\n", r.leak.reason);
  else if (r.leak.status == "clean") fmt::print(out, "leak check: clean (a clean end is reachable from every state)\n");
  else {
    fmt::print(out, "leak check: LEAK: {} states cannot reach a clean end; shortest path to one ({} steps):\n",
               r.leak.stuck_states, r.leak.trace ? r.leak.trace->steps.size() : 0);
    if (r.leak.trace) print_trace(out, *r.leak.trace, names, style);
  }
  fmt::print(out, "states: {}, transitions: {}, max depth: {}, bytes/state: {:.1f}, store: {} bytes{}\n",
             r.stats.states, r.stats.transitions, r.stats.max_depth, r.stats.bytes_per_state, r.stats.store_bytes,
             r.stats.userspace_faults ? fmt::format(", userspace faults: {}", r.stats.userspace_faults) : "");
  if (r.partial_order)
    fmt::print(out,
               "partial-order reduction: {} states expanded with a persistent set, {} fully by the cycle proviso "
               "(--no-reduction: every event)\n",
               r.stats.reduced_expansions, r.stats.proviso_expansions);
  if (r.fingerprint)
    fmt::print(out, "fingerprints: 64-bit; probability that a state was missed by a collision <= {:.3g}\n",
               r.collision_probability);
  if (r.bitstate_bits)
    fmt::print(out, "bitstate: {} bits, {} per state; probability that a state was omitted <= {:.3g}\n",
               r.bitstate_bits, r.bitstate_hashes, r.omission_probability);
  if (r.bitstate_bits && !r.any_violated() && r.exit_status() == 0)
    fmt::print(out, "verdict: holds over the states reached (bitstate: a state omitted with probability <= {:.3g})\n",
               r.omission_probability);
  else
    fmt::print(out, "verdict: {}\n", r.any_violated() ? "violated" : r.exit_status() == 0 ? "holds" : "incomplete");
  fmt::print(out, "timing: {:.3f} s, {} states/s, {} generated/s, threads {}, peak RSS {} MB\n", r.timing.seconds,
             human_count(r.timing.states_per_second), human_count(r.timing.transitions_per_second), r.timing.threads,
             r.timing.peak_rss_kb / 1024);
  if (r.timing.ranks > 0) {
    uint64_t max_rss = 0;
    for (uint64_t kb : r.timing.rank_peak_rss_kb) max_rss = std::max(max_rss, kb);
    fmt::print(out, "timing: mpi {} ranks, {} levels, {:.1f} MB sent ({:.1f} bytes/state), max peak RSS per rank {} MB\n",
               r.timing.ranks, r.timing.levels, r.timing.bytes_sent / 1e6,
               r.stats.states ? static_cast<double>(r.timing.bytes_sent) / r.stats.states : 0.0, max_rss / 1024);
  }
}

nlohmann::json to_json(const Result& r) {
  const auto names = names_of(r);
  nlohmann::json verdicts = nlohmann::json::array();
  for (const FacetResult& f : r.verdicts) {
    nlohmann::json v = {{"invariant", f.invariant}, {"facet", f.facet}, {"verdict", verdict_name(f.verdict)}};
    if (f.trace) {
      v["trace_length"] = f.trace->steps.size();
      v["trace"] = trace_json(*f.trace, names);
      v["explanation"] = f.explanation;
    }
    verdicts.push_back(v);
  }
  nlohmann::json leak = {{"status", r.leak.status}};
  if (!r.leak.reason.empty()) leak["reason"] = r.leak.reason;
  if (r.leak.status == "leak") {
    leak["stuck_states"] = r.leak.stuck_states;
    if (r.leak.trace) leak["trace"] = trace_json(*r.leak.trace, names);
  }
  nlohmann::json j = {
      {"schema_version", JSON_SCHEMA_VERSION},
      {"workload", r.workload},
      {"config", r.config},
      {"search", r.search},
      {"symmetry", r.symmetry},
      {"store", r.bitstate_bits ? "bitstate" : r.fingerprint ? "fingerprint" : "exact"},
      {"complete", r.complete},
      {"bounds_hit", r.bounds_hit},
      {"states", r.stats.states},
      {"transitions", r.stats.transitions},
      {"depth", r.stats.max_depth},
      {"store_bytes", r.stats.store_bytes},
      {"bytes_per_state", r.stats.bytes_per_state},
      {"userspace_faults", r.stats.userspace_faults},
      {"partial_order", r.partial_order},
      {"reduced_expansions", r.stats.reduced_expansions},
      {"verdicts", verdicts},
      {"leak", leak},
      {"timing",
       {{"threads", r.timing.threads},
        {"seconds", r.timing.seconds},
        {"states_per_second", r.timing.states_per_second},
        {"transitions_per_second", r.timing.transitions_per_second},
        {"peak_rss_kb", r.timing.peak_rss_kb},
        {"expand_seconds", r.timing.expand_seconds},
        {"merge_seconds", r.timing.merge_seconds},
        {"serial_seconds", r.timing.serial_seconds}}},
  };
  if (r.fingerprint) j["collision_probability"] = r.collision_probability;
  if (r.timing.ranks > 0)
    j["timing"]["mpi"] = {{"ranks", r.timing.ranks},
                          {"levels", r.timing.levels},
                          {"bytes_sent", r.timing.bytes_sent},
                          {"successor_bytes", r.timing.successor_bytes},
                          {"successor_records", r.timing.successor_records},
                          {"level_bytes", r.timing.level_bytes},
                          {"level_states", r.timing.level_states},
                          {"rank_states", r.timing.rank_states},
                          {"rank_store_bytes", r.timing.rank_store_bytes},
                          {"rank_peak_rss_kb", r.timing.rank_peak_rss_kb},
                          {"rank_cpu_seconds", r.timing.rank_cpu_seconds}};
  if (r.bitstate_bits) {
    j["bitstate"] = {{"bits", r.bitstate_bits}, {"hashes", r.bitstate_hashes}};
    j["omission_probability"] = r.omission_probability;
  }
  return j;
}

std::string to_dot(const Result& r) {
  const auto names = names_of(r);
  std::string out = "digraph mmcheck {\n  node [shape=box, fontname=monospace, fontsize=9];\n";
  int t = 0;
  for (const FacetResult& f : r.verdicts) {
    if (!f.trace) continue;
    out += fmt::format("  subgraph cluster_t{} {{\n    label=\"{}\";\n", t,
                       dot_escape(f.invariant + "/" + f.facet + " violated"));
    auto state_label = [&](const mm::State& s) {
      std::string label;
      for (const std::string& line : mm::describe_state(s, names)) label += dot_escape(line) + "\\n";
      return label;
    };
    out += fmt::format("    t{}_0 [label=\"{}\"];\n", t, state_label(f.trace->initial));
    for (size_t i = 0; i < f.trace->steps.size(); i++) {
      const TraceStep& s = f.trace->steps[i];
      out += fmt::format("    t{}_{} [label=\"{}\"{}];\n", t, i + 1, state_label(s.after),
                         i + 1 == f.trace->steps.size() ? ", color=red" : "");
      out += fmt::format("    t{}_{} -> t{}_{} [label=\"{}\"];\n", t, i, t, i + 1, dot_escape(s.text));
    }
    out += "  }\n";
    t++;
  }
  if (!r.dot.empty()) out += r.dot;  // the whole graph, a cluster of the same digraph
  return out + "}\n";
}

void print_text(std::ostream& out, const SimResult& r, const TraceStyle& style) {
  const auto names = names_of(r);
  fmt::print(out, "simulate seed {}: {} steps{}\n", r.seed, r.steps_taken,
             r.dead_end      ? " (dead end: no enabled event)"
             : r.memory_stop ? " (incomplete: the memory bound ended the walk)"
                             : "");
  for (const std::string& b : r.bounds_hit) fmt::print(out, "note: {}\n", b);
  if (r.violation) {
    fmt::print(out, "{}/{}: VIOLATED after {} steps\n", r.violation->invariant, r.violation->facet,
               r.walk.steps.size());
    print_trace(out, r.walk, names, style);
    fmt::print(out, "    violated: {}\n", r.violation->explanation);
  } else {
    fmt::print(out, "no invariant violated on this walk\n");
    print_trace(out, r.walk, names, style);
  }
}

nlohmann::json to_json(const SimResult& r) {
  const auto names = names_of(r);
  nlohmann::json j = {{"schema_version", JSON_SCHEMA_VERSION},
                      {"seed", r.seed},
                      {"steps", r.steps_taken},
                      {"dead_end", r.dead_end},
                      {"incomplete", r.memory_stop},
                      {"bounds_hit", r.bounds_hit},
                      {"walk", trace_json(r.walk, names)}};
  if (r.violation)
    j["violation"] = {{"invariant", r.violation->invariant},
                      {"facet", r.violation->facet},
                      {"explanation", r.violation->explanation}};
  return j;
}

}  // namespace mmc::engine
