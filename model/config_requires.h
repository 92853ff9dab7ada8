// Knob combinations no kernel has: one knob models code that only exists
// on top of another (the swp pte bit remembers PG_anon_exclusive, so it
// cannot exist without it).  The table is defined once, in kernel terms.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model/config.h"

namespace mm {

struct KnobRequirement {
  std::string_view knob;      // when this knob is on ...
  std::string_view needs;     // ... this one must be on too
  std::string_view why;       // the kernel code that ties them
};

const std::vector<KnobRequirement>& knob_requirements();

// "" when `cfg` is a combination some kernel has; otherwise what is wrong
// and how to fix it, e.g. "pte_swp_exclusive=1 needs PG_anon_exclusive=1: ...".
std::string config_contradiction(const Config& cfg);

}  // namespace mm
