// mmcheck run, regress, show: scenario files from the command line.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#include "checker/engine/loader.h"
#include "checker/engine/memory.h"
#include "checker/html/from_results.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/report.h"
#include "checker/scenario/results_file.h"
#include "checker/scenario/runner.h"
#include "checker/util/atomic_file.h"
#include "checker/util/json_text.h"
#include "checker/util/bounded_read.h"
#include "model/config_requires.h"

namespace mmc::cli {

namespace fs = std::filesystem;
using namespace mmc::scenario;

namespace {

struct ScenarioFlags {
  std::vector<std::string> files;
  std::string dir;
  std::string config;
  std::vector<std::string> sets;
  std::string json_out;
  std::string baseline;
  int threads = 1;
  bool json = false;  // run: results as JSON (no timings in it)
  std::string html_out;  // run: the traces as one HTML page
  bool progress = false;      // --progress
  ReductionFlags reduction;   // --reduction / --no-reduction
  bool config_given = false;  // --config on the command line, even empty
  engine::TraceStyle style;  // run: --ghost, --source-url
  bool mpi = false;   // run: explore blocks over the ranks of an MPI job
  long long max_memory_mb = -1;  // --max-memory-mb (validated; -1: the default)
};

// --config and --set into run options; prints the error and returns false on bad input.
bool make_options(const ScenarioFlags& f, RunOptions& opt) {
  opt.partial_order = f.reduction.value();
  try {
    // `--config ''` is an error (parse_config_option says so), not "no --config".
    if (f.config_given) opt.override_config = parse_config_option(f.config);
  } catch (const ScenarioError& e) {
    std::cerr << "mmcheck: error: --config: " << e.message << "\n";
    return false;
  }
  for (const auto& kv : f.sets) opt.sets.push_back(knob_of(kv));  // each checked by knob_setting()
  if (opt.override_config) {
    mm::Config cfg = *mm::config_preset(opt.override_config->preset);
    for (const auto& [k, v] : opt.override_config->knobs) mm::config_set_knob(cfg, k, v);
    for (const auto& [k, v] : opt.sets) mm::config_set_knob(cfg, k, v);
    if (std::string why = mm::config_contradiction(cfg); !why.empty()) {
      std::cerr << fmt::format("mmcheck: error: --config {}: no kernel has this: {}\n", f.config, why);
      return false;
    }
  }
  opt.threads = f.threads;  // validated by --threads' whole_number check
  if (f.max_memory_mb > 0) opt.max_memory_mb = static_cast<uint64_t>(f.max_memory_mb);
  opt.progress = progress_wanted(f.progress) == ProgressFlag::On ? Progress::Stderr : Progress::Off;
  return true;
}

// 1 when an expectation, or a check that reached a verdict, went wrong; 3
// when the only shortfall is a check a bound left "incomplete"; else 0.
int run_status(const ScenarioRun& r) {
  bool incomplete = false;
  for (const auto& c : r.configs) {
    for (const auto& o : c.observations)
      if (!o.ok()) return EXIT_VIOLATION;
    for (const auto& k : c.checks) {
      if (k.ok()) continue;
      if (k.verdict != "incomplete") return EXIT_VIOLATION;
      incomplete = true;
    }
    for (const auto& k : c.conditions) {
      if (k.ok()) continue;
      if (k.verdict() != "incomplete") return EXIT_VIOLATION;
      incomplete = true;
    }
  }
  // The memory bound stopped the run: what it reached had no violation.
  if (!r.stopped.empty()) incomplete = true;
  return incomplete ? EXIT_INCOMPLETE : EXIT_OK;
}

// The status of several results: bad input over violation over incomplete over ok.
int worse(int a, int b) {
  auto rank = [](int s) { return s == EXIT_BAD_INPUT ? 3 : s == EXIT_VIOLATION ? 2 : s == EXIT_INCOMPLETE ? 1 : 0; };
  return rank(b) > rank(a) ? b : a;
}

int cmd_run(const ScenarioFlags& f) {
  RunOptions opt;
  if (!make_options(f, opt)) return EXIT_BAD_INPUT;
  if (f.mpi) {
    std::string why;
    if (!engine::mpi_ready(why)) {
      std::cerr << "mmcheck: error: " << why << "\n";
      return EXIT_BAD_INPUT;
    }
    if (f.threads > 1) {
      std::cerr << "mmcheck: error: --mpi runs one thread per rank; start more ranks (mpirun -np) instead of --threads\n";
      return EXIT_BAD_INPUT;
    }
    if (opt.partial_order != engine::PartialOrder::Off) {
      std::cerr << "mmcheck: error: --mpi does not do partial-order reduction yet; add --no-reduction\n";
      return EXIT_BAD_INPUT;
    }
    opt.distribution = engine::Distribution::Mpi;
    engine::mpi_start();
  }
  // Under --mpi every rank runs the scenarios (the explore blocks together);
  // rank 0 alone prints.
  std::ostringstream discard;
  std::ostream& cout = f.mpi && engine::mpi_rank() != 0 ? discard : std::cout;
  int status = EXIT_OK;
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::pair<Scenario, ScenarioRun>> for_html;
  for (size_t i = 0; i < f.files.size(); i++) {
    if (i && !f.json) cout << "\n";
    try {
      Scenario s = load_scenario(f.files[i], opt.max_memory_mb);
      ScenarioRun r = run_scenario(s, opt);
      if (f.json) all.push_back(run_to_json(s, r));
      else print_run(cout, s, r, f.style);
      if (!f.html_out.empty()) for_html.emplace_back(s, r);
      status = worse(status, run_status(r));
    } catch (const ScenarioError& e) {
      std::cout << std::flush;
      std::cerr << e.what() << "\n";
      status = worse(status, EXIT_BAD_INPUT);
    } catch (const engine::MemoryBoundHit& e) {  // the parse did not fit the bound: nothing checked
      if (f.json) all.push_back({{"file", f.files[i]}, {"pass", false}, {"incomplete", e.what()}});
      else cout << "Stopped: " << e.what() << "\nResult: INCOMPLETE\n";
      status = worse(status, EXIT_INCOMPLETE);
    }
  }
  if (f.json)
    cout << util::json_text(nlohmann::json{{"schema_version", RESULTS_SCHEMA_VERSION}, {"scenarios", all}}) << "\n";
  // No page when no scenario could run: a page saying nothing was violated would mislead.
  if (!f.html_out.empty() && !for_html.empty() && !(f.mpi && engine::mpi_rank() != 0)) {
    const std::string err = html::write_page(f.html_out, html::render_page(html::run_page(for_html, opt)));
    if (!err.empty()) {
      std::cerr << fmt::format("mmcheck: error: --html {}: cannot write the file: {}\n", f.html_out, err);
      return EXIT_IO;
    }
  }
  return status;
}

int cmd_show(const ScenarioFlags& f) {
  try {
    std::cout << canonical_form(load_scenario(f.files.at(0)));
    return EXIT_OK;
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return EXIT_BAD_INPUT;
  } catch (const engine::MemoryBoundHit& e) {  // the parse did not fit the default bound
    std::cerr << e.what() << "\n";
    return EXIT_INCOMPLETE;
  }
}

// Throws fs::filesystem_error for a directory it cannot read.
std::vector<fs::path> scenario_files(const fs::path& dir) {
  std::vector<fs::path> out;
  // Every .scenario entry that is not a directory: a dangling link or a FIFO
  // so named is a FAIL of its own, not silently left out of the count.
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::error_code ec;
    if (e.path().extension() == ".scenario" && !e.is_directory(ec)) out.push_back(e.path());
  }
  // Byte order of the names regress prints (paths without .scenario), the
  // same on every machine.
  auto key = [](fs::path p) { return p.replace_extension().generic_string(); };
  std::sort(out.begin(), out.end(), [&](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  return out;
}

int cmd_regress(const ScenarioFlags& f) {
  RunOptions opt;
  if (!make_options(f, opt)) return EXIT_BAD_INPUT;
  std::error_code ec;
  if (!fs::is_directory(f.dir, ec)) {
    std::cerr << fmt::format("mmcheck: error: {}: not a directory; give the directory holding .scenario files\n", f.dir);
    return EXIT_BAD_INPUT;
  }
  std::vector<fs::path> files;
  try {
    files = scenario_files(f.dir);
  } catch (const fs::filesystem_error& e) {
    std::cerr << fmt::format("mmcheck: error: {}: cannot read the directory: {}\n", f.dir, e.code().message());
    return EXIT_BAD_INPUT;
  }
  // Nothing checked is not a pass: a typo in DIR must not look like success.
  if (files.empty()) {
    std::cerr << fmt::format("mmcheck: error: {}: no .scenario file below it; give the directory holding the "
                             "scenario files (e.g. scenarios/)\n",
                             f.dir);
    return EXIT_BAD_INPUT;
  }
  nlohmann::json baseline;
  if (!f.baseline.empty()) {
    std::string why;
    if (!read_results_file(f.baseline, baseline, why)) {
      std::cerr << fmt::format("mmcheck: error: --baseline {}: {}; give a file written by 'regress --json'\n",
                               f.baseline, why);
      return EXIT_BAD_INPUT;
    }
  }
  nlohmann::json results;
  results["schema_version"] = RESULTS_SCHEMA_VERSION;
  results["scenarios"] = nlohmann::json::array();
  nlohmann::json timing = nlohmann::json::object();
  int passed = 0, failed = 0, incomplete = 0;
  const auto t_all = std::chrono::steady_clock::now();
  for (const fs::path& p : files) {
    std::string name = fs::relative(p, f.dir).replace_extension().generic_string();
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json j;
    bool pass = false, cut_short = false;
    uint64_t states = 0;
    std::string error, stopped;
    try {
      // Not opened unless regular: opening a FIFO waits for a writer.
      if (std::error_code ec; !fs::is_regular_file(p, ec))
        throw ScenarioError(p.string(), Loc{0, 0},
                            ec ? "cannot read the file (" + ec.message() + ")"
                               : std::string("not a regular file (a FIFO or a device); regress reads .scenario files"));
      Scenario s = load_scenario(p.string(), opt.max_memory_mb);
      ScenarioRun r = run_scenario(s, opt);
      j = run_to_json(s, r);
      pass = r.ok();
      // A bound (memory, an explore block's) and nothing wrong: incomplete, not failed.
      cut_short = !pass && run_status(r) == EXIT_INCOMPLETE;
      stopped = r.stopped;
      states = r.states();
    } catch (const ScenarioError& e) {
      error = e.what();
      j["file"] = p.string();
      j["pass"] = false;
      j["error"] = error;
    } catch (const engine::MemoryBoundHit& e) {  // the parse did not fit the bound: nothing checked
      stopped = e.what();
      cut_short = true;
      j["file"] = p.string();
      j["pass"] = false;
      j["incomplete"] = stopped;
    }
    j["name"] = name;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timing[name] = secs;
    results["scenarios"].push_back(j);
    (pass ? passed : cut_short ? incomplete : failed)++;
    std::cout << fmt::format("{} {}  states {}  time {:.3f}s\n", pass ? "PASS" : cut_short ? "INCOMPLETE" : "FAIL", name,
                             states, secs);
    if (!error.empty()) std::cout << "  " << error << "\n";
    if (!stopped.empty()) std::cout << "  " << stopped << "\n";
    if (j.contains("skipped"))
      std::cout << fmt::format("  skipped {} expectation(s)/check(s) written for configs this run does not use "
                               "('mmcheck run --config ...' lists them)\n", j["skipped"].size());
    if (!pass && error.empty() && j.contains("configs"))
      for (const auto& c : j["configs"]) {
        for (const auto& o : c["observations"])
          if (!o["ok"].get<bool>())
            std::cout << fmt::format("  expectation {} under {}: expected {}, got {} {} {}\n", o["name"].get<std::string>(),
                                     c["config"].get<std::string>(), o["expected"].get<std::string>(),
                                     o["actual"].get<std::string>(), o["pos"].get<uint64_t>(), o["neg"].get<uint64_t>());
        for (const auto& k : c["checks"])
          if (!k["ok"].get<bool>()) {
            std::cout << fmt::format("  check {} under {}: expected {}, got {}\n", k["invariant"].get<std::string>(),
                                     c["config"].get<std::string>(), k["expected"].get<std::string>(),
                                     k["verdict"].get<std::string>());
            // An incomplete check says which bound (the words `run` prints).
            for (const auto& b : k["bounds_hit"]) std::cout << "    bound hit: " << b.get<std::string>() << "\n";
          }
      }
  }
  results["timing"] = {{"total_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count()},
                       {"scenario_seconds", timing}};
  std::vector<ResultChange> changes;
  if (!f.baseline.empty()) {
    changes = diff_results(baseline, results);
    results["comparison"] = comparison_json(changes);
  }
  if (!f.json_out.empty()) {
    if (std::string why = util::write_file_atomically(f.json_out, util::json_text(results) + "\n"); !why.empty()) {
      std::cerr << fmt::format("mmcheck: error: --json {}: cannot write the file: {}\n", f.json_out, why);
      return EXIT_IO;
    }
  }
  if (!f.baseline.empty()) print_comparison(std::cout, changes);
  std::cout << fmt::format("{} passed, {} failed{}\n", passed, failed,
                           incomplete ? fmt::format(", {} incomplete", incomplete) : "");
  return failed ? EXIT_VIOLATION : incomplete ? EXIT_INCOMPLETE : EXIT_OK;
}

void common_flags(CLI::App* sub, ScenarioFlags& f) {
  sub->add_option("--config", f.config,
                  "run under this config instead of the file's: a preset, optionally with +KNOB/-KNOB "
                  "(e.g. v6.18+CONFIG_PTE_MARKER_PAGEOUT)")
      ->check(config_name());
  sub->add_option("--set", f.sets, "KNOB=0|1 on top of every config (repeatable; config names unchanged)")
      ->check(knob_setting());
  add_threads_flag(sub, f.threads, "engine threads for explore blocks (results do not depend on it)");
  add_reduction_flags(sub, f.reduction, "explore blocks");
  sub->add_flag("--progress", f.progress,
                "progress line on stderr during explore blocks even when stderr is not a terminal (on by default on one)");
  add_max_memory_flag(sub, f.max_memory_mb);
}

// `mmcheck explore FILE` and `mmcheck simulate FILE`: the engine asks for
// the workload of a scenario file's explore block.
std::optional<engine::Workload> load_workload(const std::string& file, const mm::Config* override_config,
                                              std::optional<uint64_t> max_memory_mb) {
  try {
    Scenario s = load_scenario(file, max_memory_mb);
    if (!s.explore)
      throw ScenarioError(file, Loc{1, 1},
                          "the scenario has no explore block; add one such as 'explore events write read pageout "
                          "writeback fork<=1', or use 'mmcheck run' for its script");
    RunOptions opt;
    opt.max_memory_mb = max_memory_mb;
    NamedConfig nc;
    if (override_config) {
      nc.config = *override_config;
      nc.name = override_config->name;
      for (const auto& [k, v] : s.sets) mm::config_set_knob(nc.config, k, v);
    } else {
      std::vector<NamedConfig> all = scenario_configs(s, opt);
      nc = all.front();
      if (all.size() > 1)
        std::cerr << fmt::format("mmcheck: note: {} runs under {} configs; exploring under the first, {} "
                                 "(choose another with --config)\n",
                                 file, all.size(), nc.name);
    }
    return build_workload(s, nc, opt);
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return std::nullopt;
  }
}

}  // namespace

void register_scenario_commands(CLI::App& app) {
  engine::set_scenario_loader(load_workload);
  auto flags = std::make_shared<ScenarioFlags>();
  CLI::App* run = app.add_subcommand(
      "run", "run scenario files: script, expectations, explore and checks.\n"
             "Exit status: 0 all as expected, 1 an expectation or check failed, 2 bad input, 3 a check was left "
             "incomplete by a bound, 74 the output could not be written");
  run->add_option("FILE", flags->files, "scenario files")->required();
  run->add_flag("--json", flags->json, "print the results as JSON (the format of 'regress --json', without timings)");
  run->add_option("--html", flags->html_out,
                  "also write one self-contained HTML page of the traces (timeline, states side by side, SVG)")
      ->check(file_path());
  run->add_flag("--ghost", flags->style.ghost, "show the model's ghost-state lines in traces (what the program stored)");
  run->add_option("--source-url", flags->style.source_url,
                  "link each decision of a trace to the kernel source: {file} and {function} are replaced, e.g. "
                  "https://elixir.bootlin.com/linux/v6.18/source/{file}");
  run->add_flag("--mpi", flags->mpi,
                "explore blocks over the ranks of an MPI job: mpirun -np N mmcheck run FILE --mpi (same results)");
  common_flags(run, *flags);
  add_command(app, run, [flags, run] {
    flags->config_given = given(run, "--config");
    return cmd_run(*flags);
  });

  CLI::App* regress = app.add_subcommand(
      "regress", "run every .scenario below DIR; ends with 'N passed, N failed' (', N incomplete' when a bound cut some "
                 "short).\nExit status: 0 all pass, 1 a scenario failed, 2 bad usage, 3 some incomplete and none failed");
  regress->add_option("DIR", flags->dir, "directory of scenario files")->required();
  regress->add_option("--json", flags->json_out, "write the results to this file")->check(file_path());
  regress->add_option("--baseline", flags->baseline,
                      "compare with an earlier --json file: verdict changes first ('Result changed: ...', with the "
                      "shortest trace of each newly violated check), then count-only changes ('Count changed: ...'); "
                      "with --json the comparison is in the file too")
      ->check(file_path());
  common_flags(regress, *flags);
  add_command(app, regress, [flags, regress] {
    flags->config_given = given(regress, "--config");
    return cmd_regress(*flags);
  });

  CLI::App* show = app.add_subcommand("show", "print a scenario file in canonical form");
  show->add_option("FILE", flags->files, "scenario file")->required()->expected(1);
  add_command(app, show, [flags] { return cmd_show(*flags); });
}

}  // namespace mmc::cli
