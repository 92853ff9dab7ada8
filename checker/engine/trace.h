// Traces in kernel terms: the stored path of canonical nodes turned back
// into concrete events on concrete (not renamed) states; and the DOT of a
// small explored graph.
#pragma once
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>


#include "checker/engine/engine.h"
#include "checker/engine/collapse_store.h"
#include "checker/engine/explorer.h"
#include "checker/engine/mm_model.h"
#include "model/describe.h"

namespace mmc::engine {

// Graphs up to this many states are exported whole in DOT.
inline constexpr uint64_t SMALL_GRAPH_STATES = 300;

uint64_t peak_rss_kb();

// Leak finder (engine.cpp): reverse reachability from the clean ends
// (run.marks) over run.edges; the smallest id that cannot reach one, or -1;
// `stuck` counts them.
int64_t first_stuck_state(const RawRun& run, uint64_t& stuck);

// The verdict of every checked facet into r.verdicts, each violation with
// its shortest trace: `path_to(id, check)` gives the stored nodes from the
// initial state to state `id`, where check `check` first failed (one
// process walks its own store; MPI walks parent links across ranks).
using PathTo = std::function<std::vector<MmNode>(uint32_t id, int check)>;
void add_verdicts(const MmModel& m, const Workload& w, const RawRun& run, const PathTo& path_to, Result& r);

// The run's counts, store size, fingerprint collision bound and rates into
// r.stats and r.timing (one process and MPI alike; the caller sets
// timing.ranks).
void add_run_stats(const RawRun& run, bool fingerprint, int threads, Result& r);

// Why the leak finder cannot answer this run ("" when it can).
std::string leak_unavailable(const MmModel& m, const RawRun& run, uint64_t graph_cap);

// Replays the path: at each step, the first event (in the model's fixed
// order) whose successor, renamed, is the next stored node.
Trace concrete_trace(const MmModel& m, const std::vector<MmNode>& path, const mm::DisplayNames& names);

std::string dot_escape(const std::string& s);

// The whole explored graph with event labels (canonical names), rebuilt by
// a BFS over the stored states (only for small graphs).  A `subgraph
// cluster_graph { ... }` body, not a digraph: to_dot puts it inside the one
// digraph it writes beside the traces (two digraphs in one file render as
// an empty picture).
template <class Store>
std::string graph_dot(const MmModel& m, const Store& store, const RawRun& run, const mm::DisplayNames& names) {
  const size_t n = run.states;
  std::vector<MmNode> node(n);
  std::vector<uint8_t> seen(n, 0);
  std::vector<uint32_t> queue;
  std::vector<std::string> edges;
  auto id_of = [&](const MmNode& x) {
    MmModel::Key k = m.pack(x);
    return store.find(k, Store::hash(k));
  };
  for (const MmNode& x : m.initial()) {
    int64_t id = id_of(x);
    if (id >= 0 && !seen[id]) {
      seen[id] = 1;
      node[id] = x;
      queue.push_back(static_cast<uint32_t>(id));
    }
  }
  for (size_t qi = 0; qi < queue.size(); qi++) {
    const uint32_t from = queue[qi];
    m.for_each_successor(node[from], [&](const mm::Event& e, mm::Status, const MmNode& succ) {
      int64_t to = id_of(succ);
      if (to < 0) return;
      edges.push_back("    s" + std::to_string(from) + " -> s" + std::to_string(to) + " [label=\"" +
                      dot_escape(mm::describe_event(e, node[from].s, names)) + "\"];\n");
      if (!seen[to]) {
        seen[to] = 1;
        node[to] = succ;
        queue.push_back(static_cast<uint32_t>(to));
      }
    });
  }
  std::string out = "  subgraph cluster_graph {\n    label=\"explored states\";\n";
  for (size_t v = 0; v < n; v++) {
    std::string label = "#" + std::to_string(v);
    if (seen[v])
      for (const std::string& line : mm::describe_state(node[v].s, names)) label += "\\n" + dot_escape(line);
    out += "    s" + std::to_string(v) + " [label=\"" + label + "\"" +
           (v < run.marks.size() && run.marks[v] ? ", style=bold" : "") + "];\n";
  }
  for (const std::string& e : edges) out += e;
  return out + "  }\n";
}

}  // namespace mmc::engine
