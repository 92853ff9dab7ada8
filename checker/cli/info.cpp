// `mmcheck configs` and `mmcheck invariants`: what the model offers.
#include <fmt/format.h>

#include "checker/check/starts.h"
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
    // Which standard starts of `mmcheck check` (under v6.18) can violate it.
    const mm::Config cfg = *mm::config_preset("v6.18");
    std::string starts;
    for (const auto& st : mmc::check::standard_starts())
      if (mmc::check::start_exercises(st, cfg, inv.name)) starts += " " + std::string(st.name);
    fmt::print("\n  check starts:{}", starts.empty() ? " none" : starts);
    if (auto why = mmc::check::invariant_is_measure(inv.name)) fmt::print("\n  measure (check does not fail on it): {}", *why);
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
