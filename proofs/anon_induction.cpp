// Inductive invariants of the counter abstraction, for any number of
// processes: every state in which the hypothesis H holds steps, by any
// event, to a state in which the goal G holds.  Device flags are left free
// (every combination of SWP_STABLE_WRITES, SWP_SYNCHRONOUS_IO and
// synchronous writeback at once); the config knobs come from the preset.
//
// Under anon-exclusive-v2-inverted the stable_writes step fails: the
// counterexample to induction (CTI) is printed in kernel terms, reached from
// an initial state by BMC, and replayed in the explicit model, where
// mm::find_invariant("stable_writes") must fail too.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdlib>

#include "model/invariants.h"
#include "proofs/anon_bmc.h"
#include "proofs/anon_invariants.h"
#include "proofs/z3util.h"

namespace mmproofs::anon {

namespace {

using z3::expr;

enum Part : unsigned { LEMMAS = 1, ANON_EXCLUSIVE = 2, STABLE_WRITES = 4 };

std::vector<Named<Z3Domain>> parts(unsigned which, const AState<Z3Domain>& s, const AParams<Z3Domain>& p) {
  std::vector<Named<Z3Domain>> out;
  auto add = [&](const std::string& prefix, std::vector<Named<Z3Domain>> v) {
    for (auto& n : v) out.push_back({prefix + n.name, n.holds});
  };
  if (which & LEMMAS) add("lemma: ", wellformed_lemmas(s, p));
  if (which & ANON_EXCLUSIVE) add("anon_exclusive/", anon_exclusive_facets(s, p));
  if (which & STABLE_WRITES) add("stable_writes/", stable_writes_facets(s, p));
  return out;
}

expr conj(z3::context& c, const std::vector<Named<Z3Domain>>& v) {
  expr r = c.bool_val(true);
  for (const auto& n : v) r = r && n.holds;
  return r;
}

struct Setup {
  z3::context c;
  Z3Domain d{&c};
  AParams<Z3Domain> p;
  AState<Z3Domain> pre;
  AChoice<Z3Domain> ch;
  explicit Setup(const mm::Config& cfg)
      : p{d.lit(cfg.PG_anon_exclusive), d.lit(cfg.pte_swp_exclusive), d.lit(cfg.swp_stable_writes_check_inverted),
          d.lit(cfg.gup_unshare_on_ro_pin), c.bool_const("SWP_STABLE_WRITES"), c.bool_const("SWP_SYNCHRONOUS_IO"),
          c.bool_const("SWP_SYNC_WRITEBACK")},
        pre(symbolic_state(c, "pre")),
        ch{c.bool_const("wp_pending"), c.bool_const("drop_pin"), c.bool_const("actor_pinned"),
           c.bool_const("zero_filled")} {}
};

expr birth(const Setup& u) { return anon::birth<Z3Domain>(u.pre, u.p); }

std::string params_line(const z3::model& m, const Setup& u) {
  return fmt::format("device: SWP_STABLE_WRITES={} SWP_SYNCHRONOUS_IO={} sync-writeback={}",
                     model_bool(m, u.p.STABLE) ? 1 : 0, model_bool(m, u.p.SYNCIO) ? 1 : 0,
                     model_bool(m, u.p.SYNCWB) ? 1 : 0);
}

std::string choices_line(const z3::model& m, const Setup& u) {
  std::string r;
  if (model_bool(m, u.ch.wp_pending)) r += " uffd-wp/soft-dirty keeps the swap-in read-only;";
  if (model_bool(m, u.ch.drop_pin)) r += " the exiting process held the pin;";
  if (model_bool(m, u.ch.actor_pinned)) r += " the forking mm has MMF_HAS_PINNED;";
  if (model_bool(m, u.ch.zero_filled)) r += " the folio is zero-filled;";
  return r;
}

struct Cti {
  AEvent event;
  AState<ConcreteDomain> pre, post;
  std::vector<std::string> broken;
  bool stable, syncio, syncwb;
  std::vector<std::string> lines;
};

// Search one step that leaves the goal.  `extra` narrows the pre-state
// (used to look for a CTI the explicit model can replay).
z3::check_result find_step_violation(Setup& u, unsigned hyp, unsigned goal, AEvent e, const expr& extra,
                                     const ProofOptions& opt, Cti* cti) {
  Relation<Z3Domain> rel(u.d, u.p);
  AStep<Z3Domain> stp = rel.apply(u.pre, e, u.ch);
  std::vector<Named<Z3Domain>> g = parts(goal, stp.post, u.p);
  z3::solver s = make_solver(u.c, opt);
  s.add(conj(u.c, parts(hyp, u.pre, u.p)) && stp.enabled && extra);
  s.add(!conj(u.c, g));
  const z3::check_result r = s.check();
  if (r == z3::sat && cti) {
    z3::model m = s.get_model();
    cti->event = e;
    cti->pre = lower_state(m, u.pre);
    cti->post = lower_state(m, stp.post);
    cti->stable = model_bool(m, u.p.STABLE);
    cti->syncio = model_bool(m, u.p.SYNCIO);
    cti->syncwb = model_bool(m, u.p.SYNCWB);
    for (const auto& n : g)
      if (!model_bool(m, n.holds)) cti->broken.push_back(n.name);
    cti->lines.push_back("counterexample to induction:");
    cti->lines.push_back("  before: " + describe(cti->pre));
    cti->lines.push_back("  " + params_line(m, u));
    cti->lines.push_back(fmt::format("  event:  {}{}", aevent_info()[static_cast<int>(e)].name, choices_line(m, u)));
    cti->lines.push_back("  after:  " + describe(cti->post));
    std::string b;
    for (const auto& n : cti->broken) b += (b.empty() ? "" : ", ") + n;
    cti->lines.push_back("  broken: " + b);
  }
  return r;
}

ObligationResult prove_inductive(const std::string& preset, unsigned hyp, unsigned goal, const ProofOptions& opt) {
  const mm::Config cfg = *mm::config_preset(preset);
  Setup u(cfg);
  ObligationResult r;
  // Base: every birth state satisfies the hypothesis.
  {
    z3::solver s = make_solver(u.c, opt);
    s.add(birth(u) && !conj(u.c, parts(hyp, u.pre, u.p)));
    const z3::check_result b = s.check();
    if (b != z3::unsat) {
      r.verdict = b == z3::sat ? Verdict::Refuted : Verdict::Unknown;
      r.detail.push_back(b == z3::sat ? "an initial (birth) state breaks the hypothesis"
                                      : "Z3 gave up on the base case (raise --timeout)");
      if (b == z3::sat) r.detail.push_back("  state: " + describe(lower_state(s.get_model(), u.pre)));
      return r;
    }
  }
  r.detail.push_back("base: the empty object and every way a folio is born satisfy it");
  // Not vacuous: every event can happen in some state the hypothesis allows.
  {
    Relation<Z3Domain> rel(u.d, u.p);
    std::vector<std::string> never;
    for (int i = 0; i < AEVENT_COUNT; i++) {
      z3::solver s = make_solver(u.c, opt);
      s.add(conj(u.c, parts(hyp, u.pre, u.p)) && rel.apply(u.pre, static_cast<AEvent>(i), u.ch).enabled);
      const z3::check_result res = s.check();
      if (res == z3::unknown) return {Verdict::Unknown, {"Z3 gave up on the non-vacuity check (raise --timeout)"}};
      if (res != z3::sat) never.push_back(std::string(aevent_info()[i].name));
    }
    if (!never.empty()) {
      r.verdict = Verdict::Unknown;
      r.detail.push_back(fmt::format("vacuous: no state allowed by the hypothesis enables: {}", fmt::join(never, "; ")));
      return r;
    }
    r.detail.push_back(fmt::format("non-vacuous: each of the {} events is enabled in some state the hypothesis allows",
                                   AEVENT_COUNT));
  }
  for (int i = 0; i < AEVENT_COUNT; i++) {
    Cti cti;
    const z3::check_result res = find_step_violation(u, hyp, goal, static_cast<AEvent>(i), u.c.bool_val(true), opt, &cti);
    if (res == z3::unknown) {
      r.verdict = Verdict::Unknown;
      r.detail.push_back(fmt::format("Z3 gave up on event '{}'", aevent_info()[i].name));
      return r;
    }
    if (res == z3::sat) {
      r.verdict = Verdict::Refuted;
      r.detail.insert(r.detail.end(), cti.lines.begin(), cti.lines.end());
      return r;
    }
  }
  r.detail.push_back(fmt::format("step: preserved by all {} abstract events (any number of processes, any device)",
                                 AEVENT_COUNT));
  r.verdict = Verdict::Proved;
  return r;
}

// Under the inverted config: the shortest REACHABLE counterexample to
// induction.  BMC searches, from a fresh process, the shortest path to a
// state where the whole hypothesis (lemmas and invariants) holds and some
// event breaks the goal; the path plus that event is replayed with
// mm::apply, and the explicit invariant must fail at its end.  Device
// combinations are tried in a fixed order, the seed thread's case first
// (async SWP_STABLE_WRITES device).
ObligationResult refute_with_replay(const std::string& preset, const std::string& invariant, unsigned hyp,
                                    unsigned goal, const ProofOptions& opt) {
  const mm::Config cfg = *mm::config_preset(preset);
  const std::vector<AEvent> alphabet = abstract_alphabet(
      {mm::EventKind::ReadFault, mm::EventKind::WriteFault, mm::EventKind::Fork, mm::EventKind::MadvDontneed,
       mm::EventKind::Exit, mm::EventKind::MadvPageout, mm::EventKind::Reclaim, mm::EventKind::WritebackEnd,
       mm::EventKind::SwapCacheDrop});
  const uint8_t devices[] = {mm::SWP_STABLE_WRITES,
                             0,
                             mm::SWP_STABLE_WRITES | mm::SWP_SYNC_WRITEBACK,
                             mm::SWP_STABLE_WRITES | mm::SWP_SYNCHRONOUS_IO,
                             mm::SWP_SYNC_WRITEBACK,
                             mm::SWP_SYNCHRONOUS_IO};
  ConcreteDomain cd;
  for (uint8_t flags : devices) {
    const AParams<ConcreteDomain> cp = concrete_params(cfg, flags);
    Relation<ConcreteDomain> rel(cd, cp);
    auto cti_state = [&](const AState<Z3Domain>& x, const AParams<Z3Domain>& p) {
      Z3Domain d{&x.hasF.ctx()};
      Relation<Z3Domain> zr(d, p);
      AChoice<Z3Domain> none{d.lit(false), d.lit(false), d.lit(false), d.lit(false)};
      z3::expr breaks = d.lit(false);
      for (AEvent e : alphabet) {
        AStep<Z3Domain> st = zr.apply(x, e, none);
        breaks = breaks || (st.enabled && !conj(x.hasF.ctx(), parts(goal, st.post, p)));
      }
      return conj(x.hasF.ctx(), parts(hyp, x, p)) && breaks;
    };
    const BmcResult reach = bmc(cp, rel.empty(1), alphabet, cti_state, 8, mm::MAX_PROCS, opt);
    if (reach.unknown) return {Verdict::Unknown, {"Z3 gave up searching a reachable counterexample to induction"}};
    if (reach.length < 0) continue;
    // Which event breaks the goal from the last state (evaluated concretely).
    const AState<ConcreteDomain> pre = reach.states.back();
    AChoice<ConcreteDomain> none{false, false, false, false};
    for (AEvent e : alphabet) {
      AStep<ConcreteDomain> st = rel.apply(pre, e, none);
      if (!st.enabled) continue;
      std::vector<std::string> broken;
      if (goal & STABLE_WRITES)
        for (auto& f : stable_writes_facets<ConcreteDomain>(st.post, cp))
          if (!f.holds) broken.push_back("stable_writes/" + f.name);
      if (goal & ANON_EXCLUSIVE)
        for (auto& f : anon_exclusive_facets<ConcreteDomain>(st.post, cp))
          if (!f.holds) broken.push_back("anon_exclusive/" + f.name);
      if (broken.empty()) continue;
      ObligationResult r;
      r.detail.push_back("counterexample to induction (every lemma and invariant holds before, the event breaks it):");
      r.detail.push_back("  before: " + describe(pre));
      r.detail.push_back(fmt::format("  device: SWP_STABLE_WRITES={} SWP_SYNCHRONOUS_IO={} sync-writeback={}",
                                     cp.STABLE ? 1 : 0, cp.SYNCIO ? 1 : 0, cp.SYNCWB ? 1 : 0));
      r.detail.push_back(fmt::format("  event:  {}", aevent_info()[static_cast<int>(e)].name));
      r.detail.push_back("  after:  " + describe(st.post));
      r.detail.push_back("  broken: " + fmt::format("{}", fmt::join(broken, ", ")));
      Scenario sc{"cti", preset, flags, {}, invariant, 0};
      std::vector<AEvent> path = reach.events;
      path.push_back(e);
      Replay rp = replay(sc, path);
      r.detail.push_back(fmt::format("reachable in {} events from a fresh process; replayed with mm::apply from a "
                                     "state built by model/setup.h (alpha() equal at every step):",
                                     path.size()));
      for (const std::string& l : rp.lines) r.detail.push_back("  " + l);
      if (!rp.ok) {
        r.verdict = Verdict::Unknown;
        r.detail.push_back("replay failed: " + rp.why);
        return r;
      }
      const mm::Invariant* mi = mm::find_invariant(invariant);
      if (!mi->check(rp.final_state, cfg)) {
        r.verdict = Verdict::Unknown;
        r.detail.push_back("the explicit model does not violate " + invariant + " there: the CTI is not confirmed");
        return r;
      }
      r.verdict = Verdict::Refuted;
      r.detail.push_back("explicit model, mm::find_invariant(\"" + invariant + "\")->check fails: " +
                         mi->explain(rp.final_state, cfg));
      return r;
    }
  }
  // No reachable CTI within the bound: report what the full induction says.
  ObligationResult full = prove_inductive(preset, hyp, goal, opt);
  if (full.verdict == Verdict::Proved) return full;  // reported as an unexpected proof
  full.verdict = Verdict::Unknown;
  full.detail.insert(full.detail.begin(), "no counterexample to induction is reachable within 8 events");
  return full;
}

}  // namespace

std::vector<Obligation> anon_induction_obligations() {
  const unsigned all = LEMMAS | ANON_EXCLUSIVE | STABLE_WRITES;
  return {
      {"anon.lemmas.v6.18",
       "v6.18, one anon page, any number of processes: the strengthening lemmas (swap accounting, swap-cache and "
       "pin facts) are inductive",
       Expect::Proved, [all](const ProofOptions& o) { return prove_inductive("v6.18", all, LEMMAS, o); }},
      {"anon.anon_exclusive.v6.18", "v6.18: anon_exclusive is inductive (with the lemmas), any number of processes",
       Expect::Proved, [all](const ProofOptions& o) { return prove_inductive("v6.18", all, ANON_EXCLUSIVE, o); }},
      {"anon.stable_writes.v6.18",
       "v6.18: stable_writes is inductive: no folio under writeback to a SWP_STABLE_WRITES device is mapped writable",
       Expect::Proved, [all](const ProofOptions& o) { return prove_inductive("v6.18", all, STABLE_WRITES, o); }},
      {"anon.stable_writes.v5.14",
       "v5.14: stable_writes (with anon_exclusive and the lemmas) is inductive: reuse_swap_page never reuses a "
       "folio under writeback to a SWP_STABLE_WRITES device",
       Expect::Proved, [all](const ProofOptions& o) { return prove_inductive("v5.14", all, all, o); }},
      {"anon.anon_exclusive.inverted",
       "anon-exclusive-v2-inverted: anon_exclusive (with the lemmas) is still inductive; the inversion breaks only "
       "stable writes",
       Expect::Proved,
       [](const ProofOptions& o) {
         return prove_inductive("anon-exclusive-v2-inverted", LEMMAS | ANON_EXCLUSIVE, LEMMAS | ANON_EXCLUSIVE, o);
       }},
      {"anon.stable_writes.inverted",
       "anon-exclusive-v2-inverted: stable_writes is NOT inductive; the CTI is reached and replayed in the explicit "
       "model",
       Expect::Refuted,
       [all](const ProofOptions& o) {
         return refute_with_replay("anon-exclusive-v2-inverted", "stable_writes", all, STABLE_WRITES, o);
       }},
  };
}

}  // namespace mmproofs::anon

namespace mmproofs {
std::vector<Obligation> anon_induction_obligations() { return anon::anon_induction_obligations(); }
}  // namespace mmproofs
