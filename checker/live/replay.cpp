#include "checker/live/replay.h"

#include "checker/engine/memory.h"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <ostream>

#include "checker/live/counterexample.h"
#include "checker/live/emit.h"
#include "checker/live/kernel_profile.h"
#include "checker/live/plan.h"
#include "checker/live/program.h"
#include "checker/live/recording.h"
#include "checker/live/swapfile.h"
#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

namespace mmc::live {

namespace fs = std::filesystem;

std::vector<std::string> scenario_files_below(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".scenario") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string binary_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

static bool on_tmpfs(const std::string& dir) {
  struct statfs st {};
  return statfs(dir.c_str(), &st) == 0 && static_cast<unsigned long>(st.f_type) == 0x01021994UL;  // TMPFS_MAGIC
}

TempDir::TempDir(const std::string& given) {
  if (!given.empty()) {
    path_ = given;
    fs::create_directories(path_);
    return;
  }
  // $TMPDIR, else /tmp: a $TMPDIR that does not exist must not become a
  // directory created (as root, anywhere) and left behind.
  const char* t = std::getenv("TMPDIR");
  std::vector<std::string> bases;
  if (t && *t) bases.emplace_back(t);
  bases.emplace_back("/tmp");
  for (std::string base : bases) {
    if (on_tmpfs(base)) base = binary_dir();
    std::string tmpl = base + "/mmcheck-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data())) {
      path_ = buf.data();
      owned_ = true;
      return;
    }
  }
  path_ = bases.back();
}

