// The runtime every emitted C reproducer starts with: a coordinator that
// runs the scenario's processes as real processes, one step at a time, and
// helpers for each syscall and observation.  Plain C11 + Linux headers.
#pragma once
#include <string_view>

namespace mmc::live {

// The C text of the runtime (prelude), placed before the generated steps.
std::string_view c_prelude();

// Line formats the runtime prints (parsed back by checker/live/tap.h):
//   "# obs <id> <value>"       an observation: hex for pagemap, decimal otherwise
//   "ok <n> <text>" / "not ok <n> <text>" (TAP 13, kselftest style)
inline constexpr std::string_view OBS_PREFIX = "# obs ";

}  // namespace mmc::live
