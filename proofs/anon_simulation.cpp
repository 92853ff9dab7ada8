// The abstraction simulates the explicit model: for every explicit
// transition s --e--> s' reachable within a bound (mm::apply, the one-page
// scenarios, pins and clear_refs included), the abstract relation has a
// step, under some choice of its nondeterministic inputs, from alpha(s) to
// alpha(s').  Events that do not concern the tracked object must leave
// alpha unchanged.  This is what lets a proof about the abstraction speak
// about the explicit model: every behaviour of the model is one of the
// abstraction's, step for step (checked here exhaustively up to the bound;
// the event functions mirror each other by construction).
#include <fmt/format.h>

#include <deque>
#include <unordered_map>

#include "model/mm.h"
#include "proofs/anon_bmc.h"
#include "proofs/anon_explicit.h"
#include "proofs/anon_invariants.h"
#include "proofs/anon_simulation.h"
#include "proofs/obligation.h"
#include "proofs/explicit_common.h"

namespace mmproofs::anon {

namespace {

using K = mm::EventKind;

// The abstract events an explicit event may stand for; `identity` when it
// may leave the object alone.
std::vector<AEvent> candidates(const mm::State& s, const Tracked& t, const mm::Event& e, bool& identity) {
  identity = false;
  const bool empty = t.folio < 0 && t.slot < 0;
  if (mm::is_kernel_event(e.kind)) {
    if (t.folio < 0 || e.arg != t.folio) {
      identity = true;
      return {};
    }
    if (e.kind == K::Reclaim) return {AEvent::Reclaim};
    if (e.kind == K::WritebackEnd) return {AEvent::Writeback};
    return {AEvent::SwapcacheDrop};
  }
  const Local x = local_of(s, t, e.proc, e.page);
  auto pick = [x](AEvent n, AEvent rw, AEvent ro, AEvent sx, AEvent sw) {
    switch (x) {
      case Local::N: return n;
      case Local::RW: return rw;
      case Local::RO: return ro;
      case Local::SX: return sx;
      case Local::S: return sw;
    }
    return n;
  };
  switch (e.kind) {
    case K::ReadFault:
      if (x == Local::SX) return {AEvent::ReadSX};
      if (x == Local::S) return {AEvent::ReadS};
      identity = true;
      return {};
    case K::WriteFault:
      if (x == Local::N) {
        identity = true;
        return empty ? std::vector<AEvent>{AEvent::WriteN} : std::vector<AEvent>{};
      }
      return {pick(AEvent::WriteN, AEvent::WriteRW, AEvent::WriteRO, AEvent::WriteSX, AEvent::WriteS)};
    case K::Fork: return {pick(AEvent::ForkN, AEvent::ForkRW, AEvent::ForkRO, AEvent::ForkSX, AEvent::ForkS)};
    case K::Exit: return {pick(AEvent::ExitN, AEvent::ExitRW, AEvent::ExitRO, AEvent::ExitSX, AEvent::ExitS)};
    case K::MadvDontneed:
      if (x == Local::N) {
        identity = true;
        return {};
      }
      return {pick(AEvent::ExitN, AEvent::ZapRW, AEvent::ZapRO, AEvent::ZapSX, AEvent::ZapS)};
    case K::MadvPageout:
      if (x == Local::RW) return {AEvent::PageoutRW};
      if (x == Local::RO) return {AEvent::PageoutRO};
      identity = true;
      return {};
    case K::PinRO:
      if (x == Local::N) {
        identity = true;
        return {};
      }
      return {pick(AEvent::ExitN, AEvent::PinRW, AEvent::PinRO, AEvent::PinSX, AEvent::PinS)};
    case K::Unpin: {
      const mm::Process& p = s.proc[e.proc];
      if ((p.pinned & (1u << e.page)) && t.folio >= 0 && p.pin_folio[e.page] == t.folio) return {AEvent::Unpin};
      identity = true;
      return {};
    }
    case K::ClearRefs:
      identity = true;  // a pinned COW page is skipped
      if (x == Local::RW) return {AEvent::WrprotectRW};
      return {};
    default:
      identity = true;
      return {};
  }
}


// Every object in an explicit state: each anonymous folio (with its slot
// when it is in the swap cache), each slot in use without a cached folio,
// and the empty tracker (an object not born yet).
std::vector<Tracked> objects_of(const mm::State& s) {
  std::vector<Tracked> out = {Tracked{}};
  for (int f = 0; f < mm::MAX_FOLIOS; f++) {
    const mm::Folio& fo = s.folio[f];
    if (!fo.test(mm::FOLIO_ALLOCATED) || !fo.test(mm::PG_anon)) continue;
    Tracked t;
    t.folio = f;
    if (fo.test(mm::PG_swapcache)) {
      t.type = fo.swap_type;
      t.slot = fo.swap_slot;
    }
    out.push_back(t);
  }
  for (int ty = 0; ty < mm::MAX_SWAP_DEVICES; ty++)
    for (int sl = 0; sl < mm::MAX_SLOTS; sl++)
      if (s.swap[ty].slot[sl].count > 0 && mm::swap_cache_get_folio(s, ty, sl) < 0)
        out.push_back(Tracked{-1, ty, sl});
  return out;
}

bool same_object(const Tracked& a, const Tracked& b) {
  return a.folio == b.folio && a.type == b.type && a.slot == b.slot;
}

}  // namespace

SimulationResult simulate(const std::string& preset, const std::string& abstraction_preset, uint8_t flags,
                          int depth) {
  Scenario sc{"sim", preset, flags,
              {K::ReadFault, K::WriteFault, K::Fork, K::MadvDontneed, K::Exit, K::MadvPageout, K::PinRO, K::Unpin,
               K::ClearRefs, K::Reclaim, K::WritebackEnd, K::SwapCacheDrop},
              "anon_exclusive", depth};
  const mm::Config cfg = scenario_config(sc);
  const AParams<ConcreteDomain> cp = concrete_params(*mm::config_preset(abstraction_preset), flags);
  ConcreteDomain cd;
  Relation<ConcreteDomain> rel(cd, cp);
  SimulationResult r;
  std::unordered_map<mm::State, int, StateHash> seen;
  std::deque<std::pair<mm::State, int>> queue;
  const mm::State init = initial_state(sc, cfg);
  seen.emplace(init, 0);
  queue.push_back({init, 0});
  // Check one object across one explicit transition.
  auto check_object = [&](const mm::State& s, const mm::State& s2, const mm::Event& e, const Tracked& t,
                          Tracked& t2) -> std::string {
    t2 = t;
    retrack(s, s2, e, t2);
    const AState<ConcreteDomain> a = alpha(s, t), a2 = alpha(s2, t2);
    bool identity = false;
    const std::vector<AEvent> cands = candidates(s, t, e, identity);
    std::string why, last_why;
    if (identity && same_abstract(a2, a, why)) return "";
    if (identity) last_why = "unchanged? " + why;
    for (AEvent ae : cands)
      for (int c = 0; c < 16; c++) {
        AChoice<ConcreteDomain> ch{(c & 1) != 0, (c & 2) != 0, (c & 4) != 0, (c & 8) != 0};
        AStep<ConcreteDomain> st = rel.apply(a, ae, ch);
        if (st.enabled && same_abstract(a2, st.post, why)) return "";
        if (c == 0)
          last_why = std::string(aevent_info()[static_cast<int>(ae)].name) + ": " + (st.enabled ? why : "not enabled");
      }
    return fmt::format("{} (device {}): explicit {} takes the object from [{}] to [{}], which is no abstract step ({})",
                       preset, flags, describe_event(e), describe(a), describe(a2), last_why);
  };
  while (!queue.empty()) {
    auto [s, d] = queue.front();
    queue.pop_front();
    if (d == depth) continue;
    const std::vector<Tracked> objs = objects_of(s);
    for (mm::EventKind k : sc.alphabet) {
      std::vector<mm::Event> evs;
      if (mm::event_scope(k) == mm::EventScope::Folio) {
        for (int f = 0; f < mm::MAX_FOLIOS; f++)
          if (s.folio[f].test(mm::FOLIO_ALLOCATED)) evs.push_back({k, 0, 0, static_cast<uint8_t>(f)});
      } else {
        for (int p = 0; p < mm::MAX_PROCS; p++)
          if (s.proc[p].alive == mm::PROC_ALIVE) evs.push_back({k, static_cast<uint8_t>(p), 0, 0});
      }
      for (const mm::Event& e : evs) {
        mm::State s2 = s;
        const mm::Outcome o = mm::apply(s2, e, cfg);
        if (o.status == mm::Status::Disabled || o.status == mm::Status::OutOfCapacity) continue;
        r.transitions++;
        std::vector<Tracked> images;
        for (const Tracked& t : objs) {
          Tracked t2;
          std::string fail = check_object(s, s2, e, t, t2);
          r.checks++;
          if (!fail.empty()) {
            r.failure = fail;
            return r;
          }
          images.push_back(t2);
        }
        // Every object of the new state is the image of an old one, or newly born.
        for (const Tracked& n : objects_of(s2)) {
          bool image = false;
          for (const Tracked& t2 : images) image |= same_object(n, t2);
          if (image) continue;
          r.births++;
          const AState<ConcreteDomain> a = alpha(s2, n);
          if (!birth<ConcreteDomain>(a, cp)) {
            r.failure = fmt::format("{} (device {}): explicit {} creates an object [{}] that is not a birth state of "
                                    "the induction",
                                    preset, flags, describe_event(e), describe(a));
            return r;
          }
        }
        if (seen.emplace(s2, d + 1).second) queue.push_back({s2, d + 1});
      }
    }
  }
  r.states = static_cast<long>(seen.size());
  return r;
}

namespace {

ObligationResult run_simulation(const std::string& preset, int depth) {
  ObligationResult r;
  const uint8_t devices[] = {mm::SWP_STABLE_WRITES, mm::SWP_STABLE_WRITES | mm::SWP_SYNCHRONOUS_IO,
                             mm::SWP_SYNC_WRITEBACK};
  const char* names[] = {"async SWP_STABLE_WRITES", "SWP_STABLE_WRITES|SWP_SYNCHRONOUS_IO", "sync writeback"};
  for (size_t i = 0; i < std::size(devices); i++) {
    const SimulationResult s = simulate(preset, preset, devices[i], depth);
    if (!s.failure.empty()) return {Verdict::Refuted, {s.failure}};
    r.detail.push_back(fmt::format("{}: {} explicit transitions from {} states (depth {}); {} object steps all "
                                   "matched, {} new objects all birth states",
                                   names[i], s.transitions, s.states, depth, s.checks, s.births));
  }
  r.verdict = Verdict::Proved;
  return r;
}

}  // namespace

std::vector<Obligation> anon_simulation_obligations() {
  std::vector<Obligation> out;
  for (const char* preset : {"v6.18", "anon-exclusive-v2-inverted", "v5.14"})
    out.push_back({fmt::format("anon.simulation.{}", preset),
                   fmt::format("{}: every explicit transition (faults, fork, zap, exit, pageout, pins, clear_refs, "
                               "kernel events) is an abstract step from alpha to alpha",
                               preset),
                   Expect::Proved,
                   [p = std::string(preset)](const ProofOptions& o) { return run_simulation(p, o.deep ? 8 : 6); }});
  return out;
}

}  // namespace mmproofs::anon

namespace mmproofs {
std::vector<Obligation> anon_simulation_obligations() { return anon::anon_simulation_obligations(); }
}  // namespace mmproofs
