// mmcheck emit-c, replay.
#include "checker/cli/commands.h"

namespace mmc::cli {
void register_live_commands(CLI::App&) {}
}  // namespace mmc::cli
