// mmcheck bench: the reference workloads through the engine, with the
// figures design.md section 8 and docs/engine.md set targets for.
#include <fmt/format.h>

#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "checker/check/starts.h"
#include "checker/cli/commands.h"
#include "checker/engine/engine.h"
#include "checker/workloads/workloads.h"

namespace mmc::cli {

namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

uint64_t status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string f = field;
  while (std::getline(in, line))
    if (line.rfind(f, 0) == 0) return std::stoull(line.substr(f.size()));
  return 0;
}

// Reset the process's peak resident size (VmHWM), so that each run's peak
// is its own: echo 5 > /proc/self/clear_refs.  False when not possible.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

struct Measured {
  engine::Result r;
  double cpu = 0;              // CPU seconds of the whole process during the run
  double rss_bytes_per_state = -1;  // (peak RSS during the run - RSS before) / states; -1 unknown
};

Measured measure(const engine::Workload& w, const engine::Options& opt) {
  Measured m;
  malloc_trim(0);  // the previous run's freed memory goes back, so this run's growth is its own
  const bool peak_ok = reset_peak_rss();
  const uint64_t before = status_kb("VmRSS:");
  const double c0 = cpu_seconds();
  m.r = engine::explore(w, opt);
  m.cpu = cpu_seconds() - c0;
  const uint64_t peak = status_kb("VmHWM:");
  if (peak_ok && m.r.stats.states > 0 && peak >= before)
    m.rss_bytes_per_state = static_cast<double>(peak - before) * 1024.0 / static_cast<double>(m.r.stats.states);
  return m;
}

std::string factor_text(double f, bool lower_bound) { return fmt::format("{}{:.2f}", lower_bound ? ">=" : "", f); }

}  // namespace

