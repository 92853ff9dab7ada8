// Partial-order reduction against the plain search (docs/engine.md,
// "Partial-order reduction"):
//  - the independence the footprints claim holds where it is used: for
//    states reached in a few steps of each workload, every event of an
//    actor outside the chosen persistent set commutes (up to the stored
//    identity) with every event inside it, and neither disables the other;
//  - on every built-in workload and the smallest `check` starts, under
//    configs with and without known violations, the reduced search gives
//    the same verdicts as the unreduced one and a trace of the same
//    (shortest) length for each violation;
//  - every trace replays through mm::apply to the states it prints.
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <string>
#include <unordered_set>
#include <vector>

#include "checker/check/starts.h"
#include "checker/engine/engine.h"
#include "checker/engine/mm_footprint.h"
#include "checker/engine/mm_model.h"
#include "checker/workloads/workloads.h"
#include "model/events.h"

using namespace mmc::engine;

namespace {

std::string verdicts_of(const Result& r) {
  std::string s;
  for (const FacetResult& f : r.verdicts) {
    s += f.invariant + "/" + f.facet + "=" + verdict_name(f.verdict);
    if (f.trace) s += ":" + std::to_string(f.trace->steps.size());
    s += " ";
  }
  return s;
}

// Each step's event, applied to the state before it, gives the state the
// step prints (steps that are no single event are taken as printed).
void check_replays(const Trace& t, const mm::Config& cfg) {
  mm::State s = t.initial;
  for (const TraceStep& step : t.steps) {
    if (step.has_event) {
      mm::State next = s;
      const mm::Outcome o = mm::apply(next, step.event, cfg);
      CHECK(o.status == step.status);
      CHECK(next == step.after);
    }
    s = step.after;
  }
}

void compare(const Workload& w, const std::string& what) {
  Options plain, reduced;
  plain.graph_cap = reduced.graph_cap = 0;
  plain.partial_order = PartialOrder::Off;
  const Result a = explore(w, plain);
  const Result b = explore(w, reduced);
  CAPTURE(what);
  CHECK(a.complete == b.complete);
  CHECK(verdicts_of(a) == verdicts_of(b));
  CHECK(b.stats.states <= a.stats.states);
  MESSAGE(what << ": " << a.stats.states << " -> " << b.stats.states << " states");
  for (const FacetResult& f : b.verdicts)
    if (f.trace) check_replays(*f.trace, w.config);
}

}  // namespace

TEST_CASE("partial order: events outside the persistent set commute with the events inside it") {
  for (const char* name : {"anon-fork-swap", "anon-stable-writes"}) {
    const Workload w = *mmc::workloads::make_workload(name, *mm::config_preset("v6.18"));
    MmModel m(w, true);
    // Breadth-first over the first levels; for each state, the persistent
    // set's events against the others'.
    std::deque<std::pair<MmNode, int>> queue;
    std::unordered_set<std::string> seen;
    for (const MmNode& n : m.initial()) queue.emplace_back(n, 0);
    int checked = 0, reduced = 0;
    while (!queue.empty() && checked < 400) {
      auto [n, depth] = queue.front();
      queue.pop_front();
      if (!seen.insert(std::string(reinterpret_cast<const char*>(&n), sizeof n)).second) continue;
      checked++;
      struct E {
        mm::Event e;
        MmNode succ;
        bool in;
      };
      std::vector<E> evs;
      std::vector<MmNode> flagged;
      std::vector<bool> flags;
      m.expand_persistent(n, [&](const MmNode& s, bool in) {
        flagged.push_back(s);
        flags.push_back(in);
      });
      size_t k = 0;
      m.for_each_concrete_successor(n, [&](const mm::Event& e, mm::Status, const MmNode& s) {
        // (DeadState::Keep: for_each_successor emits every concrete
        // successor, renamed.)
        const MmNode id = m.identity(s);
        REQUIRE(k < flagged.size());
        CHECK(std::memcmp(&id, &flagged[k], sizeof id) == 0);
        evs.push_back(E{e, s, static_cast<bool>(flags[k])});
        k++;
      });
      CHECK(k == flagged.size());
      bool any_out = false;
      for (const E& x : evs) any_out |= !x.in;
      reduced += any_out;
      if (any_out) {
        for (const E& t : evs) {
          if (!t.in) continue;
          for (const E& u : evs) {
            if (u.in) continue;
            // t then u, and u then t, from the concrete state: both
            // enabled, and the same stored identity.
            MmNode tu = t.succ, ut = u.succ;
            const mm::Outcome o1 = mm::apply(tu.s, u.e, w.config);
            const mm::Outcome o2 = mm::apply(ut.s, t.e, w.config);
            CAPTURE(mm::event_kind_name(t.e.kind));
            CAPTURE(int(t.e.proc));
            CAPTURE(mm::event_kind_name(u.e.kind));
            CAPTURE(int(u.e.proc));
            CHECK(o1.status != mm::Status::Disabled);
            CHECK(o2.status != mm::Status::Disabled);
            CHECK(!(tu.s == t.succ.s));  // still a transition after the other
            CHECK(!(ut.s == u.succ.s));
            const MmNode a = m.identity(tu), b = m.identity(ut);
            CHECK(std::memcmp(&a.s, &b.s, sizeof a.s) == 0);
          }
        }
      }
      if (depth < 6)
        for (const E& x : evs) queue.emplace_back(m.identity(x.succ), depth + 1);
    }
    CAPTURE(name);
    CHECK(reduced > 0);  // the test exercises reduced states
  }
}

TEST_CASE("partial order: same verdicts and shortest traces as the plain search on the built-in workloads") {
  for (const char* preset : {"v6.18", "anon-exclusive-v2-inverted", "v5.14"}) {
    for (const auto& info : mmc::workloads::builtin_workloads()) {
      if (info.name == "anon-big" && std::string(preset) != "v6.18") continue;  // a second each
      Workload w = *mmc::workloads::make_workload(info.name, *mm::config_preset(preset));
      compare(w, std::string(info.name) + " under " + preset);
    }
  }
}

TEST_CASE("partial order: same verdicts on the smallest check starts") {
  int n = 0;
  for (const mmc::check::Start& st : mmc::check::standard_starts()) {
    if (!st.smoke) continue;
    for (const char* preset : {"v6.18", "anon-exclusive-v2-inverted"}) {
      const Workload w = mmc::check::start_workload(st, *mm::config_preset(preset));
      compare(w, std::string(st.name) + " under " + preset);
      n++;
    }
  }
  CHECK(n > 0);
}
