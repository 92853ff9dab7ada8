// `mmcheck configs` and `mmcheck invariants`: what the model offers.
#include <fmt/format.h>

#include "checker/cli/commands.h"
#include "model/config.h"
#include "model/invariants.h"

namespace mmc::cli {

static int print_configs() {
  for (const auto& p : mm::config_presets()) {
    const mm::Config cfg = *mm::config_preset(p.name);
    fmt::print("{}\n  {}\n", p.name, p.meaning);
    for (const auto& k : mm::config_knobs()) fmt::print("    {:<34} {}\n", k.name, mm::knob_value(cfg, k) ? "y" : "n");
  }
  fmt::print("\nknobs:\n");
  for (const auto& k : mm::config_knobs()) fmt::print("  {:<34} {}\n", k.name, k.meaning);
  return EXIT_OK;
}

static int print_invariants() {
  for (const auto& inv : mm::invariants()) {
    fmt::print("{}\n  {}\n  kernel: {}\n  facets:", inv.name, inv.description, inv.kernel_ref);
    for (auto f : inv.facets) fmt::print(" {}", f);
    fmt::print("\n");
  }
  return EXIT_OK;
}

void register_info_commands(CLI::App& app) {
  add_command(app, app.add_subcommand("configs", "list config presets and their knobs"), print_configs);
  add_command(app, app.add_subcommand("invariants", "list invariants: name, meaning, kernel reference"),
              print_invariants);
}

}  // namespace mmc::cli
