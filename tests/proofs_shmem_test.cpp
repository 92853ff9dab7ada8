// The counter abstraction of one shmem page (proofs/shmem_*), in kernel
// terms: its events on numbers, its agreement with the explicit model, and
// the checks around it failing when they should.
#include <doctest/doctest.h>

#include "model/invariants.h"
#include "model/mm.h"
#include "proofs/shmem_invariants.h"
#include "proofs/shmem_proofs.h"

using namespace mmproofs::shmem;

namespace {

struct Concrete {
  ConcreteDomain d;
  SParams<ConcreteDomain> p;
  Relation<ConcreteDomain> rel;
  explicit Concrete(const char* preset, uint8_t flags = 0)
      : p(concrete_params(*mm::config_preset(preset), flags)), rel(d, p) {}
  SState<ConcreteDomain> step(const SState<ConcreteDomain>& s, SEvent e) {
    SStep<ConcreteDomain> st = rel.apply(s, e, SChoice<ConcreteDomain>{false, false});
    REQUIRE(st.enabled);
    return st.post;
  }
  bool false_negative(const SState<ConcreteDomain>& s) {
    return !pm_swap_facets<ConcreteDomain>(s, p, FALSE_NEGATIVE)[0].holds;
  }
  bool false_positive(const SState<ConcreteDomain>& s) {
    return !pm_swap_facets<ConcreteDomain>(s, p, FALSE_POSITIVE)[0].holds;
  }
};

}  // namespace

TEST_CASE("shmem abstraction: pageout of a written page leaves a PAGEOUT marker only under the RFC") {
  Concrete rfc("rfc-pte-marker-pageout");
  auto s = rfc.step(rfc.rel.empty(1), SEvent::WriteN);
  CHECK(s.pcF);
  CHECK(s.dirty);
  CHECK(s.p == 1);
  s = rfc.step(s, SEvent::PageoutP);
  CHECK(s.pcS);
  CHECK(s.sc);  // async device: the folio stays in the swap cache under writeback
  CHECK(s.wb);
  CHECK(s.m == 1);
  CHECK(s.p == 0);
  CHECK_FALSE(rfc.false_negative(s));
  // Fork after pageout: the child's PTE is none (vma_needs_copy is false).
  auto forked = rfc.step(s, SEvent::ForkM);
  CHECK(forked.n == 1);
  CHECK(rfc.false_negative(forked));

  Concrete v618("v6.18");
  auto t = v618.step(v618.step(v618.rel.empty(1), SEvent::WriteN), SEvent::PageoutP);
  CHECK(t.m == 0);
  CHECK(t.n == 1);
  CHECK(v618.false_negative(t));
}

TEST_CASE("shmem abstraction: a clean page is dropped by reclaim, and the RFC's marker then lies") {
  Concrete rfc("rfc-pte-marker-pageout");
  auto s = rfc.step(rfc.rel.empty(1), SEvent::ReadN);
  CHECK_FALSE(s.dirty);
  s = rfc.step(s, SEvent::Reclaim);
  CHECK_FALSE(s.pcF);
  CHECK_FALSE(s.pcS);
  CHECK(s.m == 1);
  CHECK(rfc.false_positive(s));  // PM_SWAP=1, but the page is a hole
  // A fault on the marker drops it and maps a fresh page.
  s = rfc.step(s, SEvent::ReadM);
  CHECK(s.p == 1);
  CHECK(s.m == 0);
  CHECK_FALSE(rfc.false_positive(s));
}

