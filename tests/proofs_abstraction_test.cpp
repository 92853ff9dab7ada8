// The counter abstraction of one anonymous page (proofs/), in kernel terms:
// its events on concrete numbers, its agreement with the explicit model,
// and the checks around it failing when they should.
#include <doctest/doctest.h>

#include <set>

#include "model/invariants.h"
#include "model/mm.h"
#include "proofs/anon_bmc.h"
#include "proofs/anon_explicit.h"
#include "proofs/anon_invariants.h"
#include "proofs/anon_simulation.h"
#include "proofs/obligation.h"

using namespace mmproofs::anon;

namespace {

struct Concrete {
  ConcreteDomain d;
  AParams<ConcreteDomain> p;
  Relation<ConcreteDomain> rel;
  AChoice<ConcreteDomain> none{false, false, false, false};
  explicit Concrete(const char* preset, uint8_t flags)
      : p(concrete_params(*mm::config_preset(preset), flags)), rel(d, p) {}
  AState<ConcreteDomain> step(const AState<ConcreteDomain>& s, AEvent e) {
    AStep<ConcreteDomain> st = rel.apply(s, e, none);
    REQUIRE(st.enabled);
    return st.post;
  }
  bool holds(const std::string& inv, const AState<ConcreteDomain>& s) {
    for (auto& f : invariant_facets<ConcreteDomain>(inv, s, p))
      if (!f.holds) return false;
    return true;
  }
};

}  // namespace

TEST_CASE("abstraction: fork of a written page write-protects both and clears PG_anon_exclusive") {
  Concrete c("v6.18", mm::SWP_STABLE_WRITES);
  auto s = c.step(c.rel.empty(1), AEvent::WriteN);
  CHECK(s.rw == 1);
  CHECK(s.excl);
  s = c.step(s, AEvent::ForkRW);
  CHECK(s.rw == 0);
  CHECK(s.ro == 2);
  CHECK_FALSE(s.excl);
  CHECK(s.used == 2);
  // MADV_PAGEOUT skips a folio mapped by two processes; LRU reclaim does not.
  auto same = c.step(s, AEvent::PageoutRO);
  CHECK(same.ro == 2);
  CHECK_FALSE(same.hasS);
  s = c.step(s, AEvent::Reclaim);
  CHECK(s.s == 2);
  CHECK(s.sx == 0);
  CHECK(s.cnt == 2);
  CHECK(s.wb);  // async device: writeback still running
}

TEST_CASE("abstraction: pageout of an exclusive page leaves an exclusive swap PTE; v6.18 maps it back read-only under stable writeback") {
  Concrete c("v6.18", mm::SWP_STABLE_WRITES);
  auto s = c.step(c.step(c.rel.empty(1), AEvent::WriteN), AEvent::PageoutRW);
  CHECK(s.sx == 1);
  CHECK(s.cnt == 1);
  CHECK(s.sc);
  CHECK(s.wb);
  auto r = c.step(s, AEvent::ReadSX);
  CHECK(r.rw == 0);
  CHECK(r.ro == 1);
  CHECK(c.holds("stable_writes", r));
  // Under the inverted check the same fault maps it writable: a violation.
  Concrete inv("anon-exclusive-v2-inverted", mm::SWP_STABLE_WRITES);
  auto bad = inv.step(s, AEvent::ReadSX);
  CHECK(bad.rw == 1);
  CHECK_FALSE(inv.holds("stable_writes", bad));
}

TEST_CASE("abstraction: a synchronous device finishes writeback inside pageout, and the clean folio leaves") {
  Concrete c("anon-exclusive-v2-inverted", mm::SWP_STABLE_WRITES | mm::SWP_SYNCHRONOUS_IO);
  auto s = c.step(c.step(c.rel.empty(1), AEvent::WriteN), AEvent::PageoutRW);
  CHECK_FALSE(s.wb);
  CHECK_FALSE(s.hasF);  // __remove_mapping freed it
  CHECK(s.hasS);
  CHECK(s.sx == 1);
}

TEST_CASE("abstraction: the invariants flag hand-made violations facet by facet") {
  Concrete c("v6.18", 0);
  AState<ConcreteDomain> s = c.rel.empty(2);
  s.hasF = true;
  s.rw = 1;
  s.ro = 1;  // writable while another process maps it
  s.other = 0;
  CHECK_FALSE(c.holds("anon_exclusive", s));
  s.ro = 0;
  s.excl = true;
  CHECK(c.holds("anon_exclusive", s));
}

