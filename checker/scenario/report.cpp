#include "checker/scenario/report.h"

#include <fmt/format.h>

#include <map>
#include <ostream>
#include <tuple>

#include "checker/engine/trace_text.h"
#include "model/describe.h"

namespace mmc::scenario {

const char* quant_title(Quant q) {
  switch (q) {
    case Quant::Always: return "Always";
    case Quant::Sometimes: return "Sometimes";
    case Quant::Never: return "Never";
  }
  return "?";
}

namespace {

// herd7's answer to a condition: how many reachable states match, and the
// shortest path to one that shows it.
void print_condition(std::ostream& out, const Scenario& s, const ConfigRun& c, const ConditionResult& k,
                     std::vector<std::string>& failed) {
  out << fmt::format("  Condition {}: {} {} {}  {}  {}\n", k.named() ? k.name : k.text, quant_title(k.actual()), k.pos,
                     k.neg, k.verdict(), k.ok() ? "ok" : "FAIL");
  if (k.named()) out << fmt::format("    {}\n", k.text);
  for (const auto& b : k.bounds_hit) out << fmt::format("    bound hit: {}\n", b);
  if (k.witness) {
    out << fmt::format("    {} ({} step{}):\n",
                       k.witness_holds ? "witness: a reachable state where it holds"
                                       : "counterexample: a reachable state where it fails",
                       k.witness->steps.size(), k.witness->steps.size() == 1 ? "" : "s");
    for (const auto& line : k.witness_lines) out << "      " << line << "\n";
  }
  if (!k.ok())
    failed.push_back(fmt::format("{}:{}:{}: condition '{}' under {}: {} ({} states match, {} do not)", s.file, k.loc.line,
                                 k.loc.col, k.text, c.config, k.verdict(), k.pos, k.neg));
}

}  // namespace

void print_run(std::ostream& out, const Scenario& s, const ScenarioRun& r, const engine::TraceStyle& style) {
  out << fmt::format("Scenario \"{}\" ({})\n", s.title, s.file);
  if (!s.source.empty()) out << fmt::format("Source: {}\n", s.source);
  std::vector<std::string> failed;
  for (const ConfigRun& c : r.configs) {
    out << fmt::format("Config {}: {} script states{}\n", c.config, c.script_states,
                       c.explored ? fmt::format(", explored {} states, {} transitions, depth {}", c.explored_states,
                                                c.explored_transitions, c.explored_depth)
                                  : "");
    for (const auto& o : c.observations) {
      out << fmt::format("  Observation {} {} {} {}  expected {}  {}\n", o.name, quant_title(o.actual()), o.pos, o.neg,
                         quant_title(o.expected), o.ok() ? "ok" : "FAIL");
      if (!o.ok() && o.failure) {
        const ObservationFailure& f = *o.failure;
        out << fmt::format("    {} state:\n", o.expected == Quant::Never ? "a matching" : "a contradicting");
        for (const auto& line : f.witness) out << "      " << line << "\n";
        out << fmt::format("    the path from the start to it ({} step{}):\n", f.path.steps.size(),
                           f.path.steps.size() == 1 ? "" : "s");
        out << "      0. initial state\n";
        for (const auto& line : mm::describe_state(f.path.initial, f.names)) out << "           " << line << "\n";
        for (size_t i = 0; i < f.path.steps.size(); i++) {
          const engine::TraceStep& st = f.path.steps[i];
          out << fmt::format("      {}. {}\n", i + 1, engine::step_title(st));
          for (const auto& line : engine::step_detail_lines(st, style)) out << "           " << line << "\n";
        }
      }
      if (!o.ok())
        failed.push_back(fmt::format("{}:{}:{}: expectation {} failed under {}: expected {}, got {} ({} states match, {} do not)",
                                     s.file, o.loc.line, o.loc.col, o.name, c.config, quant_title(o.expected),
                                     quant_title(o.actual()), o.pos, o.neg));
    }
    for (const auto& k : c.checks) {
      out << fmt::format("  Check {} {}  expected {}  {}\n", k.invariant, k.verdict, k.expect_holds ? "holds" : "violated",
                         k.ok() ? "ok" : "FAIL");
      for (const auto& b : k.bounds_hit) out << fmt::format("    bound hit: {}\n", b);
      if (k.verdict == "violated") {
        out << fmt::format("    shortest trace ({} step{}):\n", k.trace_length, k.trace_length == 1 ? "" : "s");
        if (k.steps) {
          for (size_t i = 0; i < k.steps->steps.size(); i++) {
            const engine::TraceStep& st = k.steps->steps[i];
            out << fmt::format("      {}. {}\n", i + 1, engine::step_title(st));
            for (const auto& line : engine::step_detail_lines(st, style)) out << "           " << line << "\n";
          }
        } else {
          for (const auto& line : k.trace) out << "      " << line << "\n";
        }
        if (!k.explanation.empty()) out << fmt::format("    violated because: {}\n", k.explanation);
      }
      if (!k.ok())
        failed.push_back(fmt::format("{}:{}:{}: check {} under {}: expected {}, got {}", s.file, k.loc.line, k.loc.col,
                                     k.invariant, c.config, k.expect_holds ? "holds" : "violated", k.verdict));
    }
    for (const auto& k : c.conditions) print_condition(out, s, c, k, failed);
  }
  for (const auto& k : r.skipped) {
    std::string ran;
    for (const ConfigRun& c : r.configs) ran += (ran.empty() ? "" : ", ") + c.config;
    out << fmt::format("Skipped: {}:{}:{}: {} is written for {}, which this run does not use (configs run: {})\n", s.file,
                       k.loc.line, k.loc.col, k.what, k.under, ran);
  }
  for (const auto& f : failed) out << "Failed: " << f << "\n";
  // The memory bound stopped the run: what it reached is above.
  if (!r.stopped.empty()) out << "Stopped: " << r.stopped << "\n";
  // INCOMPLETE when a bound is all that went short (as the exit status 3 says).
  bool wrong = false;
  for (const ConfigRun& c : r.configs) {
    for (const auto& o : c.observations) wrong |= !o.ok();
    for (const auto& k : c.checks) wrong |= !k.ok() && k.verdict != "incomplete";
    for (const auto& k : c.conditions) wrong |= !k.ok() && k.verdict() != "incomplete";
  }
  out << fmt::format("Result: {}\n", r.ok() ? "PASS" : wrong ? "FAIL" : "INCOMPLETE");
}

nlohmann::json run_to_json(const Scenario& s, const ScenarioRun& r) {
  nlohmann::json j;
  j["title"] = s.title;
  j["file"] = s.file;
  j["pass"] = r.ok();
  j["states"] = r.states();
  nlohmann::json cfgs = nlohmann::json::array();
  for (const ConfigRun& c : r.configs) {
    nlohmann::json jc;
    jc["config"] = c.config;
    jc["script_states"] = c.script_states;
    if (c.explored) {
      jc["explored_states"] = c.explored_states;
      jc["explored_transitions"] = c.explored_transitions;
      jc["explored_depth"] = c.explored_depth;
    }
    nlohmann::json obs = nlohmann::json::array();
    for (const auto& o : c.observations) {
      nlohmann::json jo = {{"name", o.name},
                           {"observation", o.text},
                           {"line", o.loc.line},
                           {"expected", quant_title(o.expected)},
                           {"actual", quant_title(o.actual())},
                           {"pos", o.pos},
                           {"neg", o.neg},
                           {"ok", o.ok()}};
      if (!o.ok() && o.failure) {
        jo["state"] = o.failure->witness;
        jo["path"] = engine::trace_json(o.failure->path, o.failure->names);
      }
      obs.push_back(jo);
    }
    jc["observations"] = obs;
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& k : c.checks) {
      nlohmann::json jk = {{"invariant", k.invariant},
                           {"expected", k.expect_holds ? "holds" : "violated"},
                           {"verdict", k.verdict},
                           {"trace_length", k.trace_length},
                           {"trace", k.trace},
                           {"explanation", k.explanation},
                           {"bounds_hit", k.bounds_hit},
                           {"ok", k.ok()}};
      if (k.steps) jk["steps"] = engine::trace_json(*k.steps, k.names)["steps"];
      checks.push_back(jk);
    }
    jc["checks"] = checks;
    if (!c.conditions.empty()) {
      nlohmann::json conds = nlohmann::json::array();
      for (const auto& k : c.conditions)
        conds.push_back({{"name", k.name},
                         {"condition", k.text},
                         {"line", k.loc.line},
                         {"actual", quant_title(k.actual())},
                         {"pos", k.pos},
                         {"neg", k.neg},
                         {"verdict", k.verdict()},
                         {"bounds_hit", k.bounds_hit},
                         {"witness", k.witness_lines},
                         {"ok", k.ok()}});
      jc["conditions"] = conds;
    }
    cfgs.push_back(jc);
  }
  j["configs"] = cfgs;
  if (!r.stopped.empty()) j["incomplete"] = r.stopped;  // the memory bound stopped it there
  if (!r.skipped.empty()) {
    nlohmann::json sk = nlohmann::json::array();
    for (const auto& k : r.skipped) sk.push_back({{"what", k.what}, {"under", k.under}, {"line", k.loc.line}});
    j["skipped"] = sk;
  }
  return j;
}

