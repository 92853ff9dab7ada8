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
#include "checker/engine/loader.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/report.h"
#include "checker/scenario/runner.h"

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
  bool mpi = false;   // run: explore blocks over the ranks of an MPI job
};

// --config and --set into run options; prints the error and returns false on bad input.
bool make_options(const ScenarioFlags& f, RunOptions& opt) {
  try {
    if (!f.config.empty()) opt.override_config = parse_config_option(f.config);
  } catch (const ScenarioError& e) {
    std::cerr << "mmcheck: error: --config: " << e.message << "\n";
    return false;
  }
  for (const auto& kv : f.sets) {
    auto eq = kv.find('=');
    std::string knob = kv.substr(0, eq);
    std::string val = eq == std::string::npos ? "" : kv.substr(eq + 1);
    mm::Config dummy;
    if ((val != "0" && val != "1") || !mm::config_set_knob(dummy, knob, true)) {
      std::cerr << fmt::format("mmcheck: error: --set {}: write --set KNOB=0 or --set KNOB=1 with a knob from "
                               "'mmcheck configs'\n",
                               kv);
      return false;
    }
    opt.sets.emplace_back(knob, val == "1");
  }
  opt.threads = std::max(1, f.threads);
  return true;
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
    opt.distribution = engine::Distribution::Mpi;
    engine::mpi_start();
  }
  // Under --mpi every rank runs the scenarios (the explore blocks together);
  // rank 0 alone prints.
  std::ostringstream discard;
  std::ostream& cout = f.mpi && engine::mpi_rank() != 0 ? discard : std::cout;
  int status = EXIT_OK;
  nlohmann::json all = nlohmann::json::array();
  for (size_t i = 0; i < f.files.size(); i++) {
    if (i && !f.json) cout << "\n";
    try {
      Scenario s = load_scenario(f.files[i]);
      ScenarioRun r = run_scenario(s, opt);
      if (f.json) all.push_back(run_to_json(s, r));
      else print_run(cout, s, r);
      if (!r.ok() && status == EXIT_OK) status = EXIT_VIOLATION;
    } catch (const ScenarioError& e) {
      std::cout << std::flush;
      std::cerr << e.what() << "\n";
      status = EXIT_BAD_INPUT;
    }
  }
  if (f.json)
    cout << nlohmann::json{{"schema_version", RESULTS_SCHEMA_VERSION}, {"scenarios", all}}.dump(2) << "\n";
  return status;
}

int cmd_show(const ScenarioFlags& f) {
  try {
    std::cout << canonical_form(load_scenario(f.files.at(0)));
    return EXIT_OK;
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return EXIT_BAD_INPUT;
  }
}

