#include "checker/live/histogram.h"

#include "checker/engine/memory.h"

#include "checker/live/replay.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>

#include "checker/live/emit.h"
#include "checker/live/swapfile.h"
#include "checker/scenario/parser.h"
#include "model/encoding.h"

namespace mmc::live {

namespace fs = std::filesystem;

namespace {

// A comparable value as read: pagemap entries as their flags (the frame is
// allocation order and dropped, except a PTE marker's bits).
std::string value_text(ObsKind k, uint64_t v) {
  if (k != ObsKind::Pagemap) return std::to_string(static_cast<int64_t>(v));
  namespace e = mm::enc;
  std::string t;
  auto add = [&](uint64_t bit, const char* name) {
    if (v & bit) t += (t.empty() ? "" : ",") + std::string(name);
  };
  add(e::PM_PRESENT, "present");
  add(e::PM_SWAP, "swap");
  add(e::PM_FILE, "file");
  add(e::PM_MMAP_EXCLUSIVE, "exclusive");
  add(e::PM_SOFT_DIRTY, "soft_dirty");
  add(e::PM_UFFD_WP, "uffd_wp");
  add(e::PM_GUARD_REGION, "guard");
  if (v & e::PM_PFRAME_MASK) t += fmt::format("{}frame={:#x}", t.empty() ? "" : ",", v & e::PM_PFRAME_MASK);
  return t.empty() ? "0" : t;
}

}  // namespace

Histogram::Histogram(std::string f, const Plan& p) : file(std::move(f)), plan(&p) {
  for (const Observation& o : p.observations) obs.push_back(ObservationCounts{&o, {}, 0});
  for (const TapTest& t : p.tests) tap_text[t.n] = t.text;
}

void Histogram::add(const ProgramRun& run, const ProgramOutput& out) {
  runs++;
  if (run.timed_out) timed_out++;
  else if (run.signal) killed++;
  for (ObservationCounts& c : obs) {
    const std::optional<uint64_t> k = observed_value(*c.obs, out);
    if (!k) {
      c.missing++;
      continue;
    }
    const uint64_t v = comparable(c.obs->kind, *k);
    c.seen[v]++;
  }
  for (const TapLine& t : out.tests)
    if (!t.ok) tap_failed[t.n]++;
}

int Histogram::forbidden() const {
  int n = 0;
  for (const ObservationCounts& c : obs)
    for (const auto& [v, count] : c.seen) n += c.obs->allowed.count(v) ? 0 : 1;
  return n;
}

int Histogram::missing() const {
  int n = 0;
  for (const ObservationCounts& c : obs) n += c.missing;
  return n;
}

void Histogram::print(std::ostream& out) const {
  out << fmt::format("Histogram {} ({} run{})\n", file, runs, runs == 1 ? "" : "s");
  for (const ObservationCounts& c : obs) {
    const Observation& o = *c.obs;
    std::string allowed;
    for (uint64_t v : o.allowed) allowed += (allowed.empty() ? "" : " | ") + value_text(o.kind, v);
    out << fmt::format("  {} {}: {}  (model allows: {})\n", o.loc.line ? "line" : "trace step",
                       o.loc.line ? o.loc.line : o.loc.col, o.text, allowed);
    // Most frequent first, then by value: the same runs print the same way.
    std::vector<std::pair<int, uint64_t>> rows;
    for (const auto& [v, count] : c.seen) rows.emplace_back(count, v);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (const auto& [count, v] : rows) {
      const bool ok = o.allowed.count(v) > 0;
      // klitmus7 marks the outcomes that satisfy the condition with '*'.
      out << fmt::format("  {:>7} {}> {:<28} {}\n", count, ok ? '*' : ':', value_text(o.kind, v),
                         ok ? "allowed" : "NOT ALLOWED by the model");
    }
    if (c.missing) out << fmt::format("  {:>7} :> (no value: the program stopped before it)\n", c.missing);
  }
  for (const auto& [n, count] : tap_failed)
    out << fmt::format("  expectation failed on the kernel in {} of {} runs: {}\n", count, runs,
                       tap_text.count(n) ? tap_text.at(n) : std::to_string(n));
  if (timed_out) out << fmt::format("  {} runs were killed by the timeout\n", timed_out);
  if (killed) out << fmt::format("  {} runs died of a signal\n", killed);
  out << fmt::format("  {} value{} the model does not allow\n", forbidden(), forbidden() == 1 ? "" : "s");
}

namespace {

struct Job {
  std::string file;
  scenario::Scenario sc;
  Plan plan;
};

// Compile once, run `runs` times, print the histogram; false when it shows
// something the model does not allow (or a run went wrong).
bool run_histogram(const Job& j, const ReplayOptions& opt, int runs, std::ostream& out) {
  const fs::path path(j.file);
  const std::string stem = path.parent_path().filename().string() + "-" + path.stem().string() + "-histogram";
  const std::string c_file = opt.work_dir + "/" + stem + ".c";
  const std::string bin = opt.work_dir + "/" + stem;
  {
    std::ofstream f(c_file);
    f << emit_c(j.plan);
  }
  std::string log;
  if (!compile_c(c_file, bin, log)) {
    out << fmt::format("{}: the reproducer does not compile:\n{}\n", j.file, log);
    return false;
  }
  Histogram h(j.file, j.plan);
  for (int i = 0; i < runs; i++) {
    ProgramRun r = run_program(bin, opt.timeout_s);
    if (opt.verbose) out << r.output;
    h.add(r, parse_output(r.output));
  }
  h.print(out);
  if (!opt.keep) {
    fs::remove(c_file);
    fs::remove(bin);
  }
  return h.forbidden() == 0 && h.missing() == 0 && h.tap_failed.empty() && !h.timed_out && !h.killed;
}

}  // namespace

int replay_histogram(const ReplayOptions& opt, int runs, std::ostream& out, std::ostream& err) {
  if (runs < 1) {
    err << "replay: error: --runs takes a number of runs >= 1\n";
    return 2;
  }
  int status = 0;
  const std::optional<LiveRun> run = start_live_run(opt, err, status);
  if (!run) return status;
  const auto& files = run->files;
  const std::optional<ReplayConfig>& rc = run->config;
  const mm::Config& cfg = rc->cfg;
  std::vector<std::unique_ptr<Job>> jobs;
  bool bad_input = false, incomplete = false;
  for (const auto& [f, is_explicit] : files) {
    auto j = std::make_unique<Job>();
    j->file = f;
    try {
      j->sc = scenario::load_scenario(f, opt.max_memory_mb);
      if (!j->sc.live && !is_explicit) continue;
      j->plan = build_plan(j->sc, cfg, opt.max_memory_mb);
    } catch (const scenario::ScenarioError& e) {
      err << e.what() << "\n";
      bad_input = true;
      continue;
    } catch (const engine::MemoryBoundHit& e) {  // not run: the model's side did not fit
      err << e.what() << "\n";
      incomplete = true;
      continue;
    }
    if (!j->plan.why_not_live.empty()) {
      out << fmt::format("skip {}: not live-capable: {}\n", f, j->plan.why_not_live);
      continue;
    }
    if (j->plan.pmd_ranges && rc->madv_collapse != "ok") {
      out << fmt::format("skip {}: needs MADV_COLLAPSE on a real PMD range: {}\n", f, rc->madv_collapse);
      continue;
    }
    if (j->plan.thp_faults && rc->thp_fault != "ok") {
      out << fmt::format("skip {}: needs THP faults on a MADV_HUGEPAGE range: {}\n", f, rc->thp_fault);
      continue;
    }
    jobs.push_back(std::move(j));
  }
  fs::create_directories(opt.work_dir);
  out << fmt::format("live histogram: {} run{} per scenario against model config {}\n", runs, runs == 1 ? "" : "s",
                     cfg.name);
  bool all_ok = true;
  const std::string foreign = active_swaps();
  for (const auto& j : jobs) {
    if (j->plan.needs_swap) continue;
    // Without a swap of its own a pageout would use this machine's swap.
    if (!foreign.empty() && uses_pageout(j->sc)) {
      out << fmt::format("skip {}: declares no swap but pages out, and swap is active on this machine\n", j->file);
      continue;
    }
    all_ok &= run_histogram(*j, opt, runs, out);
  }
  bool any_swap = false;
  for (const auto& j : jobs) any_swap |= j->plan.needs_swap;
  if (any_swap) {
    SwapGuard swap(opt.work_dir);
    std::string why;
    if (!swap.on(why)) {
      err << "replay --live: skip: " << why << "\n";
      return 77;
    }
    for (const auto& j : jobs)
      if (j->plan.needs_swap) all_ok &= run_histogram(*j, opt, runs, out);
    if (!swap.off(&why)) {
      err << "replay --live: " << why << "\n";
      all_ok = false;
    }
  }
  if (bad_input) return 2;
  return !all_ok ? 1 : incomplete ? 3 : 0;
}

}  // namespace mmc::live
