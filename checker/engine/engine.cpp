// explore(): the kernel model through the generic search, then verdicts,
// concrete traces, the leak finder and the small-graph export.
#include "checker/engine/engine.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "checker/engine/bitstate_store.h"
#include "checker/engine/collapse_store.h"
#include "checker/engine/explorer.h"
#include "checker/engine/memory.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/trace.h"
#include "model/describe.h"

namespace mmc::engine {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Holds: return "holds";
    case Verdict::Violated: return "violated";
    case Verdict::Incomplete: return "incomplete";
  }
  return "?";
}

bool Result::any_violated() const {
  for (const FacetResult& f : verdicts)
    if (f.verdict == Verdict::Violated) return true;
  return false;
}

int Result::exit_status() const {
  if (any_violated()) return 1;
  for (const FacetResult& f : verdicts)
    if (f.verdict == Verdict::Incomplete) return EXIT_INCOMPLETE;
  return 0;
}

uint64_t peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

// The reversed explored graph in Boost's compressed sparse row form: built
// in one pass from the sorted edge list, out-edges = predecessors.
using ReverseGraph = boost::compressed_sparse_row_graph<boost::directedS>;

// Reverse reachability from the clean ends: every state that cannot reach
// one is stuck.  Returns the smallest stuck id (BFS ids: a shallowest one)
// or -1.
int64_t first_stuck_state(const RawRun& run, uint64_t& stuck) {
  const size_t n = run.states;
  std::vector<std::pair<uint32_t, uint32_t>> reversed;
  reversed.reserve(run.edges.size());
  for (auto [a, b] : run.edges) reversed.emplace_back(b, a);
  std::sort(reversed.begin(), reversed.end());
  ReverseGraph g(boost::edges_are_sorted, reversed.begin(), reversed.end(), n);
  std::vector<uint8_t> reaches(n, 0);
  std::vector<size_t> queue;
  for (size_t v = 0; v < n; v++)
    if (v < run.marks.size() && run.marks[v]) {
      reaches[v] = 1;
      queue.push_back(v);
    }
  for (size_t qi = 0; qi < queue.size(); qi++) {
    for (auto [e, end] = boost::out_edges(queue[qi], g); e != end; ++e) {
      size_t u = boost::target(*e, g);
      if (!reaches[u]) {
        reaches[u] = 1;
        queue.push_back(u);
      }
    }
  }
  stuck = 0;
  int64_t first = -1;
  for (size_t v = 0; v < n; v++)
    if (!reaches[v]) {
      stuck++;
      if (first < 0) first = static_cast<int64_t>(v);
    }
  return first;
}

void add_verdicts(const MmModel& m, const Workload& w, const RawRun& run, const PathTo& path_to, Result& r) {
  const mm::DisplayNames names{w.proc_names, w.device_names, w.page_names};
  for (int i = 0; i < m.num_checks(); i++) {
    const Check& c = m.checks()[i];
    FacetResult f;
    f.invariant = std::string(c.inv->name);
    f.facet = std::string(c.inv->facets[c.facet]);
    if (run.first_violation[i] >= 0) {
      f.verdict = Verdict::Violated;
      f.trace = concrete_trace(m, path_to(static_cast<uint32_t>(run.first_violation[i]), i), names);
      const mm::State& last = f.trace->steps.empty() ? f.trace->initial : f.trace->steps.back().after;
      f.explanation = c.inv->explain(last, w.config);
    } else {
      f.verdict = run.complete() ? Verdict::Holds : Verdict::Incomplete;
    }
    r.verdicts.push_back(std::move(f));
  }
}

void add_run_stats(const RawRun& run, bool fingerprint, int threads, Result& r) {
  r.stats.states = run.states;
  r.stats.transitions = run.transitions;
  r.stats.max_depth = run.max_depth;
  r.stats.store_bytes = run.store_bytes;
  r.stats.bytes_per_state = run.states ? static_cast<double>(run.store_bytes) / run.states : 0;
  r.stats.userspace_faults = run.userspace_faults;
  r.stats.reduced_expansions = run.reduced_expansions;
  r.stats.proviso_expansions = run.proviso_expansions;
  if (fingerprint) {
    const double n = static_cast<double>(run.states);
    r.collision_probability = n * n / 36893488147419103232.0;  // n^2 / 2^65
  }
  r.timing.threads = threads;
  r.timing.seconds = run.seconds;
  if (run.seconds > 0) {
    r.timing.states_per_second = run.states / run.seconds;
    r.timing.transitions_per_second = run.transitions / run.seconds;
  }
}