TEST_CASE("shmem abstraction: MADV_PAGEOUT skips a page two processes map; swap-in makes it dirty") {
  Concrete c("v6.18", mm::SWP_SYNCHRONOUS_IO);
  auto s = c.step(c.rel.empty(1), SEvent::WriteN);
  s = c.step(s, SEvent::ForkP);
  s = c.step(s, SEvent::ReadN);
  CHECK(s.p == 2);
  auto same = c.step(s, SEvent::PageoutP);
  CHECK(same.pcF);
  CHECK(same.p == 2);
  s = c.step(s, SEvent::Reclaim);  // LRU reclaim unmaps both
  CHECK(s.pcS);
  CHECK_FALSE(s.sc);  // synchronous device: written and dropped at once
  CHECK(s.n == 2);
  s = c.step(s, SEvent::ReadN);  // shmem_swapin_folio
  CHECK(s.pcF);
  CHECK(s.dirty);
  CHECK_FALSE(s.pcS);
}

TEST_CASE("shmem abstraction: a pinned page is unmapped by reclaim but not written out") {
  Concrete rfc("rfc-pte-marker-pageout");
  auto s = rfc.step(rfc.rel.empty(1), SEvent::WriteN);
  s = rfc.step(s, SEvent::PinP);
  CHECK(s.pins == 1);
  s = rfc.step(s, SEvent::PageoutP);
  CHECK(s.pcF);  // still in the page cache, dirty
  CHECK(s.dirty);
  CHECK(s.m == 1);  // but the PTE carries the PAGEOUT marker
  CHECK(rfc.false_positive(s));
  // MADV_REMOVE frees the index; the pinned folio lives on outside it.
  s = rfc.step(s, SEvent::RemoveM);
  CHECK_FALSE(s.pcF);
  CHECK(s.pins == 0);
  CHECK(s.n == 1);
}

TEST_CASE("shmem abstraction: the last munmap of a shared-anon mapping frees the index") {
  Concrete c("v6.18");
  auto s = c.step(c.rel.empty(1), SEvent::WriteN);
  s = c.step(s, SEvent::ForkP);
  s = c.step(s, SEvent::MunmapP);
  CHECK(s.pcF);  // the child still maps the VMA
  CHECK(s.u == 1);
  s = c.step(s, SEvent::MunmapN);
  CHECK_FALSE(s.pcF);
  CHECK(s.u == 2);
}

TEST_CASE("shmem abstraction, THP: reclaim zaps the PMD before try_to_unmap, so no PAGEOUT marker is left") {
  ConcreteDomain d;
  SParams<ConcreteDomain> p = concrete_params(*mm::config_preset("rfc-pte-marker-pageout"), 0, true);
  Relation<ConcreteDomain> rel(d, p);
  auto step = [&](const SState<ConcreteDomain>& s, SEvent e) {
    SStep<ConcreteDomain> st = rel.apply(s, e, SChoice<ConcreteDomain>{false, false});
    REQUIRE(st.enabled);
    return st.post;
  };
  auto s = step(rel.empty(1), SEvent::WriteN);
  CHECK(s.large);
  CHECK(s.h == 1);
  CHECK(s.p == 0);
  CHECK_FALSE(s.e1);
  auto r = step(s, SEvent::Reclaim);
  CHECK_FALSE(r.large);
  CHECK(r.pcS);
  CHECK(r.m == 0);
  CHECK(r.n == 1);
  CHECK_FALSE(pm_swap_facets<ConcreteDomain>(r, p, FALSE_NEGATIVE)[0].holds);
  // A small folio mapped by a PTE gets its marker (the index pair is no longer free).
  auto small = step(step(step(s, SEvent::SplitH), SEvent::Reclaim), SEvent::ReadN);
  CHECK_FALSE(small.large);  // swapped in small: the pair holds the old tail
  CHECK(small.p == 1);
  auto marked = step(small, SEvent::Reclaim);
  CHECK(marked.m == 1);
  // Explicit model, same steps.
  Scenario sc{"t", "rfc-pte-marker-pageout", 0, full_shmem_alphabet(), FALSE_NEGATIVE, 4, true};
  Replay rp = replay(sc, {SEvent::WriteN, SEvent::Reclaim});
  REQUIRE_MESSAGE(rp.ok, rp.why);
  CHECK((mm::find_invariant("pm_swap_accuracy")->check(rp.final_state, scenario_config(sc)) & FALSE_NEGATIVE) != 0);
  CHECK(rp.final_state.proc[0].pte[0].kind == mm::PteKind::None);
}

