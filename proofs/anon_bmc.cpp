// Bounded cross-checks: for each scenario, the Z3 BMC over the counter
// abstraction and an explicit BFS over mm::apply must report the same
// shortest violation length (or both none up to the same depth).  One event
// is one step on both sides.  A disagreement is a bug in one of the two.
#include "proofs/anon_bmc.h"

#include <fmt/format.h>

#include "model/invariants.h"
#include "proofs/anon_invariants.h"

namespace mmproofs::anon {

namespace {

using K = mm::EventKind;

struct CrossCheck {
  Scenario sc;
  bool expect_violation;  // what the scenario is about (its "check" line)
  std::string meaning;
};

const std::vector<K> kFullAnon = {K::ReadFault, K::WriteFault,   K::Fork,          K::MadvDontneed, K::Exit,
                                  K::MadvPageout, K::Reclaim,    K::WritebackEnd,  K::SwapCacheDrop};

std::vector<CrossCheck> crosschecks() {
  const uint8_t stable_async = mm::SWP_STABLE_WRITES;
  const uint8_t zram = mm::SWP_STABLE_WRITES | mm::SWP_SYNCHRONOUS_IO;
  return {
      {{"bmc.stable_writes.inverted.fault", "anon-exclusive-v2-inverted", stable_async,
        {K::ReadFault, K::WriteFault, K::MadvPageout, K::WritebackEnd, K::SwapCacheDrop, K::MadvDontneed},
        "stable_writes", 6},
       true,
       "inverted series, async SWP_STABLE_WRITES device, faults + MADV_PAGEOUT: both find the violation at the same length"},
      {{"bmc.stable_writes.inverted.fork_reclaim", "anon-exclusive-v2-inverted", stable_async,
        {K::WriteFault, K::Fork, K::Reclaim, K::WritebackEnd, K::SwapCacheDrop, K::Exit},
        "stable_writes", 6},
       true,
       "inverted series, async SWP_STABLE_WRITES device, writes + fork + LRU reclaim: same shortest violation"},
      {{"bmc.pagemap_exclusive.v6.18", "v6.18", 0,
        {K::ReadFault, K::WriteFault, K::Fork, K::MadvPageout, K::Reclaim, K::WritebackEnd, K::SwapCacheDrop},
        "pagemap_exclusive", 6},
       true,
       "v6.18: PM_MMAP_EXCLUSIVE on a page still reachable from a swap PTE (mapcount only): same shortest length"},
      {{"bmc.stable_writes.v6.18.none", "v6.18", stable_async, kFullAnon, "stable_writes", 7},
       false,
       "v6.18, async SWP_STABLE_WRITES device, every anon event: no violation on either side up to depth 7"},
      {{"bmc.stable_writes.inverted.zram_none", "anon-exclusive-v2-inverted", zram, kFullAnon, "stable_writes", 7},
       false,
       "inverted series on a zram-like device (SWP_STABLE_WRITES|SWP_SYNCHRONOUS_IO, writeback synchronous): none up to 7"},
      {{"bmc.stable_writes.v5.14.none", "v5.14", stable_async, kFullAnon, "stable_writes", 7},
       false,
       "v5.14 (reuse_swap_page refuses a folio under writeback to a SWP_STABLE_WRITES device): none up to 7"},
      {{"bmc.anon_exclusive.v6.18.none", "v6.18", stable_async, kFullAnon, "anon_exclusive", 7},
       false,
       "v6.18, every anon event: anon_exclusive holds on both sides up to depth 7"},
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
  ConcreteDomain cd;
  const AParams<ConcreteDomain> cp = concrete_params(cfg, sc.swap_flags);
  Relation<ConcreteDomain> rel(cd, cp);
  const std::string inv = sc.invariant;
  auto bad = [inv](const AState<Z3Domain>& s, const AParams<Z3Domain>& p) {
    z3::expr any = s.hasF.ctx().bool_val(false);
    for (auto& f : invariant_facets<Z3Domain>(inv, s, p)) any = any || !f.holds;
    return any;
  };
  const BmcResult b = bmc(cp, rel.empty(1), abstract_alphabet(sc.alphabet), bad, sc.depth, mm::MAX_PROCS, opt);
  if (b.unknown) return {Verdict::Unknown, {"Z3 gave up on the BMC query (raise --timeout)"}};
  const std::string bfs_says = bfs.violation_depth < 0
                                   ? fmt::format("none up to depth {} ({} states)", sc.depth, bfs.states)
                                   : fmt::format("{} events ({} states): {}", bfs.violation_depth, bfs.states,
                                                 trace_line(bfs.trace));
  r.detail.push_back(fmt::format("explicit BFS over mm::apply: {}{}", bfs_says,
                                 bfs.incomplete ? " [a capacity bound was hit on some branch]" : ""));
  std::string bmc_says = b.length < 0 ? fmt::format("none up to depth {}", sc.depth)
                                      : fmt::format("{} steps:", b.length);
  for (AEvent e : b.events) bmc_says += fmt::format(" {};", aevent_info()[static_cast<int>(e)].name);
  r.detail.push_back("Z3 BMC over the counter abstraction: " + bmc_says);
  if (bfs.violation_depth != b.length) {
    r.verdict = Verdict::Refuted;
    r.detail.push_back(fmt::format("DISAGREE: BFS says {}, BMC says {}", bfs.violation_depth, b.length));
    return r;
  }
  if (b.length >= 0) {
    // The BMC trace must be real: replay it in the explicit model.
    Replay rp = replay(sc, b.events);
    if (!rp.ok) {
      r.verdict = Verdict::Refuted;
      r.detail.push_back("the BMC trace does not replay in the explicit model: " + rp.why);
      return r;
    }
    const mm::Invariant* mi = mm::find_invariant(sc.invariant);
    if (!mi->check(rp.final_state, cfg)) {
      r.verdict = Verdict::Refuted;
      r.detail.push_back("the replayed BMC trace does not violate " + sc.invariant + " in the explicit model");
      return r;
    }
    r.detail.push_back("BMC trace replayed with mm::apply, alpha() equal at every step; explicit check: " +
                       mi->explain(rp.final_state, cfg));
  }
  if ((b.length >= 0) != cc.expect_violation) {
    r.verdict = Verdict::Refuted;
    r.detail.push_back(cc.expect_violation ? "both agree, but the scenario expects a violation and none was found"
                                           : "both agree, but the scenario expects no violation");
    return r;
  }
  r.verdict = Verdict::Proved;
  return r;
}

}  // namespace

std::vector<Obligation> anon_bmc_obligations() {
  std::vector<Obligation> out;
  for (const CrossCheck& cc : crosschecks())
    out.push_back({cc.sc.name, cc.meaning, Expect::Proved,
                   [cc](const ProofOptions& opt) { return run_crosscheck(cc, opt); }});
  return out;
}

}  // namespace mmproofs::anon

namespace mmproofs {
std::vector<Obligation> anon_bmc_obligations() { return anon::anon_bmc_obligations(); }
}  // namespace mmproofs
