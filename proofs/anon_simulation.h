// The bounded simulation check of proofs/anon_simulation.cpp: every explicit
// transition is, object by object, a step of the counter abstraction.
#pragma once
#include <cstdint>
#include <string>

namespace mmproofs::anon {

struct SimulationResult {
  long transitions = 0;  // explicit transitions explored
  long checks = 0;       // (transition, object) pairs matched
  long births = 0;       // objects appearing, all birth states
  long states = 0;
  std::string failure;   // empty when every check passed
};

// Explicit model under `model_preset`, abstraction with the knobs of
// `abstraction_preset` (the same preset for the obligations; a different
// one shows the check can fail), device `swap_flags`, BFS to `depth`.
SimulationResult simulate(const std::string& model_preset, const std::string& abstraction_preset, uint8_t swap_flags,
                          int depth);

}  // namespace mmproofs::anon
