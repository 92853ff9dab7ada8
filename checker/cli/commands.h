// Each mmcheck subcommand registers itself on the CLI11 app.  One file per
// subcommand under checker/cli/; main.cpp only lists them.
#pragma once
#include <CLI/CLI.hpp>

namespace mmc::cli {

// Exit statuses shared by every subcommand (docs/reliability.md lists them all).
inline constexpr int EXIT_OK = 0;          // every expectation holds
inline constexpr int EXIT_VIOLATION = 1;   // an expectation or check failed
inline constexpr int EXIT_BAD_INPUT = 2;   // bad input or bad usage
inline constexpr int EXIT_INCOMPLETE = 3;  // a bound was hit before any violation: no verdict is "holds"
inline constexpr int EXIT_IO = 74;         // the output (stdout, --json/--dot/-o files) could not be written (EX_IOERR)
inline constexpr int EXIT_SKIP = 77;       // live run impossible here (ctest SKIP)
inline constexpr int EXIT_INTERNAL = 70;   // a bug in mmcheck (EX_SOFTWARE), never bad input

// A subcommand's action returns its exit status through this slot.
using Action = std::function<int()>;
void add_command(CLI::App& app, CLI::App* sub, Action action);
int run_app(CLI::App& app, int argc, char** argv);
// Flushes stdout; "" when everything written so far reached it, else why not.
std::string flush_stdout();

void register_info_commands(CLI::App& app);      // configs, invariants (info.cpp)
void register_explore_commands(CLI::App& app);   // explore, simulate, bench (explore.cpp)
void register_scenario_commands(CLI::App& app);  // run, regress, show (scenario.cpp)
void register_prove_command(CLI::App& app);      // prove (prove.cpp)
void register_live_commands(CLI::App& app);      // emit-c, replay (live.cpp)
void register_kernel_command(CLI::App& app);     // kernel (kernel.cpp)
void register_check_command(CLI::App& app);      // check (check.cpp)

}  // namespace mmc::cli