std::string leak_unavailable(const MmModel& m, const RawRun& run, uint64_t graph_cap) {
  if (!m.has_exit_event()) return "the alphabet has no exit event, so no run can end with every process exited";
  if (!run.complete()) return "the exploration is incomplete";
  if (!run.edges_kept) return "more states than the graph cap (" + std::to_string(graph_cap) + ")";
  return "";
}

namespace {

template <class Store>
void finish(const MmModel& m, const Workload& w, const Options& opt, Store& store, const RawRun& run, Result& r) {
  const mm::DisplayNames names{w.proc_names, w.device_names, w.page_names};
  using Ex = Explorer<MmModel, Store>;
  add_verdicts(m, w, run,
               [&](uint32_t id, int) { return Ex::nodes_on_path(m, store, run, id); }, r);
  // Leak finder.
  r.leak.reason = leak_unavailable(m, run, opt.graph_cap);
  if (r.leak.reason.empty()) {
    int64_t first = first_stuck_state(run, r.leak.stuck_states);
    r.leak.status = first < 0 ? "clean" : "leak";
    if (first >= 0) r.leak.trace = concrete_trace(m, Ex::nodes_on_path(m, store, run, static_cast<uint32_t>(first)), names);
  }
  if (run.edges_kept && run.states <= SMALL_GRAPH_STATES) r.dot = graph_dot(m, store, run, names);
}

Result explore_once(const Workload& w, const Options& opt);

}  // namespace

// With partial-order reduction the search visits fewer states; three
// things are then taken from a search without it (docs/engine.md):
// - traces: each violation found is searched again without reduction up to
//   the depth it was found at, so its trace is a shortest one of the whole
//   graph (the reduced graph's shortest path to a violation can be longer);
// - the leak finder and the DOT graph: "a clean end stays reachable" is
//   not a property persistent sets preserve, so they come from the
//   unreduced graph, explored only while it fits the graph cap (as before).
Result explore(const Workload& w, const Options& opt) {
  Result r = explore_once(w, opt);
  if (opt.partial_order == PartialOrder::Off || !r.partial_order) return r;
  Options plain = opt;
  plain.partial_order = PartialOrder::Off;
  plain.progress = false;
  // Shortest traces.
  int deepest = -1;
  for (const FacetResult& f : r.verdicts)
    if (f.verdict == Verdict::Violated && f.trace) deepest = std::max(deepest, static_cast<int>(f.trace->steps.size()));
  if (deepest >= 0 && r.search == "bfs") {
    Options shorten = plain;
    shorten.max_depth = deepest;
    shorten.graph_cap = 0;
    const Result u = explore_once(w, shorten);
    r.timing.seconds += u.timing.seconds;  // the whole answer's time
    for (size_t i = 0; i < r.verdicts.size() && i < u.verdicts.size(); i++) {
      const FacetResult& uf = u.verdicts[i];
      FacetResult& rf = r.verdicts[i];
      // Not found again (a bound stopped the re-search): the reduced
      // graph's trace is kept.  Found: a shortest trace of the whole graph.
      if (uf.verdict != Verdict::Violated) continue;
      rf.verdict = Verdict::Violated;
      rf.trace = uf.trace;
      rf.explanation = uf.explanation;
    }
  }
  // Leak finder and DOT graph.
  if (opt.graph_cap > 0 && r.complete) {
    Options graph = plain;
    graph.max_states = opt.graph_cap + 1;
    Result g = explore_once(w, graph);
    r.timing.seconds += g.timing.seconds;
    if (g.stats.states > opt.graph_cap) {
      if (g.leak.reason.rfind("the alphabet has no exit event", 0) != 0)
        g.leak = LeakResult{"skipped", "more states than the graph cap (" + std::to_string(opt.graph_cap) + ")", 0, {}};
      g.dot.clear();
    }
    r.leak = std::move(g.leak);
    r.dot = std::move(g.dot);
  }
  return r;
}

