// Invariants: named predicates over a state.  Each may fail in several
// ways (facets), reported separately, e.g. pm_swap_accuracy's false
// negatives and false positives.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"
#include "model/state.h"

namespace mm {

struct Invariant {
  std::string_view name;
  std::string_view description;
  std::string_view kernel_ref;
  std::vector<std::string_view> facets;  // bit i of check()'s result is facets[i]
  // 0 when the invariant holds; otherwise a bitmask of violated facets.
  uint32_t (*check)(const State&, const Config&);
  // Human explanation of the violation in kernel terms.
  std::string (*explain)(const State&, const Config&);
  // The ghost bits (GhostBits) check() and explain() read.  A search that
  // checks only some invariants may forget the ghost bits none of them
  // (and no event: GHOST_READ_BY_EVENTS) reads.  All bits unless declared.
  uint8_t ghost_reads = 0xff;
};

// The library, in a fixed order.
const std::vector<Invariant>& invariants();
const Invariant* find_invariant(std::string_view name);

}  // namespace mm
