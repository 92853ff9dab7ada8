// The shmem abstraction simulates the explicit model: for every explicit
// transition s --e--> s' reachable within a bound (mm::apply on the
// one-page MAP_SHARED scenario: faults, fork, MADV_DONTNEED, munmap, exit,
// MADV_PAGEOUT, MADV_REMOVE, split, reclaim, writeback, swap-cache drop),
// the abstract relation has a step, under some choice, from alpha(s) to
// alpha(s'); an event that does not concern the index leaves alpha alone.
// The model is still being edited: this check is what catches drift.
#include <fmt/format.h>

#include <deque>
#include <unordered_set>

#include "model/mm.h"
#include "proofs/shmem_invariants.h"
#include "proofs/shmem_proofs.h"
#include "proofs/explicit_common.h"

namespace mmproofs::shmem {

namespace {

using K = mm::EventKind;

// The abstract events explicit event e may stand for; `identity` when it
// may leave the index alone.
std::vector<SEvent> candidates(const mm::State& s, const mm::Event& e, bool& identity) {
  identity = false;
  if (mm::is_kernel_event(e.kind)) {
    if (e.arg != tracked_folio(s) || tracked_folio(s) < 0) {
      identity = true;  // another folio: maybe the next index's, which may leave the page cache
      return {SEvent::NextIndexEmptied};
    }
    if (e.kind == K::Reclaim) return {SEvent::Reclaim};
    if (e.kind == K::WritebackEnd) return {SEvent::Writeback};
    return {SEvent::SwapcacheDrop};
  }
  const Local x = local_of(s, e.proc);
  auto by = [&](SEvent n, SEvent p, SEvent m, SEvent u, SEvent h) -> std::vector<SEvent> {
    switch (x) {
      case Local::N: return {n};
      case Local::P: return {p};
      case Local::M: return {m};
      case Local::U: return {u};
      case Local::H: return {h};
    }
    return {};
  };
  auto id = [&]() {
    identity = true;
    return std::vector<SEvent>{};
  };
  switch (e.kind) {
    case K::ReadFault:
      if (x == Local::N) return {SEvent::ReadN};
      if (x == Local::M) return {SEvent::ReadM};
      return id();
    case K::WriteFault:
      if (x == Local::U) return id();
      return by(SEvent::WriteN, SEvent::WriteP, SEvent::WriteM, SEvent::WriteN, SEvent::WriteH);
    case K::Fork: return by(SEvent::ForkN, SEvent::ForkP, SEvent::ForkM, SEvent::ForkU, SEvent::ForkH);
    case K::Exit: return by(SEvent::ExitN, SEvent::ExitP, SEvent::ExitM, SEvent::ExitU, SEvent::ExitH);
    case K::MadvDontneed:
      if (x == Local::P) return {SEvent::ZapP};
      if (x == Local::M) return {SEvent::ZapM};
      if (x == Local::H) return {SEvent::ZapH};
      return id();
    case K::Munmap:
      if (x == Local::U) return id();
      return by(SEvent::MunmapN, SEvent::MunmapP, SEvent::MunmapM, SEvent::MunmapN, SEvent::MunmapH);
    case K::MadvPageout:
      if (x == Local::P) return {SEvent::PageoutP};
      if (x == Local::H) return {SEvent::PageoutH};
      return id();
    case K::MadvRemove:
      if (x == Local::U) return id();
      return by(SEvent::RemoveN, SEvent::RemoveP, SEvent::RemoveM, SEvent::RemoveN, SEvent::RemoveH);
    case K::SplitPmd:
      if (x == Local::H) return {SEvent::SplitH};
      return id();
    case K::PinRO:
      if (x == Local::U) return id();
      return by(SEvent::PinN, SEvent::PinP, SEvent::PinM, SEvent::PinN, SEvent::PinH);
    case K::Unpin: {
      const mm::Process& p = s.proc[e.proc];
      if ((p.pinned & 1u) && tracked_folio(s) >= 0 && p.pin_folio[0] == tracked_folio(s)) return {SEvent::Unpin};
      return id();
    }
    default: return id();
  }
}


}  // namespace

SimulationResult simulate(const std::string& preset, const std::string& abstraction_preset, uint8_t flags,
                          int depth, bool huge, bool memfd, bool pins) {
  Scenario sc{"sim", preset, flags, pins ? shmem_alphabet_with_pins() : full_shmem_alphabet(), 3, depth, huge, memfd};
  const mm::Config cfg = scenario_config(sc);
  const SParams<ConcreteDomain> cp = concrete_params(*mm::config_preset(abstraction_preset), flags, huge, memfd);
  ConcreteDomain cd;
  Relation<ConcreteDomain> rel(cd, cp);
  SimulationResult r;
  std::unordered_set<mm::State, StateHash> seen;
  std::deque<std::pair<mm::State, int>> queue;
  const mm::State init = initial_state(sc, cfg);
  {
    SState<ConcreteDomain> a;
    std::string why;
    if (!alpha(init, a, why) || !initial<ConcreteDomain>(a)) {
      r.failure = "the scenario's initial state is not an initial state of the abstraction: " + why;
      return r;
    }
  }
  seen.insert(init);
  queue.push_back({init, 0});
  while (!queue.empty()) {
    auto [s, d] = queue.front();
    queue.pop_front();
    if (d == depth) continue;
    SState<ConcreteDomain> a;
    std::string why;
    if (!alpha(s, a, why)) {
      r.failure = fmt::format("{}: a reachable state is outside the abstraction: {}", preset, why);
      return r;
    }
    for (const mm::Event& e : candidate_events(s, sc.alphabet)) {
      mm::State s2 = s;
      const mm::Outcome o = mm::apply(s2, e, cfg);
      if (o.status == mm::Status::Disabled || o.status == mm::Status::OutOfCapacity) continue;
      r.transitions++;
      SState<ConcreteDomain> a2;
      if (!alpha(s2, a2, why)) {
        r.failure = fmt::format("{} (device {}): explicit {} from [{}] leads outside the abstraction: {}", preset,
                                flags, describe_event(e), describe(a), why);
        return r;
      }
      bool identity = false;
      const std::vector<SEvent> cands = candidates(s, e, identity);
      bool matched = identity && same(a2, a, why);
      std::string last = identity ? "unchanged? " + why : "";
      for (SEvent se : cands)
        for (int c = 0; c < 4 && !matched; c++) {
          SStep<ConcreteDomain> st = rel.apply(a, se, SChoice<ConcreteDomain>{(c & 1) != 0, (c & 2) != 0});
          matched = st.enabled && same(a2, st.post, why);
          if (c == 0) last = std::string(sevent_info()[static_cast<int>(se)].name) + ": " + (st.enabled ? why : "not enabled");
        }
      if (!matched) {
        r.failure = fmt::format(
            "{} (device {}): explicit {} takes the index from [{}] to [{}], which is no abstract step ({})", preset,
            flags, describe_event(e), describe(a), describe(a2), last);
        return r;
      }
      if (seen.insert(s2).second) queue.push_back({s2, d + 1});
    }
  }
  r.states = static_cast<long>(seen.size());
  return r;
}

namespace {

ObligationResult run_simulation(const std::string& preset, bool deep) {
  ObligationResult r;
  struct Run {
    const char* name;
    uint8_t device;
    bool huge, memfd, pins;
    int depth;
  };
  const int d = deep ? 4 : 0;
  const Run runs[] = {
      {"shared anon, async device", 0, false, false, false, 10 + d},
      {"shared anon, SWP_SYNCHRONOUS_IO device", mm::SWP_SYNCHRONOUS_IO, false, false, false, 10 + d},
      {"shared anon VM_HUGEPAGE (THP), async device", 0, true, false, false, 10 + d},
      {"memfd, SWP_SYNCHRONOUS_IO device", mm::SWP_SYNCHRONOUS_IO, false, true, false, 10 + d},
      {"shared anon, async device, with R/O pins", 0, false, false, true, 7 + d},
      {"shared anon VM_HUGEPAGE (THP), async device, with R/O pins", 0, true, false, true, 7 + d},
  };
  for (const Run& run : runs) {
    const SimulationResult s = simulate(preset, preset, run.device, run.depth, run.huge, run.memfd, run.pins);
    if (!s.failure.empty()) return {Verdict::Refuted, {s.failure}};
    r.detail.push_back(fmt::format("{}: {} explicit transitions from {} states (depth {}), every one an abstract "
                                   "step",
                                   run.name, s.transitions, s.states, run.depth));
  }
  r.verdict = Verdict::Proved;
  return r;
}

}  // namespace

std::vector<Obligation> simulation_obligations() {
  std::vector<Obligation> out;
  for (const char* preset : {"v6.18", "rfc-pte-marker-pageout", "rfc-pagemap-xarray"})
    out.push_back({fmt::format("shmem.simulation.{}", preset),
                   fmt::format("{}: every explicit transition on one MAP_SHARED shmem index (shared anon, memfd, "
                               "THP; faults, fork, zap, munmap, exit, pageout, MADV_REMOVE, split, pins, reclaim, "
                               "writeback) is an abstract step",
                               preset),
                   Expect::Proved,
                   [p = std::string(preset)](const ProofOptions& o) { return run_simulation(p, o.deep); }});
  return out;
}

}  // namespace mmproofs::shmem
