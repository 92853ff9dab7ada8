// mmcheck emit-c, replay: the real kernel as oracle (checker/live/).
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#include "checker/engine/memory.h"
#include "checker/live/counterexample.h"
#include "checker/live/emit.h"
#include "checker/live/kernel_profile.h"
#include "checker/live/histogram.h"
#include "checker/live/plan.h"
#include "checker/live/recording.h"
#include "checker/live/replay.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"
#include "checker/util/atomic_file.h"
#include "model/config.h"
#include "model/config_requires.h"

namespace mmc::cli {

namespace {

struct EmitArgs {
  std::string file, out, config;
  bool config_given = false;  // --config on the command line, even empty
  bool counterexample = false;
  std::string invariant;  // with --counterexample: this invariant's trace
  std::vector<std::string> sets;  // --set KNOB=0|1: a patch modelled as a knob
  long long max_memory_mb = -1;   // --max-memory-mb (the planner's sets, the counterexample search)
  bool progress = false;          // --progress: the counterexample search's progress line
};

int emit_c_command(const EmitArgs& a) {
  // -o naming the scenario itself would replace it with the C program.
  if (std::error_code ec; !a.out.empty() && a.out != "-" && std::filesystem::equivalent(a.file, a.out, ec)) {
    std::cerr << fmt::format("mmcheck: error: -o {}: that is the scenario file; give another path\n", a.out);
    return EXIT_BAD_INPUT;
  }
  if (!a.invariant.empty() && !a.counterexample) {
    std::cerr << "mmcheck: error: --invariant goes with --counterexample\n";
    return EXIT_BAD_INPUT;
  }
  try {
    scenario::RunOptions ro;
    if (a.max_memory_mb > 0) ro.max_memory_mb = static_cast<uint64_t>(a.max_memory_mb);
    scenario::Scenario sc = scenario::load_scenario(a.file, ro.max_memory_mb);
    // --config and --set mean what they mean for `run`: the counterexample
    // is searched under them, and the program's comments show what the
    // model allows under them.
    ro.progress = progress_wanted(a.progress) == ProgressFlag::On ? scenario::Progress::Stderr : scenario::Progress::Off;
    for (const auto& kv : a.sets) ro.sets.push_back(knob_of(kv));  // each checked by knob_setting()
    mm::Config cfg;
    if (!a.config_given) {
      // The running kernel's probed profile (`mmcheck kernel`, without swap).
      const live::KernelProfile kp = live::classify(live::probe_running_kernel(""));
      if (!kp.classified)
        std::cerr << fmt::format("{}: warning: the kernel's profile is unclassified ({}); give --config\n", a.file, kp.name);
      cfg = kp.config;
    } else {
      ro.override_config = scenario::parse_config_option(a.config);
      cfg = *mm::config_preset(ro.override_config->preset);
      for (const auto& [k, v] : ro.override_config->knobs) mm::config_set_knob(cfg, k, v);
      cfg.name = ro.override_config->display_name();
    }
    for (const auto& [k, v] : ro.sets) mm::config_set_knob(cfg, k, v);
    if (std::string why = mm::config_contradiction(cfg); !why.empty())
      throw scenario::ScenarioError("--config", scenario::Loc{1, 1}, fmt::format("'{}' is no kernel: {}", cfg.name, why));
    live::Plan plan;
    if (a.counterexample) {
      std::string why;
      live::Counterexample cx = live::find_counterexample(sc, a.invariant, why, ro);
      if (cx.events.empty() && cx.incomplete) {  // a bound, not "there is none"
        std::cerr << fmt::format("{}: incomplete: no counterexample: {}\n", a.file, why);
        return EXIT_INCOMPLETE;
      }
      if (cx.events.empty()) {
        std::cerr << fmt::format("{}: error: no counterexample: {}; drop --counterexample to emit the script\n", a.file, why);
        return EXIT_BAD_INPUT;
      }
      std::cerr << fmt::format("{}: counterexample for {} ({}) under {}: {} steps\n", a.file, cx.invariant, cx.facet,
                               cx.config, cx.events.size());
      if (cx.truths.empty())
        std::cerr << fmt::format("{}: note: {}/{} is kernel-internal: no load, pagemap or mincore read shows it, so "
                                 "the program asserts nothing about it ({})\n",
                                 a.file, cx.invariant, cx.facet, cx.explanation);
      else
        for (const auto& t : cx.truths)
          std::cerr << fmt::format("{}: the program asserts what a kernel without the bug returns ({})\n", a.file, t.why);
      plan = live::build_trace_plan(sc, cx.events, cfg, cx.truths);
    } else {
      plan = live::build_plan(sc, cfg, ro.max_memory_mb);
    }
    std::string text = live::emit_c(plan);
    if (!plan.why_not_live.empty())
      std::cerr << fmt::format("{}: warning: not live-capable ({}); the program performs the other steps\n", a.file,
                               plan.why_not_live);
    if (a.out.empty() || a.out == "-") {
      std::cout << text;
    } else {
      if (std::string why = util::write_file_atomically(a.out, text); !why.empty()) {
        std::cerr << fmt::format("mmcheck: error: -o {}: cannot write the file: {}\n", a.out, why);
        return EXIT_IO;
      }
    }
    return EXIT_OK;
  } catch (const scenario::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    return EXIT_BAD_INPUT;
  } catch (const std::invalid_argument& e) {
    std::cerr << fmt::format("{}: error: {}\n", a.file, e.what());
    return EXIT_BAD_INPUT;
  } catch (const engine::MemoryBoundHit& e) {  // the model's sets of states did not fit the bound
    std::cerr << e.what() << "\n";
    return EXIT_INCOMPLETE;
  }
}

}  // namespace

void register_live_commands(CLI::App& app) {
  auto emit = std::make_shared<EmitArgs>();
  CLI::App* e = app.add_subcommand("emit-c", "a standalone C reproducer of a scenario's scripted steps (TAP output)");
  e->add_option("file", emit->file, "scenario file")->required();
  e->add_option("-o,--output", emit->out, "write the C program here (default: stdout)")->check(file_path());
  e->add_option("--config", emit->config,
                "model config for the allowed values in comments (default: the running kernel's probed profile)")
      ->check(config_name());
  e->add_flag("--counterexample", emit->counterexample,
              "emit the shortest counterexample trace of the explore block instead of the script "
              "(the script up to `explore`, then the trace's steps)");
  e->add_option("--invariant", emit->invariant, "with --counterexample: the trace of this invariant");
  e->add_option("--set", emit->sets,
                "KNOB=0|1 on top of every config (repeatable), also where the counterexample is searched")
      ->check(knob_setting());
  add_max_memory_flag(e, emit->max_memory_mb);
  e->add_flag("--progress", emit->progress,
              "with --counterexample: the search's progress line on stderr even when it is not a terminal (on by "
              "default on one)");
  add_command(app, e, [emit, e] {
    emit->config_given = given(e, "--config");
    return emit_c_command(*emit);
  });

  auto rp = std::make_shared<live::ReplayOptions>();
  auto live_flag = std::make_shared<bool>(false);
  auto runs = std::make_shared<int>(0);
  auto max_memory_mb = std::make_shared<long long>(-1);
  CLI::App* r = app.add_subcommand("replay", "run scenarios on the real kernel and compare with the model (--live)");
  auto recorded = std::make_shared<std::vector<std::string>>();
  r->add_option("paths", rp->paths, "scenario files, or directories (their `live` scenarios)");
  r->add_option("--record", rp->record,
                "with --live: write every observation and the kernel's profile to this JSON file (atomically)")
      ->check(file_path());
  r->add_option("--recorded", *recorded,
                "re-check the model against recorded observations (JSON files from --record); no root, no swap")
      ->check(file_path());
  r->add_flag("--live", *live_flag, "run on the running kernel (root; creates and removes its own swapfile)");
  r->add_flag("--keep", rp->keep, "keep the generated C files and binaries");
  r->add_flag("-v,--verbose", rp->verbose, "print each program's TAP output");
  r->add_option("--work-dir", rp->work_dir,
                "where C files, binaries and the swapfile go (default: a fresh directory under $TMPDIR or /tmp, "
                "removed afterwards; under the build directory when that is tmpfs)")
      ->check(work_dir());
  r->add_option("--config", rp->config,
                "compare with this model config instead of the kernel's probed profile (`mmcheck kernel`)")
      ->check(config_name());
  r->add_option("--timeout", rp->timeout_s, "seconds per program (default 60)")->transform(whole_number(1, 86400));
  r->add_flag("--counterexamples", rp->counterexamples,
              "also run each explore block's shortest counterexample (script up to `explore`, then the trace)");
  r->add_option("--runs", *runs,
                "run each program N times and print, per observation, each value seen with its count and whether "
                "the model allows it (a klitmus7-style histogram)")
      ->transform(whole_number(1, 1000000));
  add_max_memory_flag(r, *max_memory_mb);
  r->add_flag("--progress", rp->progress,
              "a line per scenario on stderr even when it is not a terminal (on by default on one)");
  add_command(app, r, [rp, live_flag, recorded, runs, max_memory_mb] {
    if (*max_memory_mb > 0) rp->max_memory_mb = static_cast<uint64_t>(*max_memory_mb);
    rp->progress = progress_wanted(rp->progress) == ProgressFlag::On;
    if (!recorded->empty()) {
      if (*live_flag) {
        std::cerr << "replay: error: --recorded re-checks recordings without the kernel; drop --live\n";
        return EXIT_BAD_INPUT;
      }
      if (!rp->record.empty() || *runs != 0 || rp->counterexamples) {
        std::cerr << "replay: error: --record, --runs and --counterexamples run programs on the kernel: they go with "
                     "--live, not --recorded\n";
        return EXIT_BAD_INPUT;
      }
      std::vector<std::string> files = *recorded;
      files.insert(files.end(), rp->paths.begin(), rp->paths.end());
      return live::replay_recorded(files, *rp, std::cout, std::cerr);
    }
    if (rp->paths.empty()) {
      std::cerr << "replay: error: give scenario files or directories (with --live), or --recorded FILE...\n";
      return EXIT_BAD_INPUT;
    }
    if (!*live_flag) {
      std::cerr << "replay: error: only live replay exists; add --live (model-only runs are `mmcheck run`)\n";
      return EXIT_BAD_INPUT;
    }
    if (*runs != 0 && (!rp->record.empty() || rp->counterexamples)) {
      std::cerr << "replay: error: --runs prints a histogram of repeated runs; --record and --counterexamples go "
                   "without it\n";
      return EXIT_BAD_INPUT;
    }
    live::TempDir wd(rp->work_dir);  // removed afterwards unless given
    if (rp->keep) wd.keep();
    live::ReplayOptions o = *rp;
    o.work_dir = wd.path();
    if (*runs != 0) return live::replay_histogram(o, *runs, std::cout, std::cerr);
    return live::replay_live(o, std::cout, std::cerr);
  });
}

}  // namespace mmc::cli
