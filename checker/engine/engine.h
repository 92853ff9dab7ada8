// The checker engine as a library: explore a Workload exhaustively (BFS or
// DFS), or walk it at random, and report per-invariant verdicts with
// shortest counterexample traces.  Stable API for the CLI and for the
// scenario language (checker/scenario/).
//
//   mmc::engine::Workload w = ...;             // checker/engine/workload.h
//   mmc::engine::Options opt;                  // defaults: BFS, 1 thread, symmetry on
//   mmc::engine::Result r = mmc::engine::explore(w, opt);
//   mmc::engine::print_text(std::cout, r);     // or to_json(r), write_dot(...)
//   return r.exit_status();                    // 0 holds, 1 violated, 3 incomplete
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/engine/partial_order.h"
#include "checker/engine/workload.h"
#include "model/decisions.h"

namespace mmc::engine {

// 2: trace steps carry status, decisions and ghost_changes apart (docs/json.md).
inline constexpr int JSON_SCHEMA_VERSION = 2;

enum class Search { Bfs, Dfs };

struct Options {
  Search search = Search::Bfs;
  int threads = 1;            // results are byte-identical for any value
  bool symmetry = true;       // canonical renaming of folios, slots, interchangeable processes
  bool fingerprint = false;   // store 64-bit fingerprints instead of exact encodings
  DeadState dead_state = DeadState::Forget;  // --keep-dead-state: Keep
  // Persistent sets from the model's footprints (--no-reduction: Off).  A
  // violation found with it is re-searched without it up to its depth, so
  // traces stay shortest (docs/engine.md).
  PartialOrder partial_order = kDefaultPartialOrder;
  // Bitstate hashing with a bit array of this many MB (0: off): depth-first,
  // no graph, states may be omitted; the result prints the probability.
  uint64_t bitstate_mb = 0;
  bool progress = false;      // progress line on stderr even when it is not a terminal
  // Overrides of the workload's bounds.
  std::optional<int> max_depth;
  std::optional<uint64_t> max_states;
  std::optional<uint64_t> max_memory_mb;
  // Keep the explored graph (Boost.Graph) for DOT export and the leak
  // finder when the run stores at most this many states.
  uint64_t graph_cap = 200'000;
};

enum class Verdict { Holds, Violated, Incomplete };
const char* verdict_name(Verdict v);  // "holds", "violated", "incomplete"

// One step of a trace: the event as taken on the concrete (not renamed)
// state, and what it changed, in kernel terms.
struct TraceStep {
  mm::Event event;
  mm::Status status = mm::Status::Done;
  std::string text;                  // "A: write p[0]=1"
  std::vector<std::string> changes;  // "A.pte[0]: none -> present(F0,rw,dirty)"
  mm::Decisions decisions;           // what the modelled kernel decided, and why (model/decisions.h)
  bool has_event = true;             // false: a scripted step that is no single model event (mmap, a kernel step)
  mm::State after;
};

struct Trace {
  mm::State initial;
  std::vector<TraceStep> steps;
};

struct FacetResult {
  std::string invariant;
  std::string facet;
  Verdict verdict = Verdict::Holds;
  std::optional<Trace> trace;   // Violated: the shortest trace (BFS) / a trace (DFS)
  std::string explanation;      // Violated: what is wrong in the last state
};

// From every reachable state, can a clean end be reached (every process
// exited, no folio or swap slot allocated but what a memfd keeps:
// mm::is_clean_end)?
struct LeakResult {
  std::string status = "skipped";  // "clean", "leak", "skipped"
  std::string reason;              // why skipped
  uint64_t stuck_states = 0;       // states from which no clean end is reachable
  std::optional<Trace> trace;      // shortest path to such a state
};

struct Stats {
  uint64_t states = 0;        // distinct (canonical) states stored
  uint64_t transitions = 0;   // successors generated (edges explored)
  int max_depth = 0;          // deepest level reached
  uint64_t store_bytes = 0;   // visited store (table + encodings + parents)
  double bytes_per_state = 0;
  uint64_t userspace_faults = 0;  // WpFault / Sigsegv outcomes seen
  // Partial-order reduction: states expanded with a persistent set smaller
  // than all their events, and states expanded fully by the cycle proviso.
  uint64_t reduced_expansions = 0;
  uint64_t proviso_expansions = 0;
};

// Everything that varies between runs or with the thread count.
struct Timing {
  int threads = 1;
  double seconds = 0;
  double states_per_second = 0;       // stored states / s
  double transitions_per_second = 0;  // states generated / s
  uint64_t peak_rss_kb = 0;
  double expand_seconds = 0;  // BFS: parallel part (successor generation, invariants)
  double merge_seconds = 0;   // BFS: the merge phases (ordered insertion into the store; partly parallel)
  // BFS: wall time outside the worker pool's parallel sections (what one
  // thread runs alone: the engine's Amdahl bound on N threads is
  // 1 / (s + (1 - s) / N) with s = serial_seconds / seconds on 1 thread).
  double serial_seconds = 0;
  // --mpi (checker/engine/mpi/): the job's ranks, and per rank what it
  // stored, held and sent.  ranks == 0: a single-process run.
  int ranks = 0;
  uint64_t bytes_sent = 0;         // all ranks: successor batches + id assignment + final counts
  uint64_t successor_bytes = 0;    // all ranks: the successor batches alone
  uint64_t successor_records = 0;  // all ranks: successors sent to another rank
  int levels = 0;                  // BFS levels exchanged
  std::vector<uint64_t> level_bytes;   // all ranks, by BFS level
  std::vector<uint64_t> level_states;  // new states each level stored
  std::vector<uint64_t> rank_states, rank_store_bytes, rank_peak_rss_kb;
  std::vector<double> rank_cpu_seconds;  // user + system, whole process (a shared machine's wall time misleads)
};

struct Result {
  std::string workload;
  std::string config;
  std::string search;           // "bfs" / "dfs"
  bool symmetry = true;
  bool partial_order = false;   // the search used partial-order reduction
  bool fingerprint = false;
  double collision_probability = 0;  // fingerprint mode: bound on a missed state
  uint64_t bitstate_bits = 0;         // bitstate mode: bits in the array (0: not bitstate)
  int bitstate_hashes = 0;            // bitstate mode: bits set per state
  double omission_probability = 0;    // bitstate mode: bound on an omitted state
  bool complete = true;
  std::vector<std::string> bounds_hit;  // "model bound hit: ... (raise MAX_FOLIOS)", "max-depth 12", ...
  Stats stats;
  Timing timing;
  std::vector<FacetResult> verdicts;  // library order, one per (invariant, facet)
  LeakResult leak;
  std::string dot;                     // whole state graph when small, else empty
  std::vector<std::string> proc_names, device_names, page_names;

