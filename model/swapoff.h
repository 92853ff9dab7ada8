// swapoff(2) (mm/swapfile.c v6.18): try_to_unuse brings every page of a
// swap device back into memory, then the device goes away.
#pragma once
#include "model/events.h"

namespace mm {

// swapoff of swap type `type`.
Outcome swapoff(State& s, int type, const Config& cfg);

}  // namespace mm