namespace {

// (scenario, config, what) -> result text, for every result in a file.
std::map<std::string, std::string> flatten(const nlohmann::json& results) {
  std::map<std::string, std::string> m;
  if (!results.contains("scenarios")) return m;
  for (const auto& sc : results["scenarios"]) {
    const std::string name = sc.value("name", "?");
    if (sc.contains("error")) m[fmt::format("{}: error", name)] = sc["error"].get<std::string>();
    if (!sc.contains("configs")) continue;
    for (const auto& c : sc["configs"]) {
      const std::string cfg = c.value("config", "?");
      for (const auto& o : c["observations"])
        m[fmt::format("{} [{}] observation {}", name, cfg, o.value("name", "?"))] =
            fmt::format("{} {} {}", o.value("actual", "?"), o.value("pos", 0), o.value("neg", 0));
      for (const auto& k : c["checks"])
        m[fmt::format("{} [{}] check {}", name, cfg, k.value("invariant", "?"))] = k.value("verdict", "?");
    }
  }
  return m;
}

}  // namespace

std::vector<std::string> compare_results(const nlohmann::json& baseline, const nlohmann::json& now) {
  auto a = flatten(baseline), b = flatten(now);
  std::vector<std::string> out;
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      out.push_back(fmt::format("Result changed: {}: {} -> (absent)", ia->first, ia->second));
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      out.push_back(fmt::format("Result changed: {}: (absent) -> {}", ib->first, ib->second));
      ++ib;
    } else {
      if (ia->second != ib->second)
        out.push_back(fmt::format("Result changed: {}: {} -> {}", ia->first, ia->second, ib->second));
      ++ia;
      ++ib;
    }
  }
  return out;
}

}  // namespace mmc::scenario

