// Whether a search uses partial-order reduction (docs/engine.md,
// "Partial-order reduction").  The default is kDefaultPartialOrder; the
// commands take `--reduction` and `--no-reduction` to choose.
#pragma once
#include <cstdint>

namespace mmc::engine {

enum class PartialOrder : uint8_t { Off, On };

// The default of every command (explore, run, regress, check, bench),
// chosen from measurements (docs/engine.md section 7, "Default").
inline constexpr PartialOrder kDefaultPartialOrder = PartialOrder::Off;

}  // namespace mmc::engine
