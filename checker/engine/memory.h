// How much memory an exploration may use: the bound the user gives (or
// one derived from the machine), cut to what the address-space limit
// (ulimit -v) leaves, and split into what the engine accounts (store,
// parents, graph, buffers, frontier) and the resident size it also checks.
#pragma once
#include <cstdint>

namespace mmc::engine {

struct MemoryBudget {
  uint64_t total_mb = 0;          // the bound in force (after the address-space cut)
  bool cut_by_address_space = false;
  uint64_t accounted_bytes = 0;   // what the engine's own accounting may reach
  uint64_t rss_bytes = 0;         // the process's resident size may not pass this
};

// Half the physical memory (MB), at least 64.
uint64_t default_memory_mb();

// `requested_mb` (0: default_memory_mb()) for a search on `threads` threads.
MemoryBudget memory_budget(uint64_t requested_mb, int threads);

}  // namespace mmc::engine
