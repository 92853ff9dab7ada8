// What the engine explores: initial states, a config, an event alphabet with
// per-kind limits, symmetry declarations and bounds.  Built-in workloads
// (checker/workloads/) and scenario files both produce one of these.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/events.h"
#include "model/state.h"

namespace mmc::engine {

// One kind of event the exploration may take, with how often (per path).
struct AlphabetEntry {
  mm::EventKind kind = mm::EventKind::ReadFault;
  int limit = -1;  // -1: unlimited; n >= 0: at most n times on any path
};

// Limited kinds each carry a usage counter in the explored node; the
// counters are part of the node's identity.
inline constexpr int MAX_LIMITED_KINDS = 4;

// Whether the stored identity of a state forgets what nothing the search
// checks reads (Process::parent; ghost bits no checked invariant and no
// event reads: mm::forget_unread).  Traces still replay concrete states.
enum class DeadState : uint8_t { Forget, Keep };

struct Bounds {
  int max_depth = 200;                  // BFS/DFS levels (events on a path)
  uint64_t max_states = 20'000'000;     // distinct stored states
  // The whole process (store, frontier, buffers, graph); 0: half the
  // physical memory (engine/memory.h), always cut to what ulimit -v leaves.
  uint64_t max_memory_mb = 0;
};

struct Workload {
  std::string name;
  std::string description;
  std::vector<mm::State> initial;       // at least one
  mm::Config config;
  std::vector<AlphabetEntry> alphabet;  // at most MAX_LIMITED_KINDS entries with a limit
  // Process slots that may be renamed into each other (bit i = slot i).
  // Only declare slots whose processes are interchangeable: same mappings
  // and roles; the `parent` field is remapped with them.
  uint8_t interchangeable = 0;
  std::vector<std::string> invariants;  // names; empty = every invariant of the library
  // Display name of each process slot (index = slot).  Slots filled by
  // fork take the name at their index.
  std::vector<std::string> proc_names = {"A", "B", "C"};
  // Display name of each swap device (index = swap type).
  std::vector<std::string> device_names = {"sda", "sdb"};
  // The scenario's name of each page index ("s[0]"); empty: "p[N]".
  std::vector<std::string> page_names;
  Bounds bounds;
};

}  // namespace mmc::engine
