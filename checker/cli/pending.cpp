// Subcommands whose files have not landed yet register nothing here; each
// moves to its own file (explore.cpp, scenario.cpp, prove.cpp, live.cpp).
#include "checker/cli/commands.h"

namespace mmc::cli {
void register_explore_commands(CLI::App&) {}
void register_scenario_commands(CLI::App&) {}
void register_prove_command(CLI::App&) {}
void register_live_commands(CLI::App&) {}
}  // namespace mmc::cli
