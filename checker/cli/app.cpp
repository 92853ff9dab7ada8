#include <iostream>
#include <memory>

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

int run_app(CLI::App& app, int argc, char** argv) {
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
  return (*chosen())();
}

}  // namespace mmc::cli
