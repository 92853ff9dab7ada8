// Whether a search uses partial-order reduction (docs/engine.md,
// "Partial-order reduction").  On by default; `--no-reduction` turns it off.
#pragma once
#include <cstdint>

namespace mmc::engine {

enum class PartialOrder : uint8_t { Off, On };

}  // namespace mmc::engine