std::vector<fs::path> scenario_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".scenario") out.push_back(e.path());
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
  nlohmann::json baseline;
  if (!f.baseline.empty()) {
    std::ifstream in(f.baseline);
    try {
      if (!in) throw std::runtime_error("cannot read it");
      baseline = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
      std::cerr << fmt::format("mmcheck: error: --baseline {}: {}; give a file written by 'regress --json'\n",
                               f.baseline, e.what());
      return EXIT_BAD_INPUT;
    }
  }
  nlohmann::json results;
  results["schema_version"] = RESULTS_SCHEMA_VERSION;
  results["scenarios"] = nlohmann::json::array();
  nlohmann::json timing = nlohmann::json::object();
  int passed = 0, failed = 0;
  const auto t_all = std::chrono::steady_clock::now();
  for (const fs::path& p : scenario_files(f.dir)) {
    std::string name = fs::relative(p, f.dir).replace_extension().generic_string();
    const auto t0 = std::chrono::steady_clock::now();
    nlohmann::json j;
    bool pass = false;
    uint64_t states = 0;
    std::string error;
    try {
      Scenario s = load_scenario(p.string());
      ScenarioRun r = run_scenario(s, opt);
      j = run_to_json(s, r);
      pass = r.ok();
      states = r.states();
    } catch (const ScenarioError& e) {
      error = e.what();
      j["file"] = p.string();
      j["pass"] = false;
      j["error"] = error;
    }
    j["name"] = name;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timing[name] = secs;
    results["scenarios"].push_back(j);
    (pass ? passed : failed)++;
    std::cout << fmt::format("{} {}  states {}  time {:.3f}s\n", pass ? "PASS" : "FAIL", name, states, secs);
    if (!error.empty()) std::cout << "  " << error << "\n";
    if (!pass && error.empty())
      for (const auto& c : j["configs"]) {
        for (const auto& o : c["observations"])
          if (!o["ok"].get<bool>())
            std::cout << fmt::format("  expectation {} under {}: expected {}, got {} {} {}\n", o["name"].get<std::string>(),
                                     c["config"].get<std::string>(), o["expected"].get<std::string>(),
                                     o["actual"].get<std::string>(), o["pos"].get<uint64_t>(), o["neg"].get<uint64_t>());
        for (const auto& k : c["checks"])
          if (!k["ok"].get<bool>())
            std::cout << fmt::format("  check {} under {}: expected {}, got {}\n", k["invariant"].get<std::string>(),
                                     c["config"].get<std::string>(), k["expected"].get<std::string>(),
                                     k["verdict"].get<std::string>());
      }
  }
  results["timing"] = {{"total_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count()},
                       {"scenario_seconds", timing}};
  if (!f.json_out.empty()) {
    std::ofstream out(f.json_out);
    out << results.dump(2) << "\n";
    if (!out) {
      std::cerr << fmt::format("mmcheck: error: --json {}: cannot write the file\n", f.json_out);
      return EXIT_BAD_INPUT;
    }
  }
  if (!f.baseline.empty())
    for (const auto& line : compare_results(baseline, results)) std::cout << line << "\n";
  std::cout << fmt::format("{} passed, {} failed\n", passed, failed);
  return failed ? EXIT_VIOLATION : EXIT_OK;
}

void common_flags(CLI::App* sub, ScenarioFlags& f) {
  sub->add_option("--config", f.config,
                  "run under this config instead of the file's: a preset, optionally with +KNOB/-KNOB "
                  "(e.g. v6.18+CONFIG_PTE_MARKER_PAGEOUT)");
  sub->add_option("--set", f.sets, "KNOB=0|1 on top of every config (repeatable; config names unchanged)");
  sub->add_option("--threads", f.threads, "engine threads for explore blocks (results do not depend on it)");
}

// `mmcheck explore FILE` and `mmcheck simulate FILE`: the engine asks for
// the workload of a scenario file's explore block.
std::optional<engine::Workload> load_workload(const std::string& file, const mm::Config* override_config) {
  try {
    Scenario s = load_scenario(file);
    if (!s.explore)
      throw ScenarioError(file, Loc{1, 1},
                          "the scenario has no explore block; add one such as 'explore events write read pageout "
                          "writeback fork<=1', or use 'mmcheck run' for its script");
    RunOptions opt;
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
  CLI::App* run = app.add_subcommand("run", "run scenario files: script, expectations, explore and checks");
  run->add_option("FILE", flags->files, "scenario files")->required();
  run->add_flag("--json", flags->json, "print the results as JSON (the format of 'regress --json', without timings)");
  run->add_flag("--mpi", flags->mpi,
                "explore blocks over the ranks of an MPI job: mpirun -np N mmcheck run FILE --mpi (same results)");
  common_flags(run, *flags);
  add_command(app, run, [flags] { return cmd_run(*flags); });

  CLI::App* regress = app.add_subcommand("regress", "run every .scenario below DIR; ends with 'N passed, N failed'");
  regress->add_option("DIR", flags->dir, "directory of scenario files")->required();
  regress->add_option("--json", flags->json_out, "write the results to this file");
  regress->add_option("--baseline", flags->baseline,
                      "compare with an earlier --json file; print 'Result changed: ...' for each difference");
  common_flags(regress, *flags);
  add_command(app, regress, [flags] { return cmd_regress(*flags); });

  CLI::App* show = app.add_subcommand("show", "print a scenario file in canonical form");
  show->add_option("FILE", flags->files, "scenario file")->required()->expected(1);
  add_command(app, show, [flags] { return cmd_show(*flags); });
}

}  // namespace mmc::cli
