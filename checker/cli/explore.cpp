// mmcheck explore, simulate, bench.
#include "checker/cli/commands.h"

namespace mmc::cli {
void register_explore_commands(CLI::App&) {}
}  // namespace mmc::cli
