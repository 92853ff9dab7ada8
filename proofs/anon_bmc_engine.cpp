#include <fmt/format.h>

#include "model/mm.h"
#include "proofs/anon_bmc.h"
#include "proofs/bmc_unroll.h"
#include "proofs/z3util.h"

namespace mmproofs::anon {

std::vector<AEvent> abstract_alphabet(const std::vector<mm::EventKind>& alphabet) {
  std::vector<AEvent> out;
  for (int i = 0; i < AEVENT_COUNT; i++) {
    const AEvent e = static_cast<AEvent>(i);
    if (e == AEvent::PinRW || e == AEvent::PinRO || e == AEvent::PinSX || e == AEvent::PinS || e == AEvent::Unpin ||
        e == AEvent::WrprotectRW)
      continue;
    for (mm::EventKind k : alphabet)
      if (mm::event_kind_name(k) == aevent_info()[i].model_kind) {
        out.push_back(e);
        break;
      }
  }
  return out;
}

AState<Z3Domain> symbolic_state(z3::context& c, const std::string& tag) {
  auto b = [&](const char* n) { return c.bool_const(fmt::format("{}_{}", n, tag).c_str()); };
  auto i = [&](const char* n) { return c.int_const(fmt::format("{}_{}", n, tag).c_str()); };
  return {b("hasF"), b("hasS"), b("sc"), b("excl"), b("wb"), b("dirty"), b("mod"), b("pinx"), i("rw"),
          i("ro"),   i("sx"),   i("s"),  i("cnt"),  i("pins"), i("other"), i("used")};
}

AState<Z3Domain> lift_state(const Z3Domain& d, const AState<ConcreteDomain>& a) {
  return {d.lit(a.hasF), d.lit(a.hasS), d.lit(a.sc),    d.lit(a.excl),  d.lit(a.wb),
          d.lit(a.dirty), d.lit(a.mod), d.lit(a.pinx),  d.num(a.rw),    d.num(a.ro),    d.num(a.sx),
          d.num(a.s),     d.num(a.cnt), d.num(a.pins), d.num(a.other), d.num(a.used)};
}

z3::expr equal_states(const AState<Z3Domain>& a, const AState<Z3Domain>& b) {
  return a.hasF == b.hasF && a.hasS == b.hasS && a.sc == b.sc && a.excl == b.excl && a.wb == b.wb &&
         a.dirty == b.dirty && a.mod == b.mod && a.pinx == b.pinx && a.rw == b.rw && a.ro == b.ro && a.sx == b.sx && a.s == b.s &&
         a.cnt == b.cnt && a.pins == b.pins && a.other == b.other && a.used == b.used;
}

AState<ConcreteDomain> lower_state(const z3::model& m, const AState<Z3Domain>& s) {
  auto b = [&](const z3::expr& e) { return model_bool(m, e); };
  auto i = [&](const z3::expr& e) { return static_cast<int>(model_i64(m, e)); };
  return {b(s.hasF), b(s.hasS), b(s.sc), b(s.excl), b(s.wb),   b(s.dirty), b(s.mod),  b(s.pinx), i(s.rw),
          i(s.ro),   i(s.sx),   i(s.s),  i(s.cnt),  i(s.pins), i(s.other), i(s.used)};
}

BmcResult bmc(const AParams<ConcreteDomain>& cp, const AState<ConcreteDomain>& init,
              const std::vector<AEvent>& alphabet,
              const std::function<z3::expr(const AState<Z3Domain>&, const AParams<Z3Domain>&)>& target,
              int max_depth, int max_procs, const ProofOptions& opt) {
  z3::context c;
  Z3Domain d{&c};
  AParams<Z3Domain> p{d.lit(cp.AE),     d.lit(cp.SWPX),   d.lit(cp.INV),   d.lit(cp.UNSHARE),
                      d.lit(cp.STABLE), d.lit(cp.SYNCIO), d.lit(cp.SYNCWB)};
  Relation<Z3Domain> rel(d, p);
  AChoice<Z3Domain> none{d.lit(false), d.lit(false), d.lit(false), d.lit(false)};
  z3::solver s = make_solver(c, opt);
  const Unrolling<AState<Z3Domain>> u = unroll(
      c, s, lift_state(d, init), alphabet, max_depth, max_procs,
      [&](const std::string& tag) { return symbolic_state(c, tag); },
      [&](const AState<Z3Domain>& from, AEvent a, const AState<Z3Domain>& to) {
        AStep<Z3Domain> stp = rel.apply(from, a, none);
        return stp.enabled && equal_states(to, stp.post);
      },
      [&](const AState<Z3Domain>& x) { return target(x, p); });
  BmcResult r;
  r.length = u.length;
  r.unknown = u.unknown;
  if (u.length >= 0) {
    for (int i = 0; i <= u.length; i++) r.states.push_back(lower_state(*u.model, u.states[i]));
    r.events = unrolled_events<AEvent>(u);
  }
  return r;
}

Replay replay(const Scenario& sc, const std::vector<AEvent>& events) {
  Replay r;
  const mm::Config cfg = scenario_config(sc);
  mm::State s = initial_state(sc, cfg);
  Tracked t;
  ConcreteDomain cd;
  const AParams<ConcreteDomain> cp = concrete_params(cfg, sc.swap_flags);
  Relation<ConcreteDomain> rel(cd, cp);
  AChoice<ConcreteDomain> none{false, false, false, false};
  AState<ConcreteDomain> a = alpha(s, t);
  r.lines.push_back("start: " + describe(a));
  for (size_t i = 0; i < events.size(); i++) {
    const AEvent ae = events[i];
    AStep<ConcreteDomain> stp = rel.apply(a, ae, none);
    mm::Event e;
    if (!stp.enabled || !concretize(s, t, ae, e)) {
      r.why = fmt::format("step {}: abstract event '{}' has no explicit counterpart here", i + 1,
                          aevent_info()[static_cast<int>(ae)].name);
      return r;
    }
    const mm::State before = s;
    const mm::Outcome o = mm::apply(s, e, cfg);
    if (o.status == mm::Status::Disabled || o.status == mm::Status::OutOfCapacity) {
      r.why = fmt::format("step {}: explicit event {} was not applied: {}", i + 1, describe_event(e), o.reason);
      return r;
    }
    retrack(before, s, e, t);
    a = stp.post;
    const AState<ConcreteDomain> x = alpha(s, t);
    std::string why;
    if (!same_abstract(x, a, why)) {
      r.why = fmt::format("step {} ({}): the explicit model and the abstraction disagree: {}", i + 1,
                          describe_event(e), why);
      return r;
    }
    r.lines.push_back(fmt::format("{}. {:<16} [{}] -> {}", i + 1, describe_event(e),
                                  aevent_info()[static_cast<int>(ae)].name, describe(a)));
  }
  r.ok = true;
  r.final_state = s;
  return r;
}

}  // namespace mmproofs::anon
