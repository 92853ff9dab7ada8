// mmcheck: an exhaustive model checker for Linux kernel memory management.
#include "checker/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mmcheck: explores every interleaving of a kernel mm scenario, checks invariants in every "
      "reachable state, and prints the shortest counterexample.",
      "mmcheck"};
  app.set_version_flag("--version", "mmcheck 0.1.0");
  app.require_subcommand(1);
  mmc::cli::register_info_commands(app);
  mmc::cli::register_explore_commands(app);
  mmc::cli::register_scenario_commands(app);
  mmc::cli::register_prove_command(app);
  mmc::cli::register_live_commands(app);
  mmc::cli::register_kernel_command(app);
  mmc::cli::register_check_command(app);
  return mmc::cli::run_app(app, argc, argv);
}
