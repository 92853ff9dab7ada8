// Swarm search (`mmcheck explore --swarm N --seed S`): for spaces that do not
// fit, N small diversified searches instead of one exhaustive one (Holzmann,
// Joshi, Groce: "Swarm verification", ASE 2008).  Each member searches with
// its own bounds and order, in its own small bitstate array; together they
// reach states a single bounded search would never get to.
//
// A swarm is incomplete by nature: it never says `holds`.  A facet it found
// no violation of is "no violation found" and the exit status is 3
// (EXIT_INCOMPLETE), as for any bound hit; a violation is exit 1.
//
// Deterministic: member i's strategy, depth bound and random stream come
// from (S, i) alone, members share nothing while they run, and their
// results are combined in member order, so the output is byte-identical
// for any --threads.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/engine/engine.h"
#include "checker/engine/workload.h"

namespace mmc::engine {

struct SwarmOptions {
  int members = 8;
  uint64_t seed = 1;
  int threads = 1;        // members run in parallel; the result does not depend on it
  bool symmetry = true;
  DeadState dead_state = DeadState::Forget;
  uint64_t member_mb = 4;            // each member's bitstate array (MB)
  std::optional<uint64_t> max_memory_mb;  // --max-memory-mb (default: default_memory_mb())
  bool progress = false;                  // a line on stderr as members finish (at most one a second)
  uint64_t member_states = 100'000;  // states each member may store
  std::optional<int> max_depth;      // the longest member bound (default: the workload's)
  // A violation's trace is shortened by a BFS from the initial states up to
  // one step less than the trace, stopped after this many states.
  uint64_t shorten_states = 200'000;
};

// How a member searches.
enum class SwarmStrategy : uint8_t {
  DfsShuffled,  // depth-first, successors in a fresh random order at each state
  DfsPermuted,  // depth-first, successors ordered by one random permutation of the event kinds
  Walks,        // random walks from the initial state, restarted at the depth bound or a dead end
};
const char* swarm_strategy_name(SwarmStrategy s);

struct SwarmMember {
  SwarmStrategy strategy = SwarmStrategy::DfsShuffled;
  uint64_t seed = 0;
  int depth_bound = 0;
  uint64_t states = 0;       // stored in its bitstate array
  uint64_t transitions = 0;  // successors generated
  int deepest = 0;
  bool budget_hit = false;   // stopped at its state budget (else: its search ran out)
  double omission_probability = 0;
};

struct SwarmFacet {
  std::string invariant, facet;
  bool violated = false;
  std::optional<Trace> trace;
  std::string explanation;
  int member = -1;          // the member whose trace was the shortest
  size_t found_steps = 0;   // that trace's length
  bool shortened = false;   // the BFS found a shorter one (trace)
};

struct SwarmResult {
  std::string workload, config;
  bool symmetry = true;
  int members = 0;
  uint64_t seed = 0;
  uint64_t member_bits = 0;
  uint64_t member_states = 0;
  int max_depth = 0;
  std::vector<SwarmMember> member;
  uint64_t member_state_sum = 0;     // states stored, summed over members (with repeats)
  uint64_t transitions = 0;          // summed over members
  double union_estimate = 0;         // distinct states seen by any member (HyperLogLog)
  int hll_precision = 0;             // log2 of the sketch's registers
  double hll_standard_error = 0;     // relative: 1.04 / sqrt(registers)
  std::vector<std::string> bounds_hit;  // model capacity bounds met by a member
  std::vector<SwarmFacet> verdicts;
  std::vector<std::string> proc_names, device_names, page_names;
  double seconds = 0;                // timing only (not in the text output)

  bool any_violated() const;
  int exit_status() const;  // 1 violation, 3 otherwise (never 0: a swarm is incomplete)
};

// Throws std::invalid_argument for a malformed workload or options.
SwarmResult swarm(const Workload& w, const SwarmOptions& opt);

// Text: members, the union estimate, each facet (violations with traces),
// "verdict: ...".  Deterministic: no timing.  JSON: the same, with
// "timing" holding the seconds.
void print_text(std::ostream& out, const SwarmResult& r, const TraceStyle& style = {});
nlohmann::json to_json(const SwarmResult& r);

}  // namespace mmc::engine
