// Inductive facts of the shmem counter abstraction, for any number of
// processes: every state in which the hypothesis holds steps, by any event
// and any choice, to a state in which the goal holds; every initial state
// satisfies the hypothesis.  Device flags are left free.
//
// Under rfc-pte-marker-pageout the false-negative facet is not inductive:
// the shortest reachable counterexample to induction is found by BMC and
// replayed with mm::apply, where pm_swap_accuracy must fail too.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>

#include "model/invariants.h"
#include "proofs/shmem_invariants.h"
#include "proofs/shmem_proofs.h"
#include "proofs/z3util.h"

namespace mmproofs::shmem {

namespace {

using z3::expr;

enum Part : unsigned { LEMMAS = 1, NO_FALSE_NEGATIVE = 2, NO_FALSE_POSITIVE = 4 };

template <class D>
std::vector<Named<D>> parts(unsigned which, const SState<D>& s, const SParams<D>& p) {
  std::vector<Named<D>> out;
  if (which & LEMMAS)
    for (auto& n : lemmas<D>(s, p)) out.push_back({"lemma: " + n.name, n.holds});
  const unsigned facets = ((which & NO_FALSE_NEGATIVE) ? FALSE_NEGATIVE : 0) | ((which & NO_FALSE_POSITIVE) ? FALSE_POSITIVE : 0);
  if (facets)
    for (auto& n : pm_swap_facets<D>(s, p, facets)) out.push_back({"pm_swap_accuracy/" + n.name, n.holds});
  return out;
}

template <class D>
typename D::B conj(const D& d, const std::vector<Named<D>>& v) {
  typename D::B r = d.lit(true);
  for (const auto& n : v) r = r && n.holds;
  return r;
}

SState<Z3Domain> symbolic(z3::context& c) {
  auto b = [&](const char* n) { return c.bool_const(n); };
  auto i = [&](const char* n) { return c.int_const(n); };
  return {b("pcF"), b("pcS"), b("sc"), b("wb"), b("dirty"), b("large"), b("e1"),
          i("p"),   i("n"),   i("m"),  i("h"),  i("u"),     i("used"), i("pins")};
}

// Knobs from the preset, or free (every config at once) without one.
SParams<Z3Domain> params(z3::context& c, const Z3Domain& d, const mm::Config* cfg) {
  if (!cfg)
    return {c.bool_const("CONFIG_PTE_MARKER_PAGEOUT"), c.bool_const("pagemap_shmem_xarray_lookup"),
            c.bool_const("swap_zeromap"), c.bool_const("sync_writeback"), c.bool_const("VM_HUGEPAGE"),
            c.bool_const("memfd")};
  return {d.lit(cfg->CONFIG_PTE_MARKER_PAGEOUT), d.lit(cfg->pagemap_shmem_xarray_lookup), d.lit(cfg->swap_zeromap),
          c.bool_const("sync_writeback"), c.bool_const("VM_HUGEPAGE"), c.bool_const("memfd")};
}

SState<ConcreteDomain> lower(const z3::model& m, const SState<Z3Domain>& s) {
  auto b = [&](const z3::expr& e) { return model_bool(m, e); };
  auto i = [&](const z3::expr& e) { return static_cast<int>(model_i64(m, e)); };
  return {b(s.pcF), b(s.pcS), b(s.sc), b(s.wb), b(s.dirty), b(s.large), b(s.e1),
          i(s.p),   i(s.n),   i(s.m),  i(s.h),  i(s.u),     i(s.used), i(s.pins)};
}

ObligationResult prove_inductive(const char* preset, unsigned hyp, unsigned goal, const ProofOptions& opt) {
  z3::context c;
  Z3Domain d{&c};
  std::optional<mm::Config> cfg;
  if (preset) cfg = mm::config_preset(preset);
  const SParams<Z3Domain> p = params(c, d, cfg ? &*cfg : nullptr);
  const SState<Z3Domain> pre = symbolic(c);
  const SChoice<Z3Domain> ch{c.bool_const("zero_filled"), c.bool_const("drop_pin")};
  Relation<Z3Domain> rel(d, p);
  ObligationResult r;
  {
    z3::solver s = make_solver(c, opt);
    s.add(initial<Z3Domain>(pre) && !conj(d, parts(hyp, pre, p)));
    const z3::check_result b = s.check();
    if (b != z3::unsat) {
      r.verdict = b == z3::sat ? Verdict::Refuted : Verdict::Unknown;
      r.detail.push_back(b == z3::sat ? "an initial state breaks the hypothesis: " + describe(lower(s.get_model(), pre))
                                      : "Z3 gave up on the base case (raise --timeout)");
      return r;
    }
  }
  r.detail.push_back("base: the empty index with any number of processes satisfies it");
  std::vector<std::string> never;
  for (int i = 0; i < SEVENT_COUNT; i++) {
    const SEvent e = static_cast<SEvent>(i);
    const SStep<Z3Domain> st = rel.apply(pre, e, ch);
    {
      z3::solver s = make_solver(c, opt);
      s.add(conj(d, parts(hyp, pre, p)) && st.enabled);
      const z3::check_result res = s.check();
      if (res == z3::unknown) return {Verdict::Unknown, {"Z3 gave up on the non-vacuity check (raise --timeout)"}};
      // Marker events cannot happen without CONFIG_PTE_MARKER_PAGEOUT (a lemma).
      const bool marker_event = sevent_info()[i].actor == Local::M;
      if (res == z3::unsat && !(marker_event && cfg && !cfg->CONFIG_PTE_MARKER_PAGEOUT))
        never.push_back(std::string(sevent_info()[i].name));
    }
    z3::solver s = make_solver(c, opt);
    const auto g = parts(goal, st.post, p);
    s.add(conj(d, parts(hyp, pre, p)) && st.enabled && !conj(d, g));
    const z3::check_result res = s.check();
    if (res == z3::unknown) return {Verdict::Unknown, {fmt::format("Z3 gave up on event '{}'", sevent_info()[i].name)}};
    if (res == z3::sat) {
      z3::model m = s.get_model();
      std::vector<std::string> broken;
      for (const auto& n : g)
        if (!model_bool(m, n.holds)) broken.push_back(n.name);
      r.verdict = Verdict::Refuted;
      r.detail.push_back("counterexample to induction:");
      r.detail.push_back("  before: " + describe(lower(m, pre)));
      r.detail.push_back(fmt::format("  event:  {}", sevent_info()[i].name));
      r.detail.push_back("  after:  " + describe(lower(m, st.post)));
      r.detail.push_back(fmt::format("  broken: {}", fmt::join(broken, ", ")));
      return r;
    }
  }
  if (!never.empty())
    return {Verdict::Unknown,
            {fmt::format("vacuous: no state allowed by the hypothesis enables: {}", fmt::join(never, "; "))}};
  r.detail.push_back("non-vacuous: every event is enabled in some state the hypothesis allows (marker events only "
                     "with CONFIG_PTE_MARKER_PAGEOUT)");
  r.detail.push_back(fmt::format("step: preserved by all {} abstract events (any number of processes, any device)",
                                 SEVENT_COUNT));
  r.verdict = Verdict::Proved;
  return r;
}

// rfc-pte-marker-pageout: the false-negative facet is not inductive.  BMC
// finds the shortest path from one process to a state where the lemmas and
// both facets hold and some event breaks "no false negative"; the path and
// that event are replayed with mm::apply.
ObligationResult refute_false_negative(const ProofOptions& opt) {
  const char* preset = "rfc-pte-marker-pageout";
  const mm::Config cfg = *mm::config_preset(preset);
  const std::vector<SEvent> alphabet = abstract_alphabet(full_shmem_alphabet());
  const SParams<ConcreteDomain> cp = concrete_params(cfg, 0);
  ConcreteDomain cd;
  Relation<ConcreteDomain> rel(cd, cp);
  auto cti = [&](const SState<Z3Domain>& x, const SParams<Z3Domain>& p) {
    Z3Domain d{&x.pcF.ctx()};
    Relation<Z3Domain> zr(d, p);
    expr breaks = d.lit(false);
    for (SEvent e : alphabet) {
      SStep<Z3Domain> st = zr.apply(x, e, SChoice<Z3Domain>{d.lit(false), d.lit(false)});
      breaks = breaks || (st.enabled && !conj(d, parts(NO_FALSE_NEGATIVE, st.post, p)));
    }
    return conj(d, parts(LEMMAS | NO_FALSE_NEGATIVE | NO_FALSE_POSITIVE, x, p)) && breaks;
  };
  const BmcResult reach = bmc_to(cp, rel.empty(1), alphabet, cti, 6, mm::MAX_PROCS, opt);
  if (reach.unknown) return {Verdict::Unknown, {"Z3 gave up searching a reachable counterexample to induction"}};
  if (reach.length < 0) return {Verdict::Unknown, {"no counterexample to induction reachable within 6 events"}};
  for (SEvent e : alphabet) {
    SStep<ConcreteDomain> st = rel.apply(reach.last, e, SChoice<ConcreteDomain>{false, false});
    if (!st.enabled || conj(cd, parts(NO_FALSE_NEGATIVE, st.post, cp))) continue;
    ObligationResult r;
    r.detail.push_back("counterexample to induction (lemmas and both facets hold before, the event breaks it):");
    r.detail.push_back("  before: " + describe(reach.last));
    r.detail.push_back(fmt::format("  event:  {}", sevent_info()[static_cast<int>(e)].name));
    r.detail.push_back("  after:  " + describe(st.post));
    std::vector<SEvent> path = reach.events;
    path.push_back(e);
    Scenario sc{"cti", preset, 0, {}, FALSE_NEGATIVE, 0};
    Replay rp = replay(sc, path);
    r.detail.push_back(fmt::format("reachable in {} events from one process; replayed with mm::apply (alpha() equal "
                                   "at every step):",
                                   path.size()));
    for (const std::string& l : rp.lines) r.detail.push_back("  " + l);
    if (!rp.ok) {
      r.verdict = Verdict::Unknown;
      r.detail.push_back("replay failed: " + rp.why);
      return r;
    }
    const mm::Invariant* mi = mm::find_invariant("pm_swap_accuracy");
    if (!(mi->check(rp.final_state, cfg) & FALSE_NEGATIVE)) {
      r.verdict = Verdict::Unknown;
      r.detail.push_back("the explicit model shows no false negative there: the CTI is not confirmed");
      return r;
    }
    r.verdict = Verdict::Refuted;
    r.detail.push_back("explicit model, mm::find_invariant(\"pm_swap_accuracy\")->check fails: " +
                       mi->explain(rp.final_state, cfg));
    return r;
  }
  return {Verdict::Unknown, {"the BMC state breaks nothing when evaluated concretely"}};
}

}  // namespace

std::vector<Obligation> induction_obligations() {
  return {
      {"shmem.lemmas", "one shmem page, any number of processes, every config and device: the page-cache / "
                       "swap-cache / marker lemmas are inductive",
       Expect::Proved, [](const ProofOptions& o) { return prove_inductive(nullptr, LEMMAS, LEMMAS, o); }},
      {"shmem.pm_swap_accuracy.rfc-pagemap-xarray",
       "xarray RFC: pm_swap_accuracy (no false negative, no false positive) is inductive for any number of processes",
       Expect::Proved,
       [](const ProofOptions& o) {
         const unsigned all = LEMMAS | NO_FALSE_NEGATIVE | NO_FALSE_POSITIVE;
         return prove_inductive("rfc-pagemap-xarray", all, all, o);
       }},
      {"shmem.pm_swap_accuracy.v6.18.false_positive",
       "v6.18: a shmem page never reads PM_SWAP=1 while its data is not in swap, any number of processes",
       Expect::Proved,
       [](const ProofOptions& o) {
         return prove_inductive("v6.18", LEMMAS | NO_FALSE_POSITIVE, LEMMAS | NO_FALSE_POSITIVE, o);
       }},
      {"shmem.pm_swap_accuracy.rfc-pte-marker-pageout",
       "PTE-marker RFC: 'no false negative' is NOT inductive; the CTI is reached and replayed in the explicit model",
       Expect::Refuted, [](const ProofOptions& o) { return refute_false_negative(o); }},
  };
}

}  // namespace mmproofs::shmem

namespace mmproofs {
std::vector<Obligation> shmem_obligations() {
  std::vector<Obligation> v;
  for (auto group : {shmem::simulation_obligations, shmem::induction_obligations, shmem::bmc_obligations})
    for (auto& o : group()) v.push_back(std::move(o));
  return v;
}
}  // namespace mmproofs
