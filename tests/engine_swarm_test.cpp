// Swarm search (checker/engine/swarm.h): finds what the exhaustive search
// finds on a small space, with traces that replay through mm::apply; the
// same answer for any thread count; never a "holds"; the HyperLogLog union
// estimate is close to the exact count.
#include <doctest/doctest.h>

#include <cmath>

#include "checker/engine/hyperloglog.h"
#include "checker/engine/store.h"
#include "checker/engine/swarm.h"
#include "checker/workloads/workloads.h"
#include "model/canonical.h"
#include "model/events.h"
#include "model/invariants.h"

using namespace mmc::engine;

namespace {

Workload swarm_workload(const char* name, const char* config) {
  auto w = mmc::workloads::make_workload(name, *mm::config_preset(config));
  REQUIRE(w.has_value());
  return *w;
}

std::string without_timing(const SwarmResult& r) {
  nlohmann::json j = to_json(r);
  j.erase("timing");
  return j.dump();
}

// The exhaustive search the members are compared with: every state (swarm
// members search without partial-order reduction).
Options unreduced() {
  Options o;
  o.partial_order = PartialOrder::Off;
  return o;
}

}  // namespace

TEST_CASE("swarm: finds the exhaustive search's violations, traces replay through mm::apply") {
  Workload w = swarm_workload("anon-stable-writes", "anon-exclusive-v2-inverted");
  Result exact = explore(w, unreduced());
  SwarmOptions o;
  o.members = 4;
  o.seed = 7;
  SwarmResult r = swarm(w, o);
  CHECK(r.exit_status() == 1);
  REQUIRE(r.verdicts.size() == exact.verdicts.size());
  int violated = 0;
  for (size_t i = 0; i < r.verdicts.size(); i++) {
    const SwarmFacet& f = r.verdicts[i];
    CHECK(f.violated == (exact.verdicts[i].verdict == Verdict::Violated));
    if (!f.violated) continue;
    violated++;
    REQUIRE(f.trace.has_value());
    // The trace starts at the workload's initial state and each event,
    // applied by the model, gives the next state.
    mm::State s = f.trace->initial;
    CHECK(s == w.initial[0]);
    for (const TraceStep& st : f.trace->steps) {
      mm::Outcome o2 = mm::apply(s, st.event, w.config);
      CHECK(o2.status != mm::Status::Disabled);
      CHECK(s == st.after);
    }
    // The last state violates this facet.
    const mm::Invariant* inv = mm::find_invariant(f.invariant);
    REQUIRE(inv != nullptr);
    int facet = -1;
    for (size_t k = 0; k < inv->facets.size(); k++)
      if (inv->facets[k] == f.facet) facet = static_cast<int>(k);
    REQUIRE(facet >= 0);
    CHECK((inv->check(s, w.config) >> facet & 1));
    // Never longer than what the member found; the BFS only shortens.
    CHECK(f.trace->steps.size() <= f.found_steps);
    CHECK(f.trace->steps.size() >= exact.verdicts[i].trace->steps.size());
  }
  CHECK(violated > 0);
}

TEST_CASE("swarm: the same answer for 1 and 3 threads; incomplete, never holds") {
  Workload w = swarm_workload("anon-fork-swap", "v6.18");
  SwarmOptions o;
  o.members = 5;
  o.seed = 11;
  o.member_states = 20'000;
  o.member_mb = 1;
  o.threads = 1;
  SwarmResult one = swarm(w, o);
  o.threads = 3;
  SwarmResult three = swarm(w, o);
  CHECK(without_timing(one) == without_timing(three));
  CHECK(one.exit_status() == EXIT_INCOMPLETE);
  for (const SwarmFacet& f : one.verdicts) CHECK_FALSE(f.violated);
  // Another seed diversifies differently.
  o.seed = 12;
  SwarmResult other = swarm(w, o);
  CHECK(without_timing(other) != without_timing(one));
}

TEST_CASE("swarm: the union estimate is close to the exact count when the members cover the space") {
  Workload w = swarm_workload("anon-fork-swap", "v6.18");
  Result exact = explore(w, unreduced());  // 27,180 states
  SwarmOptions o;
  o.members = 3;
  o.seed = 1;
  SwarmResult r = swarm(w, o);
  const double n = static_cast<double>(exact.stats.states);
  // Member 0 is a full-depth DFS within its budget; the union is at least
  // what it stored and at most the space (up to the sketch's error).
  CHECK(r.member[0].states <= exact.stats.states);
  CHECK(std::abs(r.union_estimate - n) < 0.04 * n);
}

TEST_CASE("HyperLogLog: estimate within a few standard errors, merge order does not matter") {
  HyperLogLog<> a, b, ab, ba;
  for (uint64_t i = 0; i < 200'000; i++) {
    const uint64_t h = hash_bytes(&i, sizeof i);
    (i % 2 ? a : b).add(h);
    if (i % 3 == 0) a.add(h);  // repeats do not count
  }
  ab.merge(a);
  ab.merge(b);
  ba.merge(b);
  ba.merge(a);
  CHECK(ab.estimate() == ba.estimate());
  CHECK(std::abs(ab.estimate() - 200'000.0) < 4 * HyperLogLog<>::standard_error() * 200'000.0);
  HyperLogLog<> small;
  for (uint64_t i = 0; i < 100; i++) small.add(hash_bytes(&i, sizeof i));
  CHECK(std::abs(small.estimate() - 100.0) < 3.0);  // linear counting range
}
