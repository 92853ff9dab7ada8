// mmcheck bench: the reference workloads through the engine, with the
// figures design.md section 8 sets targets for.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "checker/cli/commands.h"
#include "checker/engine/engine.h"
#include "checker/workloads/workloads.h"

namespace mmc::cli {

int run_bench(bool json, bool quick) {
  const mm::Config cfg = *mm::config_preset("v6.18");
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    fmt::print("{:<20} {:>10} {:>11} {:>13} {:>11} {:>9} {:>9} {:>9} {:>8}\n", "workload", "states", "transitions",
               "generated/s", "bytes/state", "symmetry", "speedup2", "amdahl2", "seconds");
  for (const auto& info : workloads::builtin_workloads()) {
    if (!info.bench || (quick && info.name == "anon-big")) continue;
    engine::Workload w = *workloads::make_workload(info.name, cfg);
    engine::Options opt;
    opt.graph_cap = 0;  // measure the search, not the leak finder
    opt.threads = 1;
    engine::Result one = engine::explore(w, opt);
    opt.threads = 2;
    engine::Result two = engine::explore(w, opt);
    // Symmetry factor: states without renaming / states with it, measured
    // up to a cap (then a lower bound, shown with ">=").
    engine::Options nosym = opt;
    nosym.symmetry = false;
    const uint64_t cap = std::max<uint64_t>(2'000'000, 3 * one.stats.states);
    nosym.max_states = cap;
    engine::Result plain = engine::explore(w, nosym);
    const double factor = static_cast<double>(plain.stats.states) / static_cast<double>(one.stats.states);
    const bool lower_bound = !plain.complete;
    const double speedup = two.timing.seconds > 0 ? one.timing.seconds / two.timing.seconds : 0;
    // Amdahl bound from the 1-thread run: the merge is serial.
    const double e = one.timing.expand_seconds, m = one.timing.merge_seconds;
    const double bound = e + m > 0 ? (e + m) / (e / 2 + m) : 0;
    const double secs = one.timing.seconds + two.timing.seconds + plain.timing.seconds;
    if (json) {
      rows.push_back({{"workload", info.name},
                      {"states", one.stats.states},
                      {"transitions", one.stats.transitions},
                      {"complete", one.complete},
                      {"bytes_per_state", one.stats.bytes_per_state},
                      {"symmetry_factor", factor},
                      {"symmetry_factor_is_lower_bound", lower_bound},
                      {"timing",
                       {{"generated_per_second_1_thread", one.timing.transitions_per_second},
                        {"generated_per_second_2_threads", two.timing.transitions_per_second},
                        {"speedup_2_threads", speedup},
                        {"speedup_2_threads_amdahl_bound", bound},
                        {"seconds", secs}}}});
    } else {
      fmt::print("{:<20} {:>10} {:>11} {:>13.0f} {:>11.1f} {:>9} {:>8.2f}x {:>8.2f}x {:>8.1f}{}\n", info.name,
                 one.stats.states, one.stats.transitions, one.timing.transitions_per_second, one.stats.bytes_per_state,
                 fmt::format("{}{:.2f}", lower_bound ? ">=" : "", factor), speedup, bound, secs,
                 one.complete ? "" : "  (incomplete: " + one.bounds_hit.front() + ")");
      std::cout.flush();
    }
  }
  if (json) std::cout << nlohmann::json{{"schema_version", engine::JSON_SCHEMA_VERSION}, {"bench", rows}}.dump(2) << "\n";
  else
    fmt::print(
        "generated/s: successor states generated per second on 1 thread; speedup2: time on 1 thread / time on 2;\n"
        "amdahl2: the 2-thread bound from the 1-thread run's parallel and serial phases; symmetry: states without\n"
        "canonical renaming / with it (>= when the run without it was capped)\n");
  return EXIT_OK;
}

}  // namespace mmc::cli
