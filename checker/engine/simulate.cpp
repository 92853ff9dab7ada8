// Seeded random walks: at each step, one of the enabled transitions (in the
// model's fixed order) chosen by a splitmix64 stream, so the same seed gives
// the same walk on every machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "checker/engine/engine.h"
#include "checker/engine/memory.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/splitmix.h"
#include "model/describe.h"

namespace mmc::engine {

int SimResult::exit_status() const { return violation ? 1 : memory_stop ? EXIT_INCOMPLETE : 0; }

SimResult simulate(const Workload& w, uint64_t seed, int steps, const SimOptions& opt) {
  // Symmetry does not change a walk (events run on concrete states).
  MmModel m(w, false);
  const uint64_t bound_mb = opt.max_memory_mb.value_or(0) ? *opt.max_memory_mb : default_memory_mb();
  MemoryGuard guard(bound_mb, 6);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto last = t0;
  const mm::DisplayNames names{w.proc_names, w.device_names, w.page_names};
  SimResult r;
  r.seed = seed;
  r.proc_names = w.proc_names;
  r.device_names = w.device_names;
  r.page_names = w.page_names;
  uint64_t rng = seed;
  std::vector<MmNode> init = m.initial();
  MmNode cur = init[splitmix64(rng) % init.size()];
  r.walk.initial = cur.s;
  auto check = [&](const MmNode& n) {
    uint64_t bits = m.violations(n);
    if (!bits) return false;
    const Check& c = m.checks()[__builtin_ctzll(bits)];
    FacetResult f;
    f.invariant = std::string(c.inv->name);
    f.facet = std::string(c.inv->facets[c.facet]);
    f.verdict = Verdict::Violated;
    f.explanation = c.inv->explain(n.s, w.config);
    r.violation = f;
    return true;
  };
  if (check(cur)) return r;
  struct Choice {
    mm::Event e;
    mm::Status st;
    MmNode succ;
  };
  std::vector<Choice> choices;
  for (int i = 0; i < steps; i++) {
    if (!guard.within_every(256)) {
      r.memory_stop = true;
      r.bounds_hit.push_back("memory bound hit: raise --max-memory-mb (now " + std::to_string(bound_mb) +
                             "; the walk may use a sixth of it)");
      if (guard.bound_text().find("ulimit") != std::string::npos) r.bounds_hit.back() = guard.bound_text();
      break;
    }
    if (opt.progress && (i & 1023) == 0 && clock::now() - last >= std::chrono::seconds(2)) {
      last = clock::now();
      const double secs = std::chrono::duration<double>(last - t0).count();
      std::fprintf(stderr, "simulate: %d steps, %.0f steps/s\n", i, i / secs);
    }
    choices.clear();
    ExpandInfo info = m.for_each_successor(cur, [&](const mm::Event& e, mm::Status st, const MmNode& s) {
      choices.push_back(Choice{e, st, s});
    });
    if (info.capacity_reason) {
      std::string b = std::string("model bound hit: ") + info.capacity_reason;
      if (r.bounds_hit.empty() || r.bounds_hit.back() != b) r.bounds_hit.push_back(b);
    }
    if (choices.empty()) {
      r.dead_end = true;
      break;
    }
    const Choice& c = choices[splitmix64(rng) % choices.size()];
    TraceStep step;
    step.event = c.e;
    step.status = c.st;
    step.text = mm::describe_event(c.e, cur.s, names);
    step.changes = mm::describe_changes(cur.s, c.succ.s, names);
    step.after = c.succ.s;
    mm::State again = cur.s;  // the decisions, on a copy (the walk itself runs without a log)
    mm::apply(again, c.e, w.config, &step.decisions);
    r.walk.steps.push_back(std::move(step));
    cur = c.succ;
    r.steps_taken = i + 1;
    if (check(cur)) break;
  }
  if (r.violation) r.violation->trace = r.walk;
  return r;
}

}  // namespace mmc::engine