TEST_CASE("alpha of the explicit model after write and MADV_PAGEOUT matches the abstraction") {
  Scenario sc{"t", "v6.18", mm::SWP_STABLE_WRITES, {}, "stable_writes", 0};
  Replay r = replay(sc, {AEvent::WriteN, AEvent::PageoutRW, AEvent::ReadSX});
  REQUIRE(r.ok);
  CHECK(mm::find_invariant("stable_writes")->check(r.final_state, scenario_config(sc)) == 0);
  // An event with no process in the right local state cannot be replayed.
  Replay bad = replay(sc, {AEvent::WriteN, AEvent::ReadSX});
  CHECK_FALSE(bad.ok);
  CHECK(bad.why.find("no explicit counterpart") != std::string::npos);
}

TEST_CASE("same_abstract reports the first differing field") {
  AState<ConcreteDomain> a{}, b{};
  std::string why;
  CHECK(same_abstract(a, b, why));
  b.cnt = 2;
  CHECK_FALSE(same_abstract(a, b, why));
  CHECK(why.find("swap count") != std::string::npos);
}

TEST_CASE("explicit BFS and Z3 BMC agree on the inverted stable-writes scenario") {
  Scenario sc{"t", "anon-exclusive-v2-inverted", mm::SWP_STABLE_WRITES,
              {mm::EventKind::ReadFault, mm::EventKind::WriteFault, mm::EventKind::MadvPageout,
               mm::EventKind::WritebackEnd},
              "stable_writes", 5};
  BfsResult bfs = explicit_bfs(sc);
  CHECK(bfs.violation_depth == 3);
  ConcreteDomain cd;
  auto cp = concrete_params(scenario_config(sc), sc.swap_flags);
  Relation<ConcreteDomain> rel(cd, cp);
  mmproofs::ProofOptions opt;
  BmcResult b = bmc(cp, rel.empty(1), abstract_alphabet(sc.alphabet),
                    [](const AState<Z3Domain>& s, const AParams<Z3Domain>& p) {
                      z3::expr any = s.hasF.ctx().bool_val(false);
                      for (auto& f : stable_writes_facets<Z3Domain>(s, p)) any = any || !f.holds;
                      return any;
                    },
                    5, mm::MAX_PROCS, opt);
  CHECK(b.length == 3);
  // Without writeback completion and with a synchronous device there is none.
  sc.swap_flags |= mm::SWP_SYNC_WRITEBACK;
  CHECK(explicit_bfs(sc).violation_depth == -1);
}

TEST_CASE("prove: obligations have unique names and the inverted one must be refuted") {
  const auto& all = mmproofs::obligations();
  CHECK(all.size() >= 10);
  std::set<std::string> names;
  int must_refute = 0;
  for (const auto& o : all) {
    CHECK(names.insert(o.name).second);
    must_refute += o.expect == mmproofs::Expect::Refuted;
  }
  CHECK(must_refute >= 1);
}

TEST_CASE("prove: the encoding lemmas hold over model/encoding.h") {
  mmproofs::ProofOptions opt;
  for (const auto& o : mmproofs::obligations())
    if (o.name.rfind("encoding.", 0) == 0) {
      INFO(o.name);
      CHECK(o.run(opt).verdict == mmproofs::Verdict::Proved);
    }
}

TEST_CASE("simulation check: the abstraction matches the model, and catches an abstraction with the wrong knob") {
  const auto ok = simulate("anon-exclusive-v2-inverted", "anon-exclusive-v2-inverted", mm::SWP_STABLE_WRITES, 4);
  CHECK(ok.failure == "");
  CHECK(ok.checks > 1000);
  CHECK(ok.births > 0);
  // The explicit model runs the inverted series; the abstraction believes v6.18.
  const auto bad = simulate("anon-exclusive-v2-inverted", "v6.18", mm::SWP_STABLE_WRITES, 4);
  REQUIRE(bad.failure != "");
  CHECK(bad.failure.find("read") != std::string::npos);
}

TEST_CASE("BMC with the wrong config disagrees with the explicit BFS") {
  Scenario sc{"t", "anon-exclusive-v2-inverted", mm::SWP_STABLE_WRITES,
              {mm::EventKind::ReadFault, mm::EventKind::WriteFault, mm::EventKind::MadvPageout},
              "stable_writes", 4};
  CHECK(explicit_bfs(sc).violation_depth == 3);
  ConcreteDomain cd;
  auto cp = concrete_params(*mm::config_preset("v6.18"), sc.swap_flags);
  Relation<ConcreteDomain> rel(cd, cp);
  mmproofs::ProofOptions opt;
  BmcResult b = bmc(cp, rel.empty(1), abstract_alphabet(sc.alphabet),
                    [](const AState<Z3Domain>& s, const AParams<Z3Domain>& p) {
                      z3::expr any = s.hasF.ctx().bool_val(false);
                      for (auto& f : stable_writes_facets<Z3Domain>(s, p)) any = any || !f.holds;
                      return any;
                    },
                    4, mm::MAX_PROCS, opt);
  CHECK(b.length == -1);
}
