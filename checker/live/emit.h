// `mmcheck emit-c`: a Plan as a standalone C11 program (libc + Linux headers).
#pragma once
#include <string>

#include "checker/live/plan.h"

namespace mmc::live {

// The whole program text; deterministic for a given plan.
std::string emit_c(const Plan& plan);

}  // namespace mmc::live
