// Bounded cross-checks for the PM_SWAP seed thread: for each scenario (one
// MAP_SHARED shmem page, one process to start, one swap device), the Z3 BMC
// over the shmem counter abstraction and an explicit BFS over mm::apply
// must report the same shortest pm_swap_accuracy violation (or both none up
// to the same depth).  One event is one step on both sides.  The BMC trace
// is replayed with mm::apply and must violate the invariant there too.
#include <fmt/format.h>

#include "model/invariants.h"
#include "proofs/bmc_unroll.h"
#include "proofs/shmem_invariants.h"
#include "proofs/shmem_proofs.h"
#include "proofs/z3util.h"

namespace mmproofs::shmem {

namespace {

using K = mm::EventKind;

SState<Z3Domain> symbolic_state(z3::context& c, const std::string& tag) {
  auto b = [&](const char* n) { return c.bool_const(fmt::format("{}_{}", n, tag).c_str()); };
  auto i = [&](const char* n) { return c.int_const(fmt::format("{}_{}", n, tag).c_str()); };
  return {b("pcF"), b("pcS"), b("sc"), b("wb"), b("dirty"), b("large"), b("e1"),
          i("p"),   i("n"),   i("m"),  i("h"),  i("u"),     i("used"), i("pins")};
}

SState<Z3Domain> lift(const Z3Domain& d, const SState<ConcreteDomain>& a) {
  return {d.lit(a.pcF), d.lit(a.pcS), d.lit(a.sc), d.lit(a.wb), d.lit(a.dirty), d.lit(a.large), d.lit(a.e1),
          d.num(a.p),   d.num(a.n),   d.num(a.m),  d.num(a.h), d.num(a.u),     d.num(a.used), d.num(a.pins)};
}

SState<ConcreteDomain> lower(const z3::model& m, const SState<Z3Domain>& s) {
  auto b = [&](const z3::expr& e) { return model_bool(m, e); };
  auto i = [&](const z3::expr& e) { return static_cast<int>(model_i64(m, e)); };
  return {b(s.pcF), b(s.pcS), b(s.sc), b(s.wb), b(s.dirty), b(s.large), b(s.e1),
          i(s.p),   i(s.n),   i(s.m),  i(s.h),  i(s.u),     i(s.used), i(s.pins)};
}

z3::expr equal(const SState<Z3Domain>& a, const SState<Z3Domain>& b) {
  return a.pcF == b.pcF && a.pcS == b.pcS && a.sc == b.sc && a.wb == b.wb && a.dirty == b.dirty &&
         a.large == b.large && a.e1 == b.e1 && a.p == b.p && a.n == b.n && a.m == b.m && a.h == b.h && a.u == b.u &&
         a.used == b.used && a.pins == b.pins;
}

}  // namespace

std::vector<SEvent> abstract_alphabet(const std::vector<mm::EventKind>& alphabet) {
  std::vector<SEvent> out;
  for (int i = 0; i < SEVENT_COUNT; i++)
    for (mm::EventKind k : alphabet)
      if (mm::event_kind_name(k) == sevent_info()[i].model_kind) {
        out.push_back(static_cast<SEvent>(i));
        break;
      }
  return out;
}

BmcResult bmc(const SParams<ConcreteDomain>& cp, const SState<ConcreteDomain>& init,
              const std::vector<SEvent>& alphabet, unsigned facets, int max_depth, int max_procs,
              const ProofOptions& opt) {
  return bmc_to(cp, init, alphabet,
                [facets](const SState<Z3Domain>& x, const SParams<Z3Domain>& p) {
                  z3::expr bad = x.pcF.ctx().bool_val(false);
                  for (const auto& f : pm_swap_facets<Z3Domain>(x, p, facets)) bad = bad || !f.holds;
                  return bad;
                },
                max_depth, max_procs, opt);
}

BmcResult bmc_to(const SParams<ConcreteDomain>& cp, const SState<ConcreteDomain>& init,
                 const std::vector<SEvent>& alphabet, const BmcTarget& target, int max_depth, int max_procs,
                 const ProofOptions& opt) {
  z3::context c;
  Z3Domain d{&c};
  SParams<Z3Domain> p{d.lit(cp.PAGEOUT), d.lit(cp.XARRAY), d.lit(cp.ZEROMAP),
                      d.lit(cp.SYNC),    d.lit(cp.HUGE),   d.lit(cp.MEMFD)};
  Relation<Z3Domain> rel(d, p);
  SChoice<Z3Domain> none{d.lit(false), d.lit(false)};
  z3::solver s = make_solver(c, opt);
  const Unrolling<SState<Z3Domain>> u = unroll(
      c, s, lift(d, init), alphabet, max_depth, max_procs,
      [&](const std::string& tag) { return symbolic_state(c, tag); },
      [&](const SState<Z3Domain>& from, SEvent a, const SState<Z3Domain>& to) {
        SStep<Z3Domain> stp = rel.apply(from, a, none);
        return stp.enabled && equal(to, stp.post);
      },
      [&](const SState<Z3Domain>& x) { return target(x, p); });
  BmcResult r;
  r.length = u.length;
  r.unknown = u.unknown;
  if (u.length >= 0) {
    r.last = lower(*u.model, u.states[u.length]);
    r.events = unrolled_events<SEvent>(u);
  }
  return r;
}

Replay replay(const Scenario& sc, const std::vector<SEvent>& events) {
  Replay r;
  const mm::Config cfg = scenario_config(sc);
  mm::State s = initial_state(sc, cfg);
  ConcreteDomain cd;
  Relation<ConcreteDomain> rel(cd, concrete_params(cfg, sc.swap_flags, sc.huge, sc.memfd));
  SState<ConcreteDomain> a;
  if (!alpha(s, a, r.why)) return r;
  r.lines.push_back("start: " + describe(a));
  for (size_t i = 0; i < events.size(); i++) {
    const SEvent se = events[i];
    SStep<ConcreteDomain> stp = rel.apply(a, se, SChoice<ConcreteDomain>{false, false});
    mm::Event e;
    if (!stp.enabled || !concretize(s, se, e)) {
      r.why = fmt::format("step {}: abstract event '{}' has no explicit counterpart here", i + 1,
                          sevent_info()[static_cast<int>(se)].name);
      return r;
    }
    const mm::Outcome o = mm::apply(s, e, cfg);
    if (o.status == mm::Status::Disabled || o.status == mm::Status::OutOfCapacity) {
      r.why = fmt::format("step {}: explicit event {} was not applied: {}", i + 1, describe_event(e), o.reason);
      return r;
    }
    a = stp.post;
    SState<ConcreteDomain> x;
    std::string why;
    if (!alpha(s, x, why) || !same(x, a, why)) {
      r.why = fmt::format("step {} ({}): the explicit model and the abstraction disagree: {}", i + 1,
                          describe_event(e), why);
      return r;
    }
    r.lines.push_back(fmt::format("{}. {:<12} [{}] -> {}", i + 1, describe_event(e),
                                  sevent_info()[static_cast<int>(se)].name, describe(a)));
  }
  r.ok = true;
  r.final_state = s;
  return r;
}

namespace {

struct CrossCheck {
  Scenario sc;
  int expect_length;  // -1: no violation expected up to the depth
  std::string meaning;
  // The sequence the scenario is about (the seed thread's own, where it has
  // one), replayed in both models; it must end in a violation (it need not
  // be the shortest).
  std::vector<SEvent> seed;
  std::string seed_label = "the seed thread's own sequence";
};

std::vector<CrossCheck> crosschecks() {
  const std::vector<K> fork_after_pageout = {K::ReadFault, K::WriteFault, K::Fork, K::MadvPageout, K::WritebackEnd,
                                             K::SwapCacheDrop};
  const std::vector<K> zap_then_reclaim = {K::ReadFault, K::WriteFault,   K::Fork,         K::MadvDontneed,
                                           K::Reclaim,   K::WritebackEnd, K::SwapCacheDrop};
  const std::vector<K> thp_split = {K::ReadFault,   K::WriteFault, K::Fork,         K::SplitPmd,    K::MadvDontneed,
                                    K::MadvPageout, K::Reclaim,    K::WritebackEnd, K::SwapCacheDrop};
  using E = SEvent;
  return {
      {{"bmc.pm_swap_accuracy.v6.18.pageout", "v6.18", 0, fork_after_pageout, FALSE_NEGATIVE, 6},
       2,
       "v6.18: MADV_PAGEOUT of a written shmem page leaves a none PTE over a swap entry (PM_SWAP 0): same shortest "
       "false negative on both sides",
       {E::WriteN, E::PageoutP}},
      {{"bmc.pm_swap_accuracy.rfc-pte-marker-pageout.fork", "rfc-pte-marker-pageout", 0, fork_after_pageout,
        FALSE_NEGATIVE, 6},
       3,
       "PTE-marker RFC: fork after pageout gives the child a none PTE (markers are not copied): same shortest false "
       "negative",
       {E::WriteN, E::PageoutP, E::ForkM}},
      {{"bmc.pm_swap_accuracy.rfc-pte-marker-pageout.zap", "rfc-pte-marker-pageout", 0, zap_then_reclaim,
        FALSE_NEGATIVE, 6},
       3,
       "PTE-marker RFC: a PTE zapped before reclaim stays none (try_to_unmap only marks present PTEs): same shortest "
       "false negative",
       {E::WriteN, E::ForkP, E::ReadN, E::ZapP, E::Reclaim}},
      {{"bmc.pm_swap_accuracy.rfc-pte-marker-pageout.thp", "rfc-pte-marker-pageout", 0, thp_split, FALSE_NEGATIVE, 6,
        true},
       2,
       "PTE-marker RFC, VM_HUGEPAGE shmem: reclaim splits the PMD (zaps it) before try_to_unmap, so no marker is left: "
       "same shortest false negative",
       {E::WriteN, E::ForkH, E::ReadN, E::SplitH, E::Reclaim}},
      {{"bmc.pm_swap_accuracy.rfc-pte-marker-pageout.false_positive", "rfc-pte-marker-pageout", 0,
        fork_after_pageout, FALSE_POSITIVE, 6},
       2,
       "PTE-marker RFC: MADV_PAGEOUT of a clean (never written) page drops it but leaves the marker: PM_SWAP=1 over "
       "a hole; same shortest false positive",
       {E::ReadN, E::PageoutP},
       "read then pageout (not in the seed thread)"},
      {{"bmc.pm_swap_accuracy.rfc-pagemap-xarray.none", "rfc-pagemap-xarray", 0, full_shmem_alphabet(),
        FALSE_NEGATIVE | FALSE_POSITIVE, 8},
       -1,
       "xarray RFC, every shmem event: pm_swap_accuracy holds on both sides up to depth 8",
       {}},
  };
}

std::string trace_line(const std::vector<mm::Event>& t) {
  std::string s;
  for (const mm::Event& e : t) s += (s.empty() ? "" : "; ") + describe_event(e);
  return s.empty() ? "(initial state)" : s;
}

ObligationResult run_crosscheck(const CrossCheck& cc, const ProofOptions& opt) {
  ObligationResult r;
  const Scenario& sc = cc.sc;
  const mm::Config cfg = scenario_config(sc);
  const BfsResult bfs = explicit_bfs(sc);
  const SParams<ConcreteDomain> cp = concrete_params(cfg, sc.swap_flags, sc.huge, sc.memfd);
  ConcreteDomain cd;
  Relation<ConcreteDomain> rel(cd, cp);
  const BmcResult b = bmc(cp, rel.empty(1), abstract_alphabet(sc.alphabet), sc.facets, sc.depth, mm::MAX_PROCS, opt);
  if (b.unknown) return {Verdict::Unknown, {"Z3 gave up on the BMC query (raise --timeout)"}};
  r.detail.push_back(fmt::format(
      "explicit BFS over mm::apply: {}{}",
      bfs.violation_depth < 0 ? fmt::format("none up to depth {} ({} states)", sc.depth, bfs.states)
                              : fmt::format("{} events ({} states): {}", bfs.violation_depth, bfs.states,
                                            trace_line(bfs.trace)),
      bfs.fork_bound ? " [fork stops at MAX_PROCS processes, as in the BMC]" : ""));
  if (bfs.incomplete) {
    r.verdict = Verdict::Unknown;
    r.detail.push_back("the explicit BFS hit a capacity bound (folios or swap slots): not exhaustive");
    return r;
  }
  std::string says = b.length < 0 ? fmt::format("none up to depth {}", sc.depth) : fmt::format("{} steps:", b.length);
  for (SEvent e : b.events) says += fmt::format(" {};", sevent_info()[static_cast<int>(e)].name);
  r.detail.push_back("Z3 BMC over the shmem counter abstraction: " + says);
  if (bfs.violation_depth != b.length) {
    r.verdict = Verdict::Refuted;
    r.detail.push_back(fmt::format("DISAGREE: BFS says {}, BMC says {}", bfs.violation_depth, b.length));
    return r;
  }
  if (b.length >= 0) {
    Replay rp = replay(sc, b.events);
    if (!rp.ok) {
      r.verdict = Verdict::Refuted;
      r.detail.push_back("the BMC trace does not replay in the explicit model: " + rp.why);
      return r;
    }
    const mm::Invariant* mi = mm::find_invariant("pm_swap_accuracy");
    if (!(mi->check(rp.final_state, cfg) & sc.facets)) {
      r.verdict = Verdict::Refuted;
      r.detail.push_back("the replayed BMC trace does not violate pm_swap_accuracy in the explicit model");
      return r;
    }
    for (const std::string& l : rp.lines) r.detail.push_back("  " + l);
    r.detail.push_back("BMC trace replayed with mm::apply, alpha() equal at every step; explicit check: " +
                       mi->explain(rp.final_state, cfg));
  }
  if (!cc.seed.empty()) {
    Replay rp = replay(sc, cc.seed);
    const mm::Invariant* mi = mm::find_invariant("pm_swap_accuracy");
    if (!rp.ok || !(mi->check(rp.final_state, cfg) & sc.facets)) {
      r.verdict = Verdict::Refuted;
      r.detail.push_back(cc.seed_label + " " +
                         (rp.ok ? std::string("replays but does not violate pm_swap_accuracy") : "does not replay: " + rp.why));
      return r;
    }
    r.detail.push_back(fmt::format("{} ({} events) replays in both models and ends in: {}", cc.seed_label,
                                   cc.seed.size(), mi->explain(rp.final_state, cfg)));
    for (size_t i = 1; i < rp.lines.size(); i++) r.detail.push_back("  " + rp.lines[i]);
  }
  if (b.length != cc.expect_length) {
    r.verdict = Verdict::Refuted;
    r.detail.push_back(fmt::format("both agree on {}, but the scenario's documented case is {}", b.length,
                                   cc.expect_length));
    return r;
  }
  r.verdict = Verdict::Proved;
  return r;
}

}  // namespace

std::vector<Obligation> bmc_obligations() {
  std::vector<Obligation> out;
  for (const CrossCheck& cc : crosschecks())
    out.push_back({cc.sc.name, cc.meaning, Expect::Proved,
                   [cc](const ProofOptions& opt) { return run_crosscheck(cc, opt); }});
  return out;
}

}  // namespace mmproofs::shmem