TempDir::~TempDir() {
  if (!owned_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

bool uses_pageout(const scenario::Scenario& sc) {
  for (const auto& it : sc.items)
    if (!it.is_expect() && ((it.step().kind == scenario::StepKind::Madvise && it.step().event == mm::EventKind::MadvPageout) ||
                          (it.step().kind == scenario::StepKind::Kernel && it.step().event == mm::EventKind::Reclaim)))
      return true;
  return false;
}

namespace {

struct Job {
  std::string file;
  std::string stem_suffix;  // "-counterexample" for a trace
  scenario::Scenario sc;
  Plan plan;
};

bool uses_uffd_wp(const scenario::Scenario& sc, bool unpopulated) {
  for (const auto& it : sc.items)
    if (!it.is_expect() && it.step().kind == scenario::StepKind::Mmap &&
        (unpopulated ? (it.step().uffd_features & mm::VM_UFFD_WP_UNPOPULATED) != 0 : it.step().uffd_wp))
      return true;
  return false;
}

std::string value_text(ObsKind k, uint64_t v) {
  if (k == ObsKind::Pagemap) return fmt::format("{:#018x}", v);
  if (k == ObsKind::PagemapMincore) return fmt::format("({:#018x}, {})", v & ~(1ull << 54), v >> 54 & 1);
  if (k == ObsKind::SameFrame) return v ? "same page" : "another page";
  return std::to_string(static_cast<int64_t>(v));
}

std::string set_text(const Observation& o) {
  std::string t;
  for (uint64_t v : o.raw) t += (t.empty() ? "" : ", ") + value_text(o.kind, v);
  return "{" + t + "}";
}

}  // namespace

std::optional<uint64_t> observed_value(const Observation& o, const ProgramOutput& out) {
  if (o.kind == ObsKind::PagemapMincore || o.kind == ObsKind::SameFrame) {
    auto a = out.obs.find(o.parts.at(0)), b = out.obs.find(o.parts.at(1));
    if (a == out.obs.end() || b == out.obs.end()) return std::nullopt;
    return o.kind == ObsKind::SameFrame ? same_frame(a->second, b->second) : pagemap_mincore_pair(a->second, b->second);
  }
  auto it = out.obs.find(o.id);
  if (it == out.obs.end()) return std::nullopt;
  return it->second;
}

std::vector<Verdict> compare(const Plan& plan, const ProgramOutput& out) {
  std::vector<Verdict> vs;
  for (const Observation& o : plan.observations) {
    Verdict v;
    v.obs = &o;
    if (const std::optional<uint64_t> k = observed_value(o, out)) {
      v.printed = true;
      v.kernel = *k;
      v.agree = o.allowed.count(comparable(o.kind, *k)) > 0;
    }
    vs.push_back(v);
  }
  return vs;
}

std::string verdict_line(const std::string& file, const Verdict& v) {
  const Observation& o = *v.obs;
  const std::string where =
      o.loc.line ? fmt::format("{}:{}", file, o.loc.line) : fmt::format("{} (trace step {})", file, o.loc.col);
  if (!v.printed)
    return fmt::format("DISAGREE  {}: {}: no value printed (the program stopped early), model allows {}", where, o.text,
                       set_text(o));
  return fmt::format("{:<9} {}: {}: kernel {}, model allows {}", v.agree ? "agree" : "DISAGREE", where, o.text,
                     value_text(o.kind, v.kernel), set_text(o));
}

namespace {

struct Tally {
  int agree = 0, disagree = 0, tap_failed = 0, scenarios = 0;
  int checked = 0;            // scenario expectations checked on the kernel
  int not_applicable = 0;     // ... not applicable under the profile (reported with the reason)
  int internal = 0;           // ... about kernel-internal state (pte, folio, ...): model-only
  int sometimes_unseen = 0;   // `sometimes` expectations the kernel did not show in this run
  std::string profile;
  std::vector<RecordedScenario> recorded;  // with --record
  size_t started = 0, jobs = 0;            // for the progress line
};

// One TAP line of a program: its verdict, or why it was not checked.
void report_tap(const std::string& file, const TapLine& t, Tally& tally, std::ostream& out) {
  if (!t.ok) {
    out << fmt::format("   expectation failed on the kernel: not ok {} {}\n", t.n, t.text);
    tally.tap_failed++;
    return;
  }
  if (!t.skip) {
    tally.checked++;
    return;
  }
  const size_t cut = t.text.find(" # SKIP ");
  const std::string what = t.text.substr(0, cut);
  const std::string why = cut == std::string::npos ? "" : t.text.substr(cut + 8);
  if (why == "not seen in this run") {
    tally.sometimes_unseen++;
    out << fmt::format("unseen    {}: {}: a `sometimes` the kernel did not show in this run\n", file, what);
  } else if (why.rfind("kernel-internal state", 0) == 0) {
    tally.internal++;
  } else {
    tally.not_applicable++;
    out << fmt::format("n/a       {}: {}: not applicable under {}: {}\n", file, what, tally.profile, why);
  }
}

// Generate, compile, run and compare one scenario.
void run_job(const Job& j, const ReplayOptions& opt, Tally& tally, std::ostream& out) {
  // dir-name: scenario names repeat across directories
  const fs::path path(j.file);
  const std::string stem = path.parent_path().filename().string() + "-" + path.stem().string() + j.stem_suffix;
  const std::string c_file = opt.work_dir + "/" + stem + ".c";
  const std::string bin = opt.work_dir + "/" + stem;
  {
    std::ofstream f(c_file);
    f << emit_c(j.plan);
  }
  if (opt.progress)  // stderr only: stdout is the same with and without it
    std::cerr << fmt::format("replay: {} ({} of {})\n", j.file, ++tally.started, tally.jobs) << std::flush;
  out << fmt::format("== {}: {}\n", j.file, j.plan.title);
  for (const auto& n : j.plan.notes) out << "   note: " << n << "\n";
  std::string log;
  if (!compile_c(c_file, bin, log)) {
    out << fmt::format("DISAGREE  {}: the reproducer does not compile:\n{}\n", j.file, log);
    tally.disagree++;
    return;
  }
  ProgramRun r = run_program(bin, opt.timeout_s);
  ProgramOutput po = parse_output(r.output);
  if (opt.verbose) out << r.output;
  tally.scenarios++;
  if (j.stem_suffix.empty()) tally.recorded.push_back(record_scenario(j.file, j.plan, po));
  for (const Verdict& v : compare(j.plan, po)) {
    out << verdict_line(j.file, v) << "\n";
    (v.agree ? tally.agree : tally.disagree)++;
  }
  for (const auto& t : po.tests) report_tap(j.file, t, tally, out);
  for (const auto& b : po.bail) out << "   " << b << "\n";
  if (r.timed_out) out << fmt::format("   the program ran longer than {} s and was killed\n", opt.timeout_s);
  if (r.signal) out << fmt::format("   the program died of signal {}\n", r.signal);
  if (!opt.keep) {
    fs::remove(c_file);
    fs::remove(bin);
  }
}

}  // namespace

std::optional<ReplayConfig> replay_config(const ReplayOptions& opt, std::ostream& err, int& status) {
  ReplayConfig rc;
  rc.probe = probe_running_kernel("");
  rc.madv_collapse = rc.probe.madv_collapse.empty() ? "not probed (needs root)" : rc.probe.madv_collapse;
  rc.thp_fault = rc.probe.thp_fault.empty() ? "not probed (needs root)" : rc.probe.thp_fault;
  if (!opt.config.empty()) {
    try {
      scenario::ConfigSpec spec = scenario::parse_config_option(opt.config);
      rc.cfg = *mm::config_preset(spec.preset);
      for (const auto& [k, v] : spec.knobs) mm::config_set_knob(rc.cfg, k, v);
      rc.cfg.name = spec.display_name();
    } catch (const scenario::ScenarioError& e) {
      err << e.what() << "\n";
      status = 2;
      return std::nullopt;
    }
    rc.from = "from --config";
    return rc;
  }
  const KernelProfile kp = classify(rc.probe);
  if (!kp.classified) {
    for (const auto& u : kp.unclassified) err << "replay --live: unclassified: " << u << "\n";
    err << fmt::format("replay --live: skip: the kernel's profile ({}) fits no model config; "
                       "see `mmcheck kernel`, or give --config\n", kp.name);
    status = 77;
    return std::nullopt;
  }
  rc.cfg = kp.config;
  rc.uffd_wp = kp.uffd_wp;
  rc.uffd_wp_unpopulated = kp.uffd_wp_unpopulated;
  rc.from = "probed: see `mmcheck kernel`";
  return rc;
}

std::optional<LiveRun> start_live_run(const ReplayOptions& opt, std::ostream& err, int& status) {
  LiveRun run;
  // Which scenarios: explicit files always; from a directory, those marked `live`.
  for (const auto& p : opt.paths) {
    // The error_code forms: a symlink loop or an overlong name is bad input, not an exception.
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (fs::is_directory(st)) {
      for (const auto& f : scenario_files_below(p)) run.files.emplace_back(f, false);
    } else if (fs::is_regular_file(st)) {
      run.files.emplace_back(p, true);
    } else {
      const std::string why = ec && ec != std::errc::no_such_file_or_directory ? ec.message()
                              : fs::exists(st)                                ? "not a regular file"
                                                                              : "no such file or directory";
      err << fmt::format("{}: error: {}; give scenario files or directories\n", p, why);
      status = 2;
      return std::nullopt;
    }
  }
  if (geteuid() != 0) {
    err << "replay --live: skip: needs root (swapon, and pagemap shows frames only to CAP_SYS_ADMIN)\n";
    status = 77;
    return std::nullopt;
  }
  run.config = replay_config(opt, err, status);
  if (!run.config) return std::nullopt;
  return run;
}

int replay_live(const ReplayOptions& opt, std::ostream& out, std::ostream& err) {
  int status = 0;
  const std::optional<LiveRun> run = start_live_run(opt, err, status);
  if (!run) return status;
  const auto& files = run->files;
  const std::optional<ReplayConfig>& rc = run->config;
  const mm::Config& cfg = rc->cfg;
  const std::string& profile_from = rc->from;
  const bool uffd_wp_available = rc->uffd_wp, uffd_wp_unpopulated_available = rc->uffd_wp_unpopulated;
  const ProbeResults& probe = rc->probe;
  out << fmt::format("kernel profile: {} ({})\n", cfg.name, profile_from);
  std::vector<Job> jobs;
  std::vector<std::string> skipped, capable_unmarked;
  int unmarked = 0;
  bool bad_input = false, incomplete = false, write_failed = false;
  for (const auto& [path, is_explicit] : files) {
    Job j;
    j.file = path;
    try {
      j.sc = scenario::load_scenario(path, opt.max_memory_mb);
      j.plan = build_plan(j.sc, cfg, opt.max_memory_mb);
      if (!j.sc.live && !is_explicit) {
        unmarked++;
        if (j.plan.why_not_live.empty()) capable_unmarked.push_back(path);
        continue;
      }
    } catch (const scenario::ScenarioError& e) {
      err << e.what() << "\n";
      bad_input = true;
      continue;
    } catch (const engine::MemoryBoundHit& e) {  // not run: the model's side did not fit
      err << e.what() << "\n";
      incomplete = true;
      continue;
    }
    if (!j.plan.why_not_live.empty()) {
      skipped.push_back(fmt::format("{}: not live-capable: {}", path, j.plan.why_not_live));
      continue;
    }
    if (!uffd_wp_available && uses_uffd_wp(j.sc, false)) {
      skipped.push_back(fmt::format("{}: needs userfaultfd write-protect, which this kernel does not offer", path));
      continue;
    }
    if (j.plan.pmd_ranges && rc->madv_collapse != "ok") {
      skipped.push_back(fmt::format("{}: needs MADV_COLLAPSE on a real PMD range: {}", path, rc->madv_collapse));
      continue;
    }
    if (j.plan.thp_faults && rc->thp_fault != "ok") {
      skipped.push_back(fmt::format("{}: needs THP faults on a MADV_HUGEPAGE range: {}", path, rc->thp_fault));
      continue;
    }
    if (!uffd_wp_unpopulated_available && uses_uffd_wp(j.sc, true)) {
      skipped.push_back(fmt::format("{}: needs UFFD_FEATURE_WP_UNPOPULATED, which this kernel does not offer", path));
      continue;
    }
    if (opt.counterexamples && j.sc.explore) {
      // The trace the exploration finds, performed for real after the script.
      std::string why;
      try {
        scenario::RunOptions ro;
        ro.max_memory_mb = opt.max_memory_mb;
        Counterexample cx = find_counterexample(j.sc, "", why, ro);
        if (!cx.events.empty()) {
          Job t;
          t.file = path;
          t.sc = j.sc;
          t.plan = build_trace_plan(t.sc, cx.events, cfg);
          t.plan.title = fmt::format("counterexample: {} ({}) under {}", cx.invariant, cx.facet, cx.config);
          t.stem_suffix = "-counterexample";
          if (t.plan.why_not_live.empty()) jobs.push_back(std::move(t));
          else skipped.push_back(fmt::format("{} (counterexample): not live-capable: {}", path, t.plan.why_not_live));
        } else if (cx.incomplete) {  // not "no counterexample": a bound cut the search short
          err << fmt::format("{}: incomplete: --counterexamples: {}\n", path, why);
          incomplete = true;
        }
      } catch (const scenario::ScenarioError& e) {
        err << e.what() << "\n";
        bad_input = true;
      } catch (const engine::MemoryBoundHit& e) {
        err << e.what() << "\n";
        incomplete = true;
      }
    }
    jobs.push_back(std::move(j));
  }
  fs::create_directories(opt.work_dir);
  out << fmt::format("live replay on {} against the model under {} (CONFIG_MEM_SOFT_DIRTY={}, "
                     "CONFIG_PTE_MARKER_UFFD_WP={}, mm_forbids_zeropage={}); PFNs and swap offsets are allocation "
                     "order and not compared\n",
                     [] {
                       std::ifstream f("/proc/sys/kernel/osrelease");
                       std::string r;
                       std::getline(f, r);
                       return "Linux " + r;
                     }(),
                     cfg.name, cfg.CONFIG_MEM_SOFT_DIRTY ? "y" : "n", cfg.CONFIG_PTE_MARKER_UFFD_WP ? "y" : "n",
                     cfg.mm_forbids_zeropage ? "y" : "n");
  Tally tally;
  tally.profile = cfg.name;
  tally.jobs = jobs.size();
  // Scenarios without swap first, while no swap of ours is on.
  const std::string foreign = active_swaps();
  for (const Job& j : jobs) {
    if (j.plan.needs_swap) continue;
    if (!foreign.empty() && uses_pageout(j.sc)) {
      skipped.push_back(fmt::format("{}: declares no swap but pages out, and swap is active on this machine", j.file));
      continue;
    }
    run_job(j, opt, tally, out);
  }
  const bool any_swap = std::any_of(jobs.begin(), jobs.end(), [](const Job& j) { return j.plan.needs_swap; });
  if (any_swap) {
    SwapGuard swap(opt.work_dir);
    std::string why;
    if (!swap.on(why)) {
      err << "replay --live: skip: " << why << "\n";
      return 77;
    }
    out << fmt::format("swapfile {} on\n", swap.path());
    for (const Job& j : jobs)
      if (j.plan.needs_swap) run_job(j, opt, tally, out);
    if (!swap.off(&why)) {
      err << "replay --live: " << why << "\n";
      tally.disagree++;
    }
    out << "swapfile off and removed; /proc/swaps as before\n";
  }
  for (const auto& s : skipped) out << "skip " << s << "\n";
  if (tally.tap_failed) out << fmt::format("{} scenario expectations failed on the kernel\n", tally.tap_failed);
  for (const auto& f : capable_unmarked) out << fmt::format("note: {} could run live: mark it `live`\n", f);
  out << fmt::format("{} scenarios, {} skipped, {} not marked live\n", tally.scenarios, skipped.size(), unmarked);
  out << fmt::format("scenario expectations: {} checked, {} failed, {} not applicable under {}, {} `sometimes` not seen, "
                     "{} kernel-internal (model-only)\n",
                     tally.checked, tally.tap_failed, tally.not_applicable, cfg.name, tally.sometimes_unseen, tally.internal);
  if (!opt.record.empty()) {
    Recording rec;
    rec.note = fmt::format("recorded {} by `mmcheck replay --live --record` on Linux {} ({}); the kernel's profile "
                           "was probed by behaviour (`mmcheck kernel`, the probe results below)",
                           [] {
                             char buf[32] = "";
                             const std::time_t t = std::time(nullptr);
                             std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
                             return std::string(buf);
                           }(),
                           probe.release, cfg.name);
    rec.release = probe.release;
    rec.machine = probe.machine;
    rec.boot_params = probe.boot_params;
    rec.profile = cfg.name;
    rec.config = cfg;
    rec.probe_json = probe_results_json(probe);
    rec.scenarios = tally.recorded;
    std::string why;
    if (!write_recording(opt.record, rec, why)) {
      err << "replay --live: error: " << why << "\n";
      write_failed = true;
    } else {
      out << fmt::format("recorded {} scenarios to {}\n", rec.scenarios.size(), opt.record);
    }
  }
  out << fmt::format("{} agree, {} disagree\n", tally.agree, tally.disagree);
  if (write_failed) return 74;  // EXIT_IO: the recording asked for is not there
  if (bad_input) return 2;
  return tally.disagree || tally.tap_failed ? 1 : incomplete ? 3 : 0;
}

}  // namespace mmc::live