namespace {

Result explore_once(const Workload& w, const Options& opt) {
  MmModel m(w, opt.symmetry, opt.dead_state);
  SearchLimits lim;
  lim.dfs = opt.search == Search::Dfs || opt.bitstate_mb > 0;
  lim.partial_order = opt.partial_order;
  lim.threads = std::max(1, opt.threads);
  lim.max_depth = opt.max_depth.value_or(w.bounds.max_depth);
  lim.max_states = opt.max_states.value_or(w.bounds.max_states);
  // State ids are 26 bits in the exact store (and 32 bits in the parent array).
  if (!opt.fingerprint) lim.max_states = std::min<uint64_t>(lim.max_states, CollapseStore::MAX_IDS - 1);
  lim.max_states = std::min<uint64_t>(lim.max_states, uint64_t{NO_PARENT} - 1);
  // A workload's own default bound (check's starts) is cut to the machine.
  const MemoryBudget budget =
      memory_budget(opt.max_memory_mb ? *opt.max_memory_mb : default_memory_mb(w.bounds.max_memory_mb), lim.threads);
  lim.max_memory_bytes = budget.accounted_bytes;
  lim.max_rss_bytes = budget.rss_bytes;
  // The bit array is allocated (and zeroed) whole before the first state:
  // one larger than the bound is a usage error, not a std::bad_alloc or a
  // process far past the bound.
  if (opt.bitstate_mb > budget.total_mb)
    throw std::invalid_argument("--bitstate: an array of " + std::to_string(opt.bitstate_mb) +
                                " MB does not fit the memory bound (" + std::to_string(budget.total_mb) +
                                " MB); give a smaller --bitstate or a larger --max-memory-mb");
  lim.edge_cap = opt.bitstate_mb > 0 ? 0 : opt.graph_cap;  // a bitstate store has no ids for seen states
  lim.progress = opt.progress;

  Result r;
  r.workload = w.name;
  r.config = w.config.name;
  r.search = lim.dfs ? "dfs" : "bfs";
  r.symmetry = opt.symmetry;
  r.partial_order = opt.partial_order == PartialOrder::On;
  r.fingerprint = opt.fingerprint;
  r.proc_names = w.proc_names;
  r.device_names = w.device_names;
  r.page_names = w.page_names;

  RawRun run;
  int record_bytes = 0;
  if (opt.bitstate_mb > 0) {
    BitstateStore<MmModel::Key> store(opt.bitstate_mb);
    run = Explorer<MmModel, decltype(store)>(m, store, lim).run();
    r.bitstate_bits = store.bit_count();
    r.bitstate_hashes = store.K;
    r.omission_probability = BitstateStore<MmModel::Key>::omission_probability(run.states, store.bit_count());
    finish(m, w, opt, store, run, r);
  } else if (opt.fingerprint) {
    FingerprintStore<MmModel::Key> store;
    run = Explorer<MmModel, decltype(store)>(m, store, lim).run();
    record_bytes = store.record_bytes;
    finish(m, w, opt, store, run, r);
  } else {
    CollapseStore store;
    run = Explorer<MmModel, decltype(store)>(m, store, lim).run();
    record_bytes = store.record_bytes;
    finish(m, w, opt, store, run, r);
  }
  (void)record_bytes;
  r.complete = run.complete();
  for (const std::string& why : run.capacity_reasons) r.bounds_hit.push_back("model bound hit: " + why);
  if (run.depth_bound_hit) r.bounds_hit.push_back("depth bound hit: raise --max-depth (now " + std::to_string(lim.max_depth) + ")");
  if (run.state_bound_hit) r.bounds_hit.push_back("state bound hit: raise --max-states (now " + std::to_string(lim.max_states) + ")");
  if (run.memory_bound_hit)
    r.bounds_hit.push_back(budget.bound_text());
  add_run_stats(run, opt.fingerprint, lim.threads, r);
  r.timing.peak_rss_kb = peak_rss_kb();
  r.timing.expand_seconds = run.expand_seconds;
  r.timing.merge_seconds = run.merge_seconds;
  r.timing.serial_seconds = run.serial_seconds;
  return r;
}

}  // namespace

}  // namespace mmc::engine