  bool any_violated() const;
  // 1 when an invariant is violated, 3 when a bound made a verdict
  // incomplete, 0 when every checked invariant holds.
  int exit_status() const;
};

inline constexpr int EXIT_INCOMPLETE = 3;

// Exhaustive exploration.  Throws std::invalid_argument for a malformed
// workload (no initial state, unknown invariant, too many limited kinds).
Result explore(const Workload& w, const Options& opt);

struct SimResult {
  uint64_t seed = 0;
  int steps_taken = 0;
  bool dead_end = false;              // no enabled event before `steps`
  bool memory_stop = false;           // the memory bound ended the walk before `steps` (bounds_hit says so)
  std::vector<std::string> bounds_hit;
  std::optional<FacetResult> violation;  // first violation on the walk (trace = the walk so far)
  Trace walk;
  std::vector<std::string> proc_names, device_names, page_names;
  int exit_status() const;  // 1 violation, 3 the memory bound ended the walk, 0 otherwise
};

struct SimOptions {
  // The bound on the whole process (nullopt: the default of memory.h).  The
  // walk keeps every step (text, changes, decisions, the state after), about
  // half a KB each; it stops at a sixth of the bound (and of the address
  // space ulimit -v leaves), which leaves room for the copy a violation keeps
  // and for the JSON of the walk (about three times the walk).
  std::optional<uint64_t> max_memory_mb;
  bool progress = false;  // a line on stderr every ~2 s
};

// A seeded random walk of at most `steps` events: same seed, same walk
// (the memory bound can only end it earlier, and says so).
SimResult simulate(const Workload& w, uint64_t seed, int steps, const SimOptions& opt = {});

// How traces are printed (checker/engine/trace_text.h).
struct TraceStyle {
  bool ghost = false;  // --ghost: show the ghost-state lines
  // --source-url: a link per decision; {file} and {function} are replaced,
  // e.g. "https://elixir.bootlin.com/linux/v6.18/source/{file}" (empty: none).
  std::string source_url;
};

// Output.  Text: verdicts, traces step by step with what changed, stats,
// then one line starting "timing:".  JSON: everything, with the
// non-deterministic figures in the "timing" object only.
void print_text(std::ostream& out, const Result& r, const TraceStyle& style = {});
nlohmann::json to_json(const Result& r);
void print_text(std::ostream& out, const SimResult& r, const TraceStyle& style = {});
nlohmann::json to_json(const SimResult& r);
// DOT of the violation traces (and of the whole graph when it was kept small).
std::string to_dot(const Result& r);

}  // namespace mmc::engine
