// Pieces every explicit-model search in proofs/ shares.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "model/config.h"
#include "model/state.h"

namespace mmproofs {

// FNV-1a over a State's bytes: its bytes are its identity (no padding).
struct StateHash {
  size_t operator()(const mm::State& s) const {
    const auto* b = reinterpret_cast<const unsigned char*>(&s);
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof(s); i++) h = (h ^ b[i]) * 1099511628211ull;
    return static_cast<size_t>(h);
  }
};

// The preset a cross-check names; an unknown name is a bug in the obligation
// table, never a silent fall back to the default config.
inline mm::Config preset_config(const std::string& name) {
  auto c = mm::config_preset(name);
  if (!c) throw std::invalid_argument("proof obligation names an unknown config preset '" + name + "'");
  return *c;
}

}  // namespace mmproofs
