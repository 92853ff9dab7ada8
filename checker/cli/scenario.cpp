// mmcheck run, regress, show.
#include "checker/cli/commands.h"

namespace mmc::cli {
void register_scenario_commands(CLI::App&) {}
}  // namespace mmc::cli