namespace mmc::scenario {

std::string ResultChange::line() const {
  return fmt::format("{}{} {}: {} -> {}", scenario, config.empty() ? "" : " [" + config + "]", what, before, after);
}

namespace {

// One result of a file, keyed for the comparison.
struct Entry {
  std::string verdict;  // compared for verdict changes
  std::string counts;   // compared for count-only changes ("" = none)
  std::vector<std::string> trace;
  bool violated_check = false;
};

using EntryKey = std::tuple<std::string, std::string, std::string>;  // scenario, config, what

std::map<EntryKey, Entry> entries(const nlohmann::json& results) {
  std::map<EntryKey, Entry> m;
  if (!results.is_object() || !results.contains("scenarios")) return m;
  for (const auto& sc : results["scenarios"]) {
    const std::string name = sc.value("name", "?");
    m[{name, "", "scenario"}] = Entry{sc.value("pass", false) ? "PASS" : "FAIL", "", {}, false};
    if (sc.contains("error")) m[{name, "", "error"}] = Entry{sc["error"].get<std::string>(), "", {}, false};
    if (!sc.contains("configs")) continue;
    for (const auto& c : sc["configs"]) {
      const std::string cfg = c.value("config", "?");
      const uint64_t script_states = c.value("script_states", uint64_t{0});
      m[{name, cfg, "script states"}] = Entry{"", std::to_string(script_states), {}, false};
      if (c.contains("explored_states"))
        m[{name, cfg, "explored states"}] =
            Entry{"", fmt::format("{} states, {} transitions, depth {}", c.value("explored_states", uint64_t{0}),
                                  c.value("explored_transitions", uint64_t{0}), c.value("explored_depth", 0)),
                  {}, false};
      for (const auto& o : c["observations"]) {
        Entry e;
        e.verdict = fmt::format("{}{}", o.value("actual", "?"),
                                o.value("ok", true) ? "" : fmt::format(" (expected {}: FAILS)", o.value("expected", "?")));
        e.counts = fmt::format("{} {} {}", o.value("actual", "?"), o.value("pos", 0), o.value("neg", 0));
        if (!o.value("ok", true) && o.contains("path") && o["path"].contains("steps")) {
          int n = 0;
          for (const auto& st : o["path"]["steps"]) {
            e.trace.push_back(fmt::format("{}. {}", ++n, st.value("event", "?")));
            for (const auto& d : st["decisions"])
              e.trace.push_back(fmt::format("     decided {} ({}): {} => {}", d.value("function", ""), d.value("file", ""),
                                            d.value("condition", ""), d.value("value", "")));
            for (const auto& ch : st["changes"]) e.trace.push_back("     " + ch.get<std::string>());
          }
        }
        m[{name, cfg, fmt::format("observation {}", o.value("name", "?"))}] = std::move(e);
      }
      for (const auto& k : c["checks"]) {
        Entry e;
        e.verdict = k.value("verdict", "?");
        e.violated_check = e.verdict == "violated";
        if (k.contains("trace")) e.trace = k["trace"].get<std::vector<std::string>>();
        m[{name, cfg, fmt::format("check {}", k.value("invariant", "?"))}] = std::move(e);
      }
    }
  }
  return m;
}

}  // namespace

std::vector<ResultChange> diff_results(const nlohmann::json& baseline, const nlohmann::json& now) {
  const auto a = entries(baseline), b = entries(now);
  std::vector<ResultChange> verdicts, counts;
  auto ia = a.begin();
  auto ib = b.begin();
  auto add = [&](const EntryKey& k, const Entry* x, const Entry* y) {
    ResultChange c;
    std::tie(c.scenario, c.config, c.what) = k;
    const std::string vx = x ? x->verdict : "(absent)", vy = y ? y->verdict : "(absent)";
    const bool counts_only = x && y && x->verdict == y->verdict;
    if (!counts_only) {
      if (vx.empty() && vy.empty()) {  // a count entry appearing or going
        c.before = x ? x->counts : "(absent)";
        c.after = y ? y->counts : "(absent)";
        counts.push_back(c);
        return;
      }
      c.before = vx.empty() ? "(absent)" : vx;
      c.after = vy.empty() ? "(absent)" : vy;
      c.verdict = true;
      c.newly_violated = y && y->violated_check && !(x && x->violated_check);
      // The shortest trace of a newly violated check; a newly failed
      // expectation's path is in the JSON and in `mmcheck run FILE`.
      if (c.newly_violated) c.trace = y->trace;
      verdicts.push_back(c);
      return;
    }
    if (x->counts == y->counts) return;
    c.before = x->counts;
    c.after = y->counts;
    counts.push_back(c);
  };
  while (ia != a.end() || ib != b.end()) {
    if (ib == b.end() || (ia != a.end() && ia->first < ib->first)) {
      add(ia->first, &ia->second, nullptr);
      ++ia;
    } else if (ia == a.end() || ib->first < ia->first) {
      add(ib->first, nullptr, &ib->second);
      ++ib;
    } else {
      add(ia->first, &ia->second, &ib->second);
      ++ia;
      ++ib;
    }
  }
  verdicts.insert(verdicts.end(), counts.begin(), counts.end());
  return verdicts;
}

void print_comparison(std::ostream& out, const std::vector<ResultChange>& changes) {
  size_t nv = 0;
  for (const auto& c : changes) nv += c.verdict ? 1 : 0;
  const size_t nc = changes.size() - nv;
  out << fmt::format("Verdict changes against the baseline: {}\n", nv);
  for (const auto& c : changes) {
    if (!c.verdict) continue;
    out << "Result changed: " << c.line() << "\n";
    if (!c.trace.empty()) {
      out << "  shortest trace:\n";
      for (const auto& l : c.trace) out << "    " << l << "\n";
    }
  }
  out << fmt::format("Count-only changes (same verdicts, other numbers): {}\n", nc);
  for (const auto& c : changes)
    if (!c.verdict) out << "Count changed: " << c.line() << "\n";
}

nlohmann::json comparison_json(const std::vector<ResultChange>& changes) {
  nlohmann::json v = nlohmann::json::array(), n = nlohmann::json::array();
  for (const auto& c : changes) {
    nlohmann::json j = {{"scenario", c.scenario}, {"config", c.config}, {"what", c.what},
                        {"before", c.before},     {"after", c.after}};
    if (c.verdict) {
      j["newly_violated"] = c.newly_violated;
      if (!c.trace.empty()) j["trace"] = c.trace;
      v.push_back(j);
    } else {
      n.push_back(j);
    }
  }
  return {{"verdict_changes", v}, {"count_changes", n}};
}

}  // namespace mmc::scenario
