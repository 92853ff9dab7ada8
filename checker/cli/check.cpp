// mmcheck check: the pre-submission check.  Explores every standard start
// (checker/check/starts.cpp) with its whole alphabet and budget, checks
// every invariant, prints one verdict line per (start, invariant) and the
// shortest trace of each violation.
//
// A start's depth is part of its definition: a start is complete when
// every path of at most that many events was explored.  Any other bound
// (states, memory, a model capacity such as MAX_FOLIOS) makes the start
// incomplete: exit 3, and its verdicts say "incomplete", never "holds".
// A violation that is a known kernel finding of the config
// (checker/check/known_findings.cpp) is printed with its trace and marked
// "known"; it fails the check only with --strict.
// Exit: 0 every verdict holds (or is a known finding), 1 a violation,
// 2 bad usage, 3 incomplete.
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "checker/check/known_findings.h"
#include "checker/check/starts.h"
#include "checker/cli/commands.h"
#include "checker/cli/flags.h"
#include "checker/engine/engine.h"
#include "checker/engine/mpi/distributed.h"
#include "model/describe.h"
#include "model/invariants.h"

namespace mmc::cli {

namespace {

struct CheckArgs {
  std::string config;
  std::vector<std::string> knobs;
  std::vector<std::string> starts;
  bool json = false;
  bool smoke = false;
  bool list = false;
  bool fail_fast = false;  // stop after the first start with a gating violation (mutation scoring)
  bool strict = false;     // known kernel findings fail the check too
  int threads = 1;
  long long max_memory_mb = -1;
  int depth = -1;  // override of every start's depth (measuring budgets)
  bool mpi = false;  // every start over the ranks of an MPI job (checker/engine/mpi/)
  bool progress = false;  // --progress (on by default on a terminal)
  ReductionFlags reduction;  // --reduction / --no-reduction
};

int usage(const std::string& msg) {
  fmt::print(stderr, "mmcheck: error: {}\n", msg);
  return EXIT_BAD_INPUT;
}

std::optional<mm::Config> make_config(const CheckArgs& a) {
  auto cfg = mm::config_preset(a.config.empty() ? "v6.18" : a.config);
  if (!cfg) {
    std::string names;
    for (const auto& p : mm::config_presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    usage(fmt::format("unknown config '{}'; presets: {}", a.config, names));
    return std::nullopt;
  }
  for (const std::string& kv : a.knobs) {  // each checked by knob_setting()
    const auto [knob, on] = knob_of(kv);
    mm::config_set_knob(*cfg, knob, on);
    cfg->name += fmt::format("+{}={}", knob, on ? 1 : 0);
  }
  return cfg;
}

std::string budget_text(const check::Start& st) {
  auto lim = [](int n) { return n < 0 ? std::string("unlimited") : std::to_string(n); };
  return fmt::format("depth {}, fork<={}, pageout<={}, pin<={}, reclaim {}{}", st.depth, st.forks, st.pageouts,
                     st.pins, st.reclaims < 0 ? "unlimited" : "<=" + lim(st.reclaims),
                     st.pipe ? fmt::format(", vmsplice<={}", st.splices) : std::string());
}

// The start is complete when nothing but its own depth bound was hit.
bool start_complete(const engine::Result& r) {
  for (const std::string& b : r.bounds_hit)
    if (b.rfind("depth bound hit", 0) != 0) return false;
  return true;
}

// With partial-order reduction a violation within the depth budget can lie
// beyond it in the reduced graph (a persistent set may put an independent
// event first: docs/engine.md section 9, "Depth bounds").  So a start whose
// reduced search hit its depth budget, after reducing at least one state,
// is not complete; one that reduced no state searched the whole graph.
void reduced_depth_bound(engine::Result& r) {
  if (!r.partial_order || r.stats.reduced_expansions == 0) return;
  for (const std::string& b : r.bounds_hit)
    if (b.rfind("depth bound hit", 0) == 0) {
      r.bounds_hit.push_back(
          "depth budget reached with partial-order reduction: a violation within it may lie beyond it in the "
          "reduced graph; check without --reduction");
      r.complete = false;
      return;
    }
}

struct InvVerdict {
  std::string name;
  std::string verdict;  // holds, violated, incomplete, inaccurate (a measure that is violated)
  bool exercised = true;
  bool measure = false;
  std::vector<const engine::FacetResult*> violated;
  std::vector<const check::KnownFinding*> known;  // per violated facet: the known finding it is, or nullptr
  // A gating violation that is not (wholly) a known kernel finding.
  bool regression() const {
    return !measure && std::any_of(known.begin(), known.end(), [](const auto* k) { return k == nullptr; });
  }
  bool known_only() const { return !measure && !violated.empty() && !regression(); }
};

std::vector<mm::EventKind> trace_kinds(const engine::FacetResult& f) {
  std::vector<mm::EventKind> kinds;
  if (f.trace)
    for (const engine::TraceStep& s : f.trace->steps)
      if (s.has_event) kinds.push_back(s.event.kind);
  return kinds;
}

std::vector<InvVerdict> per_invariant(const engine::Result& r, bool complete, const check::Start& st,
                                      const mm::Config& cfg) {
  std::vector<InvVerdict> out;
  for (const mm::Invariant& inv : mm::invariants()) {
    InvVerdict v{std::string(inv.name), "holds", check::start_exercises(st, cfg, inv.name),
                 check::invariant_is_measure(inv.name).has_value(), {}, {}};
    for (const engine::FacetResult& f : r.verdicts)
      if (f.invariant == inv.name && f.verdict == engine::Verdict::Violated) {
        v.violated.push_back(&f);
        v.known.push_back(check::known_finding_for(cfg, st.name, f.invariant, f.facet, trace_kinds(f)));
      }
    if (!v.violated.empty()) v.verdict = v.measure ? "inaccurate" : "violated";
    else if (!complete) v.verdict = "incomplete";
    out.push_back(std::move(v));
  }
  return out;
}

void print_trace(std::ostream& out, const engine::Trace& t, const mm::DisplayNames& names) {
  fmt::print(out, "    0. initial state\n");
  for (const std::string& line : mm::describe_state(t.initial, names)) fmt::print(out, "         {}\n", line);
  for (size_t i = 0; i < t.steps.size(); i++) {
    const engine::TraceStep& s = t.steps[i];
    const char* note = s.status == mm::Status::WpFault ? " (uffd-wp fault to userspace)"
                       : s.status == mm::Status::Sigsegv ? " (SIGSEGV)"
                                                         : "";
    fmt::print(out, "    {}. {}{}\n", i + 1, s.text, note);
    for (const std::string& c : s.changes) fmt::print(out, "         {}\n", c);
  }
}

int run_check(const CheckArgs& a) {
  if (a.threads < 1) return usage("--threads must be at least 1");
  auto cfg = make_config(a);
  if (!cfg) return EXIT_BAD_INPUT;
  std::vector<const check::Start*> starts;
  for (const std::string& n : a.starts) {
    const check::Start* st = check::find_start(n);
    if (!st) {
      std::string names;
      for (const auto& s : check::standard_starts()) names += (names.empty() ? "" : ", ") + std::string(s.name);
      return usage(fmt::format("unknown start '{}'; starts: {}", n, names));
    }
    // A start named twice runs once (its verdict lines would repeat).
    if (std::find(starts.begin(), starts.end(), st) == starts.end()) starts.push_back(st);
  }
  if (starts.empty())
    for (const auto& s : check::standard_starts())
      if (!a.smoke || s.smoke) starts.push_back(&s);
  // --depth: the same starts with another depth budget (a different check).
  static std::vector<check::Start> overridden;
  if (a.depth >= 0) {
    overridden.clear();
    overridden.reserve(starts.size());
    for (const check::Start* st : starts) {
      overridden.push_back(*st);
      overridden.back().depth = a.depth;
    }
    for (size_t i = 0; i < starts.size(); i++) starts[i] = &overridden[i];
  }

  if (a.list) {
    for (const check::Start* st : starts) {
      fmt::print("{}\n  {}\n  events: {}\n  budget: {}\n  why: {}\n", st->name, st->description,
                 check::alphabet_text(check::start_alphabet(*st, *cfg)), budget_text(*st), st->why_bound);
    }
    return EXIT_OK;
  }

  engine::Options opt;
  opt.threads = a.threads;
  opt.partial_order = a.reduction.value();
  // --mpi: every rank runs every start together (explore_on); rank 0
  // alone prints, so the other ranks' stdout goes nowhere.
  const engine::Distribution dist = a.mpi ? engine::Distribution::Mpi : engine::Distribution::OneProcess;
  if (a.mpi) {
    std::string why;
    if (!engine::mpi_ready(why)) return usage(why);
    if (std::string no = engine::mpi_unsupported(opt); !no.empty()) return usage(no);
    engine::mpi_start();
    if (engine::mpi_rank() != 0 && !std::freopen("/dev/null", "w", stdout))
      fmt::print(stderr, "mmcheck: warning: rank {} cannot silence its stdout\n", engine::mpi_rank());
  }
  opt.graph_cap = 0;  // no leak graph: the check is about invariants
  if (a.max_memory_mb > 0) opt.max_memory_mb = static_cast<uint64_t>(a.max_memory_mb);
  opt.progress = progress_wanted(a.progress) == ProgressFlag::On;

  nlohmann::json jstarts = nlohmann::json::array();
  std::string timing;
  bool any_violated = false, any_incomplete = false;
  int n_violated = 0;
  std::vector<std::string> known_seen;     // "K1 (migrate-1p)", in start order
  std::vector<std::string> known_missing;  // listed for a complete start but not found there
  const auto t0 = std::chrono::steady_clock::now();
  if (!a.json)
    fmt::print("mmcheck check under {}: {} starts, {} invariants, every path up to each start's depth\n",
               cfg->name, starts.size(), mm::invariants().size());
  size_t started = 0;  // for the progress line
  for (const check::Start* st : starts) {
    if (a.fail_fast && any_violated) break;
    if (opt.progress)  // stderr only: stdout is the same with and without it
      fmt::print(stderr, "check: start {} ({} of {})\n", st->name, ++started, starts.size());
    const engine::Workload w = check::start_workload(*st, *cfg);
    engine::Result r = engine::explore_on(w, opt, dist);
    reduced_depth_bound(r);
    const bool complete = start_complete(r);
    any_incomplete |= !complete;
    const auto verdicts = per_invariant(r, complete, *st, *cfg);
    const mm::DisplayNames names{w.proc_names, w.device_names};
    timing += fmt::format("timing: {} {:.2f} s, {} states, {:.0f} states/s, peak RSS {} MB\n", st->name,
                          r.timing.seconds, r.stats.states, r.timing.states_per_second,
                          r.timing.peak_rss_kb / 1024);
    if (r.timing.ranks > 0)  // --mpi: what each rank spent (CPU and peak RSS so far in the process) and sent
      timing += fmt::format("timing: {} mpi {} ranks, {} levels, {:.1f} MB sent ({:.1f} bytes/state), CPU s per rank [{:.1f}], "
                            "peak RSS per rank [{}] kB\n",
                            st->name, r.timing.ranks, r.timing.levels, r.timing.bytes_sent / 1e6,
                            r.stats.states ? static_cast<double>(r.timing.bytes_sent) / r.stats.states : 0.0,
                            fmt::join(r.timing.rank_cpu_seconds, ", "), fmt::join(r.timing.rank_peak_rss_kb, ", "));
    for (const auto& v : verdicts) {
      if (v.regression() || (a.strict && v.known_only())) {
        any_violated = true;
        n_violated++;
      }
      if (v.known_only())
        for (const auto* k : v.known)
          if (std::string s = fmt::format("{} ({})", k->id, st->name);
              std::find(known_seen.begin(), known_seen.end(), s) == known_seen.end())
            known_seen.push_back(s);
    }
    // A known finding the start did not reproduce although it was searched
    // completely: the change under test may fix it (then drop it from the table).
    if (complete)
      for (const auto* k : check::known_findings_of(*cfg, st->name)) {
        const bool found = std::any_of(verdicts.begin(), verdicts.end(), [&](const InvVerdict& v) {
          return std::find(v.known.begin(), v.known.end(), k) != v.known.end();
        });
        if (!found) known_missing.push_back(fmt::format("{} ({})", k->id, st->name));
      }
    if (a.json) {
      nlohmann::json full = engine::to_json(r);
      nlohmann::json jv = nlohmann::json::array();
      for (const auto& v : verdicts) {
        nlohmann::json facets = nlohmann::json::array();
        nlohmann::json known = nlohmann::json::array();
        for (size_t i = 0; i < v.violated.size(); i++) {
          facets.push_back(v.violated[i]->facet);
          known.push_back(v.known[i] ? nlohmann::json(std::string(v.known[i]->id)) : nlohmann::json(nullptr));
        }
        jv.push_back({{"invariant", v.name}, {"verdict", v.verdict}, {"exercised", v.exercised}, {"measure", v.measure},
                      {"violated_facets", facets}, {"known_findings", known}});
      }
      nlohmann::json traces = nlohmann::json::array();
      for (const auto& fv : full["verdicts"])
        if (fv["verdict"] == "violated") traces.push_back(fv);
      jstarts.push_back({{"name", st->name},
                         {"description", st->description},
                         {"events", check::alphabet_text(w.alphabet)},
                         {"budget",
                          {{"depth", st->depth}, {"forks", st->forks}, {"pageouts", st->pageouts},
                           {"pins", st->pins}, {"reclaims", st->reclaims}}},
                         {"states", r.stats.states},
                         {"transitions", r.stats.transitions},
                         {"complete", complete},
                         {"bounds_hit", r.bounds_hit},
                         {"verdicts", jv},
                         {"violations", traces}});
      continue;
    }
    fmt::print("\nstart {}: {}\n  events: {}\n  budget: {}\n", st->name, st->description,
               check::alphabet_text(w.alphabet), budget_text(*st));
    fmt::print("  explored: {} states, {} transitions, {}\n", r.stats.states, r.stats.transitions,
               complete ? fmt::format("complete (every path of <= {} events)", st->depth)
                        : "INCOMPLETE: " + [&] {
                            std::string s;
                            for (const auto& b : r.bounds_hit)
                              if (b.rfind("depth bound hit", 0) != 0) s += (s.empty() ? "" : "; ") + b;
                            return s;
                          }());
    for (const auto& v : verdicts) {
      std::string facets;
      for (const auto* f : v.violated) facets += (facets.empty() ? "" : ", ") + f->facet;
      std::string known;
      if (v.known_only())
        known = fmt::format("  [known kernel finding {}: {}]", v.known.front()->id,
                            a.strict ? "gating with --strict" : "not a regression; --strict makes it gate");
      fmt::print("{:<16} {:<24} {}{}{}{}{}\n", st->name, v.name, v.verdict,
                 facets.empty() ? "" : " (" + facets + ")", v.measure ? "  [measure: not gating]" : "",
                 v.exercised ? "" : "  [not exercised by this start]", known);
    }
    for (const auto& v : verdicts)
      for (size_t i = 0; i < v.violated.size(); i++) {
        const engine::FacetResult* f = v.violated[i];
        const check::KnownFinding* k = v.known[i];
        fmt::print("\n{}: {} {}/{} ({} events)\n  {}\n",
                   v.measure ? "inaccuracy" : k ? fmt::format("known kernel finding {}", k->id) : "violation",
                   st->name, f->invariant, f->facet, f->trace ? f->trace->steps.size() : 0, f->explanation);
        if (k) fmt::print("  {}\n  documented: {}; the proposed fix: --set {}=1\n", k->what, k->where, k->fix_knob);
        if (f->trace) print_trace(std::cout, *f->trace, names);
      }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int status = any_violated ? EXIT_VIOLATION : any_incomplete ? engine::EXIT_INCOMPLETE : EXIT_OK;
  // "known": nothing violated but the config's known kernel findings.
  const char* verdict = status == EXIT_VIOLATION ? "violated"
                        : status != EXIT_OK      ? "incomplete"
                        : known_seen.empty()     ? "holds"
                                                 : "known";
  if (a.json) {
    nlohmann::json j = {{"schema_version", engine::JSON_SCHEMA_VERSION},
                        {"command", "check"},
                        {"config", cfg->name},
                        {"starts", jstarts},
                        {"verdict", verdict},
                        {"known_findings", known_seen},
                        {"known_findings_not_reproduced", known_missing},
                        {"timing", {{"seconds", secs}, {"threads", a.threads}}}};
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("\nverdict: {} ({} (start, invariant) verdicts violated; {})\n", verdict, n_violated,
               any_incomplete ? "some start is incomplete" : "every start complete");
    if (!known_seen.empty() && !a.strict)
      fmt::print("known kernel findings reproduced, not counted as violations (--strict counts them): {}\n",
                 fmt::join(known_seen, ", "));
    if (!known_missing.empty())
      fmt::print("known kernel findings not reproduced (fixed by this change? then drop them from "
                 "checker/check/known_findings.cpp): {}\n",
                 fmt::join(known_missing, ", "));
    fmt::print("{}timing: total {:.1f} s, threads {}\n", timing, secs, a.threads);
  }
  return status;
}

}  // namespace

void register_check_command(CLI::App& app) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "the pre-submission check: every standard start, its whole event alphabet and budget, every invariant;\n"
      "one verdict line per (start, invariant), the shortest trace of each violation (docs/check.md).\n"
      "Exit status: 0 all hold (known kernel findings aside, unless --strict), 1 violated, 2 bad usage,\n"
      "3 some start incomplete");
  sub->add_option("--config,-c", a->config, "config preset (default v6.18)")->check(config_name());
  sub->add_option("--set", a->knobs, "override one knob: KNOB=0|1 (repeatable)")
      ->allow_extra_args(false)
      ->check(knob_setting());
  sub->add_option("--start", a->starts, "only this start (repeatable)")->allow_extra_args(false);
  sub->add_flag("--smoke", a->smoke, "only the smallest starts (seconds; the ctest entry)");
  sub->add_flag("--list", a->list, "print the starts, their alphabets and budgets, and stop");
  sub->add_flag("--json", a->json, "JSON output");
  sub->add_flag("--fail-fast", a->fail_fast, "stop after the first start with a violation (later starts are not run)");
  sub->add_flag("--strict", a->strict,
                "known kernel findings of the config (docs/check.md) count as violations (exit 1)");
  add_threads_flag(sub, a->threads, "worker threads (results identical for any N)");
  sub->add_option("--depth", a->depth, "override every start's depth budget (for measuring budgets)")
      ->transform(whole_number(0, std::numeric_limits<int>::max()));
  add_max_memory_flag(sub, a->max_memory_mb, "3072 per start; per rank under --mpi");
  sub->add_flag("--progress", a->progress, "progress lines on stderr even when it is not a terminal (on by default on one)");
  sub->add_flag("--mpi", a->mpi,
                "every start over the ranks of an MPI job: mpirun -np N mmcheck check --mpi (same output; "
                "docs/distributed.md)");
  add_reduction_flags(sub, a->reduction, "");
  add_command(app, sub, [a] { return run_check(*a); });
}

}  // namespace mmc::cli