// One row: the search `w` measured every way the table reports (1 and 2
// threads, each reduction on its own).  `kind`: "workload" or "start".
// False when the row's own search was cut short by a bound.
static bool bench_row(const std::string& name, const char* kind, const engine::Workload& w, engine::PartialOrder po,
                      bool json, nlohmann::json& rows) {
  // A start's depth is part of its definition (docs/check.md): a search
  // that hit only its depth bound is complete there.
  const bool is_start = std::string_view(kind) == "start";
  auto done = [is_start](const engine::Result& r) {
    if (r.complete) return true;
    return is_start && std::all_of(r.bounds_hit.begin(), r.bounds_hit.end(),
                                   [](const std::string& b) { return b.rfind("depth bound hit", 0) == 0; });
  };
  engine::Options opt;
  opt.graph_cap = 0;  // measure the search, not the leak finder
  opt.partial_order = po;
  opt.threads = 1;
  Measured one = measure(w, opt);
  opt.threads = 2;
  Measured two = measure(w, opt);
  opt.threads = 1;
  // Each reduction's factor on its own, measured up to a cap (then a
  // lower bound, shown with ">="), each against the search without
  // partial-order reduction (`full`): dead state = states keeping it /
  // states forgetting it (both with symmetry); symmetry = states without
  // renaming / with it (both forgetting the dead state); partial order
  // (por) = states without it / with it.  The rows' own search (`one`)
  // is whichever `po` says; the other one is measured too.
  const uint64_t cap = std::max<uint64_t>(2'000'000, 12 * one.r.stats.states);
  engine::Options other = opt;
  other.partial_order = po == engine::PartialOrder::On ? engine::PartialOrder::Off : engine::PartialOrder::On;
  if (other.partial_order == engine::PartialOrder::Off) other.max_states = cap;
  const Measured alt = measure(w, other);
  const Measured& full = po == engine::PartialOrder::On ? alt : one;
  const Measured& reduced = po == engine::PartialOrder::On ? one : alt;
  opt.partial_order = engine::PartialOrder::Off;
  engine::Options keep = opt;
  keep.dead_state = engine::DeadState::Keep;
  keep.max_states = cap;
  Measured kept = measure(w, keep);
  engine::Options nosym = opt;
  nosym.symmetry = false;
  nosym.max_states = cap;
  Measured plain = measure(w, nosym);
  opt.partial_order = po;
  const auto states = static_cast<double>(one.r.stats.states);
  const auto full_states = static_cast<double>(full.r.stats.states);
  const double dead = static_cast<double>(kept.r.stats.states) / full_states;
  const double sym = static_cast<double>(plain.r.stats.states) / full_states;
  const double por = full_states / static_cast<double>(reduced.r.stats.states);
  const double speedup = two.r.timing.seconds > 0 ? one.r.timing.seconds / two.r.timing.seconds : 0;
  // The engine's own bound on 2 threads: its serial share on 1 thread.
  const double serial = one.r.timing.seconds > 0 ? one.r.timing.serial_seconds / one.r.timing.seconds : 1;
  const double amdahl = 1 / (serial + (1 - serial) / 2);
  const double stored_per_cpu = one.cpu > 0 ? states / one.cpu : 0;
  const double generated_per_cpu = one.cpu > 0 ? static_cast<double>(one.r.stats.transitions) / one.cpu : 0;
  // The --no-symmetry run: the per-state speed of the plain search.
  const double plain_stored_per_cpu = plain.cpu > 0 ? static_cast<double>(plain.r.stats.states) / plain.cpu : 0;
  const double secs = one.r.timing.seconds + two.r.timing.seconds + kept.r.timing.seconds + plain.r.timing.seconds +
                      alt.r.timing.seconds;
  if (json) {
    rows.push_back({{"workload", name}, {"kind", kind},
                    {"states", one.r.stats.states},
                    {"transitions", one.r.stats.transitions},
                    {"complete", done(one.r)},
                    {"store_bytes_per_state", one.r.stats.bytes_per_state},
                    {"dead_state_factor", dead},
                    {"dead_state_factor_is_lower_bound", !done(kept.r)},
                    {"symmetry_factor", sym},
                    {"symmetry_factor_is_lower_bound", !done(plain.r)},
                    {"partial_order_factor", por},
                    {"partial_order_factor_is_lower_bound", !done(full.r)},
                    {"unreduced_states", full.r.stats.states},
                    {"reduced_states", reduced.r.stats.states},
                    {"partial_order", po == engine::PartialOrder::On},
                    {"reduced_expansions", reduced.r.stats.reduced_expansions},
                    {"proviso_expansions", reduced.r.stats.proviso_expansions},
                    {"no_symmetry_states", plain.r.stats.states},
                    {"timing",
                     {{"stored_per_cpu_second", stored_per_cpu},
                      {"generated_per_cpu_second", generated_per_cpu},
                      {"no_symmetry_stored_per_cpu_second", plain_stored_per_cpu},
                      {"peak_rss_bytes_per_state", one.rss_bytes_per_state},
                      {"no_symmetry_peak_rss_bytes_per_state", plain.rss_bytes_per_state},
                      {"speedup_2_threads", speedup},
                      {"unreduced_cpu_seconds", full.cpu},
                      {"reduced_cpu_seconds", reduced.cpu},
                      {"serial_share", serial},
                      {"amdahl_bound_2_threads", amdahl},
                      {"seconds", secs}}}});
  } else {
    fmt::print("{:<19} {:>9} {:>10} {:>9.0f} {:>10.0f} {:>8.1f} {:>8.0f} {:>6} {:>9} {:>7} {:>7.2f}x {:>6.2f}x {:>7.1f}{}\n",
               name, one.r.stats.states, one.r.stats.transitions, stored_per_cpu, generated_per_cpu,
               one.r.stats.bytes_per_state, one.rss_bytes_per_state, factor_text(dead, !done(kept.r)),
               factor_text(sym, !done(plain.r)), factor_text(por, !done(full.r)), speedup, amdahl, secs,
               done(one.r) ? "" : "  (incomplete: " + one.r.bounds_hit.front() + ")");
    fmt::print("{:<19} {:>9} {:>10} {:>9.0f} {:>10.0f} {:>8.1f} {:>8.0f}\n", "  --no-symmetry",
               plain.r.stats.states, plain.r.stats.transitions, plain_stored_per_cpu,
               plain.cpu > 0 ? static_cast<double>(plain.r.stats.transitions) / plain.cpu : 0,
               plain.r.stats.bytes_per_state, plain.rss_bytes_per_state);
    std::cout.flush();
  }
  return done(one.r);
}

