// The bytes a single-process run's visited store would hold for a given
// state space: Stats::store_bytes is part of the deterministic report, so a
// distributed run (whose ranks each hold a part) prints the figure one
// process would have printed, and puts what its ranks really held in
// `timing`.  The figure follows from counts alone: the number of states and
// of distinct interned parts (CollapseStore), the growth policies of the
// tables, and the parent array.  A unit test (tests/engine_store_size_test.cpp)
// checks it against a real store, so a change of either shows.
#pragma once
#include <cstdint>

#include "checker/engine/collapse_store.h"

namespace mmc::engine {

// Distinct interned parts of a CollapseStore holding some state space.
struct PartCounts {
  uint64_t procs = 0, tuples = 0, folios = 0, rest = 0;
};

namespace store_size {

// std::vector::push_back growth (libstdc++: 1, 2, 4, ...).
inline uint64_t push_back_capacity(uint64_t n) {
  uint64_t cap = 0;
  while (cap < n) cap = cap ? cap * 2 : 1;
  return cap;
}

// Growth by a quarter plus 1024 when full (Explorer::grow_parents,
// CollapseStore::reserve_one), after `pushed` plain push_backs.
inline uint64_t quarter_capacity(uint64_t n, uint64_t pushed = 0) {
  uint64_t cap = push_back_capacity(pushed);
  while (cap < n) cap = cap + cap / 4 + 1024;
  return cap;
}

// An open-addressing table of `initial` slots doubled whenever one more
// item would exceed num/den of it.
inline uint64_t table_slots(uint64_t items, uint64_t initial, uint64_t num, uint64_t den) {
  uint64_t slots = initial;
  while (items * den > slots * num) slots *= 2;
  return slots;
}

inline uint64_t component_bytes(uint64_t items, uint64_t item_bytes) {
  return table_slots(items, 1024, 1, 2) * sizeof(uint64_t) + push_back_capacity(items) * item_bytes;
}

}  // namespace store_size

// The parent array of the BFS: `initial` distinct initial states pushed
// plainly, the rest grown by a quarter (Explorer).
inline uint64_t parent_array_bytes(uint64_t states, uint64_t initial) {
  return store_size::quarter_capacity(states, initial) * sizeof(uint32_t);
}

inline uint64_t collapse_store_bytes(uint64_t states, const PartCounts& c) {
  using namespace store_size;
  return table_slots(states, 1u << 12, 3, 4) * sizeof(uint32_t) + quarter_capacity(states) * 3 * sizeof(uint32_t) +
         component_bytes(c.procs, sizeof(mm::Process)) + component_bytes(c.tuples, sizeof(uint32_t) * mm::MAX_PROCS) +
         component_bytes(c.folios, sizeof(mm::State::folio)) + component_bytes(c.rest, CollapseStore::REST_BYTES);
}

// FingerprintStore: 12 bytes a slot, load <= 3/4.
inline uint64_t fingerprint_store_bytes(uint64_t states) {
  return store_size::table_slots(states, 1u << 12, 3, 4) * (sizeof(uint64_t) + sizeof(uint32_t));
}

}  // namespace mmc::engine
