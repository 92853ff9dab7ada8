// How much memory an exploration may use: the bound the user gives (or
// one derived from the machine), cut to what the machine, the cgroup and
// the address-space limit (ulimit -v) leave, and split into what the engine accounts (store,
// parents, graph, buffers, frontier) and the resident size it also checks.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mmc::engine {

// What left less than the bound asked for (host_memory.h): the report of a
// stop names it, since raising --max-memory-mb would not help.
enum class BoundCut {
  NONE,           // the bound is the one asked for (or the default)
  MACHINE,        // the machine's free memory and swap (the global OOM killer)
  CGROUP,         // the cgroup's memory limit (its OOM killer)
  ADDRESS_SPACE,  // ulimit -v (RLIMIT_AS: malloc fails)
};

// `mb` cut to what the machine and the cgroup allow; `cut` says which did.
uint64_t cut_to_host(uint64_t mb, BoundCut& cut);

// "memory bound hit: raise --max-memory-mb (now 300)", or what cut it;
// `scope` goes after "memory bound hit" (" (per rank)" under --mpi).
std::string bound_hit_text(uint64_t mb, BoundCut cut, std::string_view scope = {});

struct MemoryBudget {
  uint64_t total_mb = 0;          // the bound in force (after the machine, cgroup and address-space cuts)
  BoundCut cut = BoundCut::NONE;
  uint64_t accounted_bytes = 0;   // what the engine's own accounting may reach
  uint64_t rss_bytes = 0;         // the process's resident size may not pass this
  // "memory bound hit: raise --max-memory-mb (now 300)", or what cut it.
  std::string bound_text() const;
};

// The default bound (MB) on this machine: half the physical memory, at
// most 3/4 of MemAvailable and 7/8 of what the cgroup's memory limit
// leaves, at least 64 (host_memory.h says why).  `preset_mb` > 0: a
// command's own default (check: 3072 per start), still cut to the machine.
uint64_t default_memory_mb(uint64_t preset_mb = 0);

// `requested_mb` (0: default_memory_mb()) for a search on `threads` threads.
MemoryBudget memory_budget(uint64_t requested_mb, int threads);

// The memory bound was reached outside the search itself (a scenario's
// script, the live planner's sets of states): the command stops there and
// reports `incomplete` (exit 3).  what() is the whole message, with where.
struct MemoryBoundHit : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Watches the whole process for code that grows sets of states outside the
// search (the scenario script and its explore conditions, the live
// planner, simulate's walk).  The search accounts its own structures and
// also checks the resident size (explorer.h); this guard only has the
// process's sizes: the resident size against the bound, and under ulimit -v
// the mapped size against the limit (less a reserve for the report, so the
// stop is clean instead of a std::bad_alloc).
class MemoryGuard {
 public:
  // requested_mb 0: default_memory_mb().  `share` > 1: what is guarded may
  // use 1/share of the bound and of the address space still free now (the
  // rest is for what is built from it afterwards, e.g. simulate's JSON).
  explicit MemoryGuard(uint64_t requested_mb, unsigned share = 1);
  // Reads /proc/self/statm now.
  bool within() const;
  // within(), read every `every` calls only (a read costs a system call).
  bool within_every(uint64_t every) {
    return ++calls_ % every != 0 || within();
  }
  // "memory bound hit: raise --max-memory-mb (now 300)", or the ulimit -v words.
  std::string bound_text() const;
  // What to say of a std::bad_alloc between two readings: the ulimit -v
  // words when there is a limit (what made malloc fail), else that the
  // machine had no more.
  std::string allocation_failed_text() const;
  uint64_t bound_mb() const { return bound_mb_; }

 private:
  uint64_t bound_mb_ = 0;
  uint64_t resident_bytes_ = 0;       // the resident size may not pass this
  uint64_t address_space_bytes_ = 0;  // nor the mapped size this: RLIMIT_AS less the reserve (0: no limit)
  uint64_t calls_ = 0;
  BoundCut cut_ = BoundCut::NONE;          // what cut bound_mb_ below the bound asked for
  mutable bool by_address_space_ = false;  // what stopped it last
};

}  // namespace mmc::engine
