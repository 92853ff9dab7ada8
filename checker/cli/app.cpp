#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <new>

#include "checker/cli/commands.h"

namespace mmc::cli {

namespace {
// The chosen subcommand's action; CLI11 callbacks cannot return a status.
std::shared_ptr<Action>& chosen() {
  static std::shared_ptr<Action> a;
  return a;
}
}  // namespace

void add_command(CLI::App&, CLI::App* sub, Action action) {
  auto shared = std::make_shared<Action>(std::move(action));
  sub->callback([shared] { chosen() = shared; });
}

// The first word that is not an option must name a subcommand.
static bool unknown_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->get_name() == argv[1]) return false;
  std::cerr << "mmcheck: error: unknown command '" << argv[1] << "'; the commands are:";
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    std::cerr << " " << sub->get_name();
  std::cerr << "\n";
  return true;
}

// Flushes std::cout and C stdout; the error (strerror words) if any write failed.
std::string flush_stdout() {
  std::cout.flush();
  errno = 0;
  bool failed = std::fflush(stdout) != 0;
  int err = errno;
  failed |= std::ferror(stdout) != 0 || !std::cout;
  if (!failed) return "";
  return err ? std::strerror(err) : "write error";
}

namespace {
// The status of the command line: parse it, run the chosen command.
int parse_and_run(CLI::App& app, int argc, char** argv) {
  if (unknown_command(app, argc, argv)) return EXIT_BAD_INPUT;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mmcheck: error: " << e.what() << "\n"
              << "Run 'mmcheck --help' for the list of commands and options.\n";
    return EXIT_BAD_INPUT;
  }
  if (!chosen()) {
    std::cerr << "mmcheck: error: no command given\n" << app.help();
    return EXIT_BAD_INPUT;
  }
  try {
    return (*chosen())();
  } catch (const std::bad_alloc&) {
    // Out of memory outside the engine's own bound (which ends 'incomplete').
    std::cerr << "mmcheck: internal error: out of memory (std::bad_alloc); please report it with the command line\n";
    return EXIT_INTERNAL;
  } catch (const std::exception& e) {
    // A bug in mmcheck, not in the input: say so instead of aborting.
    std::cerr << "mmcheck: internal error: " << e.what() << "; please report it with the command line\n";
    return EXIT_INTERNAL;
  }
}
}  // namespace

int run_app(CLI::App& app, int argc, char** argv) {
  int status = parse_and_run(app, argc, argv);
  // Output that did not reach stdout (a full disk, /dev/full) must not end
  // as success, nor as a verdict: the reader never saw it.
  if (std::string why = flush_stdout(); !why.empty()) {
    std::cerr << "mmcheck: error: cannot write the output: " << why << "\n";
    return EXIT_IO;
  }
  return status;
}

}  // namespace mmc::cli
