// mmcheck explore, simulate, bench.
//
// Exit status of explore: 0 every checked invariant holds, 1 one is
// violated, 2 bad usage, 3 a bound (depth, states, memory, or a model
// capacity such as MAX_FOLIOS) was hit before any violation: the verdicts
// are "incomplete", never "holds".
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <unistd.h>

#include <fstream>
#include <limits>
#include <iostream>
#include <memory>

#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#include "checker/engine/engine.h"
#include "checker/engine/loader.h"
#include "checker/engine/swarm.h"
#include "checker/engine/memory.h"
#include "checker/html/from_results.h"
#include "checker/util/atomic_file.h"
#include "checker/util/json_text.h"
#include "checker/engine/mpi/distributed.h"
#include "checker/workloads/workloads.h"
#include "model/config.h"
#include "model/config_requires.h"

namespace mmc::cli {

namespace {

struct CommonArgs {
  std::string file;      // scenario file (positional), or
  std::string workload;  // a built-in workload
  std::string config;    // preset; empty = the scenario file's first config / v6.18 for a workload
  std::vector<std::string> knobs;
  bool json = false;
  bool config_given = false;  // --config on the command line, even empty
  engine::TraceStyle style;  // --ghost, --source-url
};

int usage_error(const std::string& msg) {
  fmt::print(stderr, "mmcheck: error: {}\n", msg);
  return EXIT_BAD_INPUT;
}

std::string list_workloads() {
  std::string s;
  for (const auto& w : workloads::builtin_workloads()) s += (s.empty() ? "" : ", ") + std::string(w.name);
  return s;
}

std::string list_presets() {
  std::string s;
  for (const auto& p : mm::config_presets()) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

// The config the flags ask for; nullopt after printing what is wrong.
std::optional<mm::Config> config_from(const CommonArgs& a, bool& overridden) {
  overridden = a.config_given || !a.knobs.empty();
  // `--config ''` names no preset: an error, not the default.
  auto cfg = mm::config_preset(a.config_given ? a.config : "v6.18");
  if (!cfg) {
    usage_error(fmt::format("unknown config '{}'; presets: {}", a.config, list_presets()));
    return std::nullopt;
  }
  for (const std::string& kv : a.knobs) {  // each checked by knob_setting()
    const auto [knob, on] = knob_of(kv);
    mm::config_set_knob(*cfg, knob, on);
    cfg->name += fmt::format("+{}={}", knob, on ? 1 : 0);
  }
  if (std::string why = mm::config_contradiction(*cfg); !why.empty()) {
    usage_error(fmt::format("config '{}' is no kernel: {}", cfg->name, why));
    return std::nullopt;
  }
  return cfg;
}

std::optional<engine::Workload> workload_from(const CommonArgs& a, std::optional<uint64_t> max_memory_mb) {
  bool overridden = false;
  auto cfg = config_from(a, overridden);
  if (!cfg) return std::nullopt;
  if (!a.file.empty()) {
    if (!a.workload.empty()) {
      usage_error("give either a scenario FILE or --workload NAME, not both");
      return std::nullopt;
    }
    const auto& loader = engine::scenario_loader();
    if (!loader) {
      usage_error(fmt::format("cannot read scenario file '{}': scenario support is not built in; use --workload "
                              "NAME ({})", a.file, list_workloads()));
      return std::nullopt;
    }
    return loader(a.file, overridden ? &*cfg : nullptr, max_memory_mb);  // the loader reports its own errors
  }
  if (a.workload.empty()) {
    usage_error(fmt::format("give a scenario FILE or --workload NAME; built-in workloads: {}", list_workloads()));
    return std::nullopt;
  }
  auto w = workloads::make_workload(a.workload, *cfg);
  if (!w) usage_error(fmt::format("unknown workload '{}'; built-in workloads: {}", a.workload, list_workloads()));
  return w;
}

void add_common(CLI::App* sub, CommonArgs& a) {
  sub->add_option("file", a.file, "scenario file (instead of --workload)");
  sub->add_option("--workload,-w", a.workload, "built-in workload: " + list_workloads());
  sub->add_option("--config,-c", a.config,
                  "config preset (default: a scenario FILE's first config; v6.18 for --workload): " + list_presets())
      ->check(config_name());
  sub->add_option("--set", a.knobs, "override one knob: KNOB=0|1 (repeatable)")
      ->allow_extra_args(false)
      ->check(knob_setting());
  sub->add_flag("--json", a.json, "JSON output");
  sub->add_flag("--ghost", a.style.ghost, "show the model's ghost-state lines in traces (what the program stored)");
  sub->add_option("--source-url", a.style.source_url,
                  "link each decision of a trace to the kernel source: {file} and {function} are replaced, e.g. "
                  "https://elixir.bootlin.com/linux/v6.18/source/{file}");
}

// The memory bound stopped a scenario's script before the command got to
// its own work: incomplete, with where (stdout, like a verdict).
int memory_stop(const engine::MemoryBoundHit& e, bool json) {
  if (json) std::cout << util::json_text(nlohmann::json{{"verdict", "incomplete"}, {"bounds_hit", {e.what()}}}) << "\n";
  else std::cout << e.what() << "\nverdict: incomplete\n";
  return engine::EXIT_INCOMPLETE;
}

struct ExploreArgs {
  CommonArgs c;
  engine::Options opt;
  bool dfs = false, bfs = false, no_symmetry = false, keep_dead_state = false;
  ReductionFlags reduction;  // --reduction / --no-reduction
  int max_depth = -1;
  long long max_states = -1, max_memory_mb = -1;
  std::string dot_file;
  std::string html_file;
  bool mpi = false;  // distributed over the ranks of an MPI job (checker/engine/mpi/)
  int swarm = 0;     // --swarm N: N diversified bounded searches (checker/engine/swarm.h)
  uint64_t seed = 1;
};

// --swarm N [--seed S]: exit 1 on a violation, 3 otherwise (incomplete).
int run_swarm(ExploreArgs& a, const engine::Workload& w, bool seed_given, bool bitstate_given) {
  if (a.mpi || a.dfs || a.bfs || a.opt.fingerprint || !a.dot_file.empty() || !a.html_file.empty() || a.reduction.on)
    return usage_error("--swarm excludes --mpi, --bfs, --dfs, --fingerprint, --reduction, --dot and --html");
  (void)seed_given;
  engine::SwarmOptions so;
  so.members = a.swarm;
  so.seed = a.seed;
  so.threads = a.opt.threads;
  so.symmetry = !a.no_symmetry;
  so.dead_state = a.keep_dead_state ? engine::DeadState::Keep : engine::DeadState::Forget;
  if (bitstate_given) so.member_mb = a.opt.bitstate_mb;
  if (a.max_states >= 0) so.member_states = static_cast<uint64_t>(a.max_states);
  if (a.max_depth >= 0) so.max_depth = a.max_depth;
  if (a.max_memory_mb > 0) so.max_memory_mb = static_cast<uint64_t>(a.max_memory_mb);
  so.progress = progress_wanted(a.opt.progress) == ProgressFlag::On;
  engine::SwarmResult r;
  try {
    r = engine::swarm(w, so);
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }
  if (a.c.json) std::cout << util::json_text(engine::to_json(r)) << "\n";
  else engine::print_text(std::cout, r, a.c.style);
  return r.exit_status();
}

int run_explore(ExploreArgs& a, bool seed_given = false, bool bitstate_given = false) {
  if (a.bfs && a.dfs) return usage_error("--bfs and --dfs exclude each other");
  if (seed_given && a.swarm == 0) return usage_error("--seed goes with --swarm N");
  if (bitstate_given && a.opt.fingerprint) return usage_error("--bitstate and --fingerprint exclude each other");
  if (a.swarm > 0) {
    auto w = workload_from(a.c, a.max_memory_mb > 0 ? std::optional<uint64_t>(a.max_memory_mb) : std::nullopt);
    if (!w) return EXIT_BAD_INPUT;
    return run_swarm(a, *w, seed_given, bitstate_given);
  }
  a.opt.partial_order = a.reduction.value();
  if (a.mpi) {
    std::string why;
    if (!engine::mpi_ready(why)) return usage_error(why);
    if (a.dfs) return usage_error("--mpi searches breadth-first only; drop --dfs");
    if (std::string no = engine::mpi_unsupported(a.opt); !no.empty()) return usage_error(no);
  }
  std::optional<engine::Workload> w;
  try {
    w = workload_from(a.c, a.max_memory_mb > 0 ? std::optional<uint64_t>(a.max_memory_mb) : std::nullopt);
  } catch (const engine::MemoryBoundHit& e) {  // the scenario's script, before the search
    return memory_stop(e, a.c.json);
  }
  if (!w) return EXIT_BAD_INPUT;
  a.opt.search = a.dfs ? engine::Search::Dfs : engine::Search::Bfs;
  a.opt.symmetry = !a.no_symmetry;
  a.opt.dead_state = a.keep_dead_state ? engine::DeadState::Keep : engine::DeadState::Forget;
  if (a.max_depth >= 0) a.opt.max_depth = a.max_depth;
  if (a.max_states >= 0) a.opt.max_states = static_cast<uint64_t>(a.max_states);
  if (a.max_memory_mb >= 0) a.opt.max_memory_mb = static_cast<uint64_t>(a.max_memory_mb);
  a.opt.progress = progress_wanted(a.opt.progress) == ProgressFlag::On;
  engine::Result r;
  try {
    r = a.mpi ? engine::explore_distributed(*w, a.opt) : engine::explore(*w, a.opt);
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }
  if (a.mpi && engine::mpi_rank() != 0) return r.exit_status();  // rank 0 reports for the job
  if (a.c.json) std::cout << util::json_text(engine::to_json(r)) << "\n";
  else engine::print_text(std::cout, r, a.c.style);
  if (!a.dot_file.empty()) {
    if (std::string why = util::write_file_atomically(a.dot_file, engine::to_dot(r)); !why.empty()) {
      fmt::print(stderr, "mmcheck: error: --dot {}: cannot write the file: {}\n", a.dot_file, why);
      return EXIT_IO;
    }
  }
  if (!a.html_file.empty()) {
    const std::string err = html::write_page(a.html_file, html::render_page(html::explore_page(r)));
    if (!err.empty()) {
      fmt::print(stderr, "mmcheck: error: --html {}: cannot write the file: {}\n", a.html_file, err);
      return EXIT_IO;
    }
  }
  return r.exit_status();
}

struct SimulateArgs {
  CommonArgs c;
  uint64_t seed = 1;
  int steps = 100;
  long long max_memory_mb = -1;
  bool progress = false;
};

int run_simulate(SimulateArgs& a) {
  std::optional<engine::Workload> w;
  try {
    w = workload_from(a.c, a.max_memory_mb > 0 ? std::optional<uint64_t>(a.max_memory_mb) : std::nullopt);
  } catch (const engine::MemoryBoundHit& e) {
    return memory_stop(e, a.c.json);
  }
  if (!w) return EXIT_BAD_INPUT;
  engine::SimResult r;
  engine::SimOptions so;
  if (a.max_memory_mb > 0) so.max_memory_mb = static_cast<uint64_t>(a.max_memory_mb);
  so.progress = progress_wanted(a.progress) == ProgressFlag::On;
  try {
    r = engine::simulate(*w, a.seed, a.steps, so);
  } catch (const std::invalid_argument& e) {
    return usage_error(e.what());
  }
  if (a.c.json) std::cout << util::json_text(engine::to_json(r)) << "\n";
  else engine::print_text(std::cout, r, a.c.style);
  return r.exit_status();
}

}  // namespace

int run_bench(bool json, bool quick, engine::PartialOrder po, const std::vector<std::string>& starts);  // bench.cpp

void register_explore_commands(CLI::App& app) {
  auto ea = std::make_shared<ExploreArgs>();
  CLI::App* ex = app.add_subcommand(
      "explore",
      "exhaustive exploration of a workload: verdict per invariant, shortest counterexample traces.\n"
      "Exit status: 0 all hold, 1 violated, 2 bad usage, 3 incomplete (a bound was hit)");
  add_common(ex, ea->c);
  add_threads_flag(ex, ea->opt.threads, "worker threads (results identical for any N)");
  ex->add_flag("--bfs", ea->bfs, "breadth-first (default; shortest traces)");
  ex->add_flag("--dfs", ea->dfs, "depth-first");
  ex->add_option("--max-depth", ea->max_depth, "depth bound (events on a path)")
      ->transform(whole_number(0, std::numeric_limits<int>::max()));
  ex->add_option("--max-states", ea->max_states, "bound on stored states")
      ->transform(whole_number(1, std::numeric_limits<long long>::max()));
  add_max_memory_flag(ex, ea->max_memory_mb);
  ex->add_flag("--no-symmetry", ea->no_symmetry, "no canonical renaming of folios, slots, processes");
  add_reduction_flags(ex, ea->reduction);
  ex->add_flag("--keep-dead-state", ea->keep_dead_state,
               "store fields nothing checked reads (fork parent, unchecked ghost bits) as identity");
  ex->add_option("--bitstate", ea->opt.bitstate_mb,
                 "bitstate hashing in a bit array of MB megabytes (depth-first; prints the omission probability)")
      ->transform(whole_number(1, 1 << 20));
  ex->add_flag("--fingerprint", ea->opt.fingerprint, "store 64-bit fingerprints instead of exact states");
  ex->add_option("--dot", ea->dot_file, "write the traces (and the whole graph when small) as DOT")->check(file_path());
  ex->add_option("--html", ea->html_file,
                 "write the violation traces as one self-contained HTML page (timeline, states side by side, SVG)")
      ->check(file_path());
  ex->add_flag("--mpi", ea->mpi,
               "distributed search over the ranks of an MPI job: mpirun -np N mmcheck explore ... --mpi "
               "(same answer as one process)");
  ex->add_flag("--progress", ea->opt.progress, "progress line on stderr even when it is not a terminal");
  ex->add_option("--swarm", ea->swarm,
                 "swarm search: N diversified bounded searches, each in a small bitstate array (--bitstate MB "
                 "each, default 4; --max-states per member, default 100000); incomplete by nature: exit 1 on a "
                 "violation, else 3")
      ->transform(whole_number(1, 4096));
  ex->add_option("--seed", ea->seed, "--swarm: the seed of the members' strategies (same seed and N, same output)")
      ->transform(whole_number_u64(0));
  add_command(app, ex, [ea, ex] {
    ea->c.config_given = given(ex, "--config");
    return run_explore(*ea, given(ex, "--seed"), given(ex, "--bitstate"));
  });

  auto sa = std::make_shared<SimulateArgs>();
  CLI::App* sim = app.add_subcommand("simulate", "seeded random walk: same seed, same walk; exit 1 on a violation");
  add_common(sim, sa->c);
  sim->add_option("--seed", sa->seed, "random seed")->transform(whole_number_u64(0));
  sim->add_option("--steps", sa->steps, "at most this many events")
      ->transform(whole_number(0, std::numeric_limits<int>::max()));
  add_max_memory_flag(sim, sa->max_memory_mb);
  sim->add_flag("--progress", sa->progress, "progress line on stderr even when it is not a terminal (on by default on one)");
  add_command(app, sim, [sa, sim] {
    sa->c.config_given = given(sim, "--config");
    return run_simulate(*sa);
  });

  auto bench_json = std::make_shared<bool>(false);
  auto bench_quick = std::make_shared<bool>(false);
  CLI::App* bench = app.add_subcommand(
      "bench", "reference workloads: states, transitions, states generated/s, bytes/state, symmetry factor, "
               "2-thread speed-up.\nExit status: 0 every row complete, 2 bad usage, 3 a row's search was cut short by a bound (the row says so)");
  bench->add_flag("--json", *bench_json, "JSON output");
  bench->add_flag("--quick", *bench_quick, "skip the large workload and the mixed-2p start");
  auto bench_starts = std::make_shared<std::vector<std::string>>();
  bench->add_option("--start", *bench_starts,
                    "also a row for this start of `mmcheck check` (repeatable; a start row takes up to minutes)")
      ->allow_extra_args(false);
  auto bench_reduction = std::make_shared<ReductionFlags>();
  add_reduction_flags(bench, *bench_reduction, "the rows' search; the por column is measured either way");
  add_command(app, bench, [bench_json, bench_quick, bench_reduction, bench_starts] {
    return run_bench(*bench_json, *bench_quick, bench_reduction->value(), *bench_starts);
  });
}

}  // namespace mmc::cli
