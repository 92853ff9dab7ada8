// Dead state: what mm::forget_unread drops (Process::parent, ghost bits no
// event and no checked invariant reads) must be dead.  Checked two ways:
//  - on every state reachable in a few steps of a state with every kind of
//    mapping, each event has the same outcome on the state and on its
//    forgotten form, and the forgotten successors agree; each invariant
//    gives the same answer on a state and on its form without the ghost
//    bits it does not declare;
//  - whole explorations with and without forgetting give identical
//    verdicts and shortest-trace lengths on every built-in workload and
//    config small enough, in both symmetry modes.
#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "checker/engine/engine.h"
#include "checker/workloads/workloads.h"
#include "model/canonical.h"
#include "model/events.h"
#include "model/invariants.h"
#include "model/setup.h"

using namespace mmc::engine;

namespace {

struct StateHash {
  size_t operator()(const mm::State& s) const {
    std::string_view v(reinterpret_cast<const char*>(&s), sizeof s);
    return std::hash<std::string_view>{}(v);
  }
};

// Process A: a private anon mapping registered for uffd-wp and a memfd
// shared mapping; one async swap device.
mm::State rich_state(const mm::Config& cfg) {
  mm::State s{};
  REQUIRE(mm::create_process(s) == 0);
  REQUIRE(mm::swapon(s, 0) == 0);
  REQUIRE(mm::do_mmap(s, 0, mm::VmaKind::PrivateAnon, 2, mm::VM_UFFD_WP, -1, 0, cfg) >= 0);
  const int ino = mm::shmem_create(s, 2);
  REQUIRE(ino >= 0);
  REQUIRE(mm::do_mmap(s, 0, mm::VmaKind::MemfdShared, 1, 0, ino, 0, cfg) >= 0);
  return s;
}

std::vector<mm::Event> all_events() {
  std::vector<mm::Event> out;
  for (int k = 0; k < mm::EVENT_KIND_COUNT; k++) {
    const auto kind = static_cast<mm::EventKind>(k);
    switch (mm::event_scope(kind)) {
      case mm::EventScope::ProcPage:
        for (int p = 0; p < mm::MAX_PROCS; p++)
          for (int pg = 0; pg < mm::MAX_PAGES; pg++)
            out.push_back(mm::Event{kind, static_cast<uint8_t>(p), static_cast<uint8_t>(pg), 0});
        break;
      case mm::EventScope::Proc:
        for (int p = 0; p < mm::MAX_PROCS; p++) out.push_back(mm::Event{kind, static_cast<uint8_t>(p), 0, 0});
        break;
      case mm::EventScope::Folio:
        for (int f = 0; f < mm::MAX_FOLIOS; f++) out.push_back(mm::Event{kind, 0, 0, static_cast<uint8_t>(f)});
        break;
    }
  }
  return out;
}

void check_dead_state_is_dead(const char* preset) {
  const mm::Config cfg = *mm::config_preset(preset);
  const std::vector<mm::Event> events = all_events();
  std::unordered_set<mm::State, StateHash> seen;
  std::deque<std::pair<mm::State, int>> queue;
  queue.push_back({rich_state(cfg), 0});
  seen.insert(queue.front().first);
  size_t checked = 0;
  uint8_t ghost_seen = 0;
  bool parent_seen = false;
  while (!queue.empty() && seen.size() < 12000) {
    auto [s, depth] = queue.front();
    queue.pop_front();
    for (const mm::Process& p : s.proc) {
      parent_seen |= p.parent != mm::NONE;
      for (uint8_t g : p.ghost) ghost_seen |= g;
    }
    // Each invariant sees through its declared ghost bits only.
    for (const mm::Invariant& inv : mm::invariants()) {
      mm::State f = s;
      mm::forget_unread(f, inv.ghost_reads | mm::GHOST_READ_BY_EVENTS);
      REQUIRE_MESSAGE(inv.check(s, cfg) == inv.check(f, cfg), inv.name);
    }
    // Events see through GHOST_READ_BY_EVENTS only.
    mm::State fs = s;
    mm::forget_unread(fs, mm::GHOST_READ_BY_EVENTS);
    for (const mm::Event& e : events) {
      mm::State a = s, b = fs;
      const mm::Status sa = mm::apply(a, e, cfg).status, sb = mm::apply(b, e, cfg).status;
      REQUIRE(sa == sb);
      // mm::apply's contract: a Disabled event leaves the state unchanged.
      if (sa == mm::Status::Disabled) REQUIRE(std::memcmp(&a, &s, sizeof a) == 0);
      mm::forget_unread(a, mm::GHOST_READ_BY_EVENTS);
      mm::forget_unread(b, mm::GHOST_READ_BY_EVENTS);
      REQUIRE(std::memcmp(&a, &b, sizeof a) == 0);
      checked++;
      if (depth < 6 && sa != mm::Status::Disabled && sa != mm::Status::OutOfCapacity) {
        mm::State n = s;
        mm::apply(n, e, cfg);
        if (seen.insert(n).second) queue.push_back({n, depth + 1});
      }
    }
  }
  // The walk reached what it is meant to test.
  CHECK(parent_seen);
  CHECK((ghost_seen & mm::GHOST_WP) != 0);
  CHECK((ghost_seen & mm::GHOST_WRITTEN) != 0);
  CHECK((ghost_seen & mm::GHOST_PIN_DETACHED) != 0);
  CHECK(checked > 100000);
}

std::string verdict_line(const Result& r) {
  std::string out;
  for (const FacetResult& f : r.verdicts) {
    out += f.invariant + "/" + f.facet + "=" + verdict_name(f.verdict);
    if (f.trace) out += "@" + std::to_string(f.trace->steps.size());
    out += " ";
  }
  return out;
}

}  // namespace

TEST_CASE("dead state: events and invariants do not read what forget_unread drops") {
  check_dead_state_is_dead("v6.18");
}

TEST_CASE("dead state: forgetting keeps every verdict and shortest trace length on the built-in workloads") {
  for (const char* preset : {"v6.18", "anon-exclusive-v2-inverted"}) {
    for (const char* name : {"anon-fork-swap", "anon-stable-writes", "anon-stable-writes-sync"}) {
      Workload w = *mmc::workloads::make_workload(name, *mm::config_preset(preset));
      w.invariants.clear();  // every invariant: the ghost bits they read are kept
      for (bool sym : {true, false}) {
        if (!sym && std::string(name) != "anon-stable-writes-sync") continue;  // the others take seconds
        Options keep, forget;
        keep.symmetry = forget.symmetry = sym;
        keep.graph_cap = forget.graph_cap = 0;
        keep.dead_state = DeadState::Keep;
        Result a = explore(w, keep), b = explore(w, forget);
        CAPTURE(preset);
        CAPTURE(name);
        CAPTURE(sym);
        REQUIRE(a.complete);
        REQUIRE(b.complete);
        CHECK(verdict_line(a) == verdict_line(b));
        CHECK(b.stats.states <= a.stats.states);
      }
    }
  }
}