TEST_CASE("shmem alpha and replay follow the explicit model") {
  Scenario sc{"t", "rfc-pte-marker-pageout", 0, full_shmem_alphabet(), FALSE_NEGATIVE, 4};
  Replay rp = replay(sc, {SEvent::WriteN, SEvent::PageoutP, SEvent::ForkM});
  REQUIRE_MESSAGE(rp.ok, rp.why);
  const mm::Config cfg = scenario_config(sc);
  CHECK((mm::find_invariant("pm_swap_accuracy")->check(rp.final_state, cfg) & FALSE_NEGATIVE) != 0);
  SState<ConcreteDomain> a;
  std::string why;
  REQUIRE(alpha(rp.final_state, a, why));
  CHECK(a.m == 1);
  CHECK(a.n == 1);
  // An abstract event with no explicit counterpart is reported, not replayed.
  Replay bad = replay(sc, {SEvent::ReadM});
  CHECK_FALSE(bad.ok);
}

TEST_CASE("shmem simulation holds, and catches an abstraction with the wrong knob") {
  const SimulationResult ok = simulate("rfc-pte-marker-pageout", "rfc-pte-marker-pageout", 0, 5);
  CHECK_MESSAGE(ok.failure.empty(), ok.failure);
  CHECK(ok.transitions > 1000);
  // The abstraction without CONFIG_PTE_MARKER_PAGEOUT against the RFC's model:
  // the first pageout of a mapped page leaves a marker where the abstraction
  // expects a none PTE.
  const SimulationResult thp = simulate("rfc-pte-marker-pageout", "rfc-pte-marker-pageout", 0, 5, true);
  CHECK_MESSAGE(thp.failure.empty(), thp.failure);
  const SimulationResult bad = simulate("rfc-pte-marker-pageout", "v5.14", 0, 5);
  CHECK(bad.failure.find("explicit pageout A") != std::string::npos);
  CHECK(bad.failure.find("1 PAGEOUT marker") != std::string::npos);
  CHECK(bad.failure.find("no abstract step") != std::string::npos);
}

TEST_CASE("shmem BMC and explicit BFS agree on the shortest false negative") {
  mmproofs::ProofOptions opt;
  for (const char* preset : {"v6.18", "rfc-pte-marker-pageout"}) {
    Scenario sc{"t", preset, 0, full_shmem_alphabet(), FALSE_NEGATIVE, 5};
    const BfsResult bfs = explicit_bfs(sc);
    const mm::Config cfg = scenario_config(sc);
    const SParams<ConcreteDomain> cp = concrete_params(cfg, 0);
    ConcreteDomain cd;
    Relation<ConcreteDomain> rel(cd, cp);
    const BmcResult b = bmc(cp, rel.empty(1), abstract_alphabet(sc.alphabet), FALSE_NEGATIVE, 5, mm::MAX_PROCS, opt);
    CHECK(bfs.violation_depth == b.length);
    CHECK(b.length > 0);
    Replay rp = replay(sc, b.events);
    CHECK_MESSAGE(rp.ok, rp.why);
  }
  // The xarray RFC reports the swap entry behind a none PTE: no false negative.
  Scenario sc{"t", "rfc-pagemap-xarray", 0, full_shmem_alphabet(), FALSE_NEGATIVE | FALSE_POSITIVE, 5};
  CHECK(explicit_bfs(sc).violation_depth == -1);
}

TEST_CASE("shmem obligations are registered in mmcheck prove") {
  int n = 0;
  for (const auto& o : mmproofs::obligations())
    if (o.name.rfind("shmem.", 0) == 0 || o.name.rfind("bmc.pm_swap_accuracy.", 0) == 0) n++;
  CHECK(n >= 8);
}