int run_bench(bool json, bool quick, engine::PartialOrder po, const std::vector<std::string>& starts) {
  const mm::Config cfg = *mm::config_preset("v6.18");
  // Every --start is known before the first row runs (a row takes seconds to minutes).
  for (const std::string& n : starts)
    if (!check::find_start(n)) {
      fmt::print(stderr, "mmcheck: error: unknown start '{}'; `mmcheck check --list` names them\n", n);
      return EXIT_BAD_INPUT;
    }
  bool all_complete = true;  // a row cut short by a bound makes the exit status 3
  nlohmann::json rows = nlohmann::json::array();
  if (!json)
    fmt::print("{:<19} {:>9} {:>10} {:>9} {:>10} {:>8} {:>8} {:>6} {:>9} {:>7} {:>8} {:>7} {:>7}\n", "workload", "states",
               "trans", "stored/s", "gen/s", "store", "peakRSS", "dead", "symmetry", "por", "speedup2", "amdahl2",
               "seconds");
  for (const auto& info : workloads::builtin_workloads()) {
    if (!info.bench || (quick && info.name == "anon-big")) continue;
    all_complete &= bench_row(std::string(info.name), "workload", *workloads::make_workload(info.name, cfg), po, json, rows);
  }
  // Whole-model starts of `mmcheck check`: mixed-2p (every mapping kind,
  // the start issue 13's reduction goal names) unless --quick, and each
  // --start NAME.  Each with its own depth budget, so a row is the search
  // `check` runs for that start.
  std::vector<std::string> rows_of_starts;  // each start once, in the order given
  for (const std::string& n : starts)
    if (std::find(rows_of_starts.begin(), rows_of_starts.end(), n) == rows_of_starts.end()) rows_of_starts.push_back(n);
  if (!quick && std::find(starts.begin(), starts.end(), "mixed-2p") == starts.end())
    rows_of_starts.insert(rows_of_starts.begin(), "mixed-2p");
  for (const std::string& n : rows_of_starts) {
    const check::Start* st = check::find_start(n);
    all_complete &= bench_row("start " + n, "start", check::start_workload(*st, cfg), po, json, rows);
  }
  if (json) std::cout << nlohmann::json{{"schema_version", engine::JSON_SCHEMA_VERSION}, {"bench", rows}}.dump(2) << "\n";
  else
    fmt::print(
        "stored/s, gen/s: states stored / generated per CPU second on 1 thread (the process's CPU time, so a\n"
        "loaded machine does not lower them); store: exact store bytes/state; peakRSS: growth of the peak resident\n"
        "size during the run / states; dead: states keeping the dead state (fork parent, unchecked ghost bits) /\n"
        "states forgetting it; symmetry: states without canonical renaming / with it (>= when capped);\n"
        "por: states without partial-order reduction / with it (dead and symmetry are measured without it;\n"
        "the rows' other columns are the search with it, or without it under --no-reduction);\n"
        "speedup2: wall time on 1 thread / on 2 (meaningless on a loaded machine); amdahl2: the engine's own\n"
        "bound on 2 threads, 1 / (s + (1 - s) / 2), s = the 1-thread run's wall time outside its parallel\n"
        "sections / its wall time\n");
  return all_complete ? EXIT_OK : EXIT_INCOMPLETE;
}

}  // namespace mmc::cli
