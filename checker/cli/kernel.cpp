// mmcheck kernel: the running kernel's behaviour profile and the model
// config it maps to (checker/live/kernel_profile.h).
#include <fmt/format.h>

#include <iostream>

#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#include "checker/live/kernel_profile.h"
#include "checker/live/replay.h"

namespace mmc::cli {

void register_kernel_command(CLI::App& app) {
  struct Args {
    bool json = false, no_swap = false;
    std::string work_dir;
  };
  auto a = std::make_shared<Args>();
  CLI::App* k = app.add_subcommand("kernel", "probe the running kernel's behaviour: its profile and the model config it maps to");
  k->add_flag("--json", a->json, "JSON (schema_version 1) instead of text");
  k->add_flag("--no-swap", a->no_swap, "do not try a swapfile (swap and MADV_PAGEOUT are then reported as not tried)");
  k->add_option("--work-dir", a->work_dir, "where the test swapfile goes (default: a temporary directory under $TMPDIR)")
      ->check(work_dir());
  add_command(app, k, [a] {
    live::TempDir tmp(a->work_dir);
    live::ProbeResults r = live::probe_running_kernel(a->no_swap ? "" : tmp.path());
    live::KernelProfile p = live::classify(r);
    std::cout << (a->json ? live::profile_json(r, p) : live::profile_text(r, p));
    return p.classified ? EXIT_OK : EXIT_VIOLATION;
  });
}

}  // namespace mmc::cli
