// The engine on the kernel model: verdicts, shortest traces, bounds,
// determinism across threads and runs.
#include <doctest/doctest.h>

#include "checker/engine/engine.h"
#include "checker/workloads/workloads.h"

using namespace mmc::engine;

namespace {

Workload builtin(const char* name, const char* config) {
  auto w = mmc::workloads::make_workload(name, *mm::config_preset(config));
  REQUIRE(w.has_value());
  return *w;
}

const FacetResult& verdict(const Result& r, const char* inv, const char* facet) {
  for (const FacetResult& f : r.verdicts)
    if (f.invariant == inv && f.facet == facet) return f;
  FAIL("no verdict for " << inv << "/" << facet);
  return r.verdicts.front();
}

std::string without_timing(const Result& r) {
  nlohmann::json j = to_json(r);
  j.erase("timing");
  return j.dump();
}

}  // namespace

TEST_CASE("stable_writes: violated under the inverted v2 check, with a 3-step shortest trace") {
  Result r = explore(builtin("anon-stable-writes", "anon-exclusive-v2-inverted"), Options{});
  const FacetResult& f = verdict(r, "stable_writes", "mapped-writable");
  REQUIRE(f.verdict == Verdict::Violated);
  REQUIRE(f.trace.has_value());
  // write, MADV_PAGEOUT (writeback starts), write: the swap-in reuses the
  // folio under writeback and maps it writable.
  REQUIRE(f.trace->steps.size() == 3);
  CHECK(f.trace->steps[0].event.kind == mm::EventKind::WriteFault);
  CHECK(f.trace->steps[1].event.kind == mm::EventKind::MadvPageout);
  CHECK(f.trace->steps[2].event.kind == mm::EventKind::WriteFault);
  CHECK(f.trace->steps[2].text == "A: write p[0]=2");
  CHECK_FALSE(f.explanation.empty());
  CHECK(r.exit_status() == 1);
  // Shortest: within 2 events no state violates it.
  Options two;
  two.max_depth = 2;
  Result r2 = explore(builtin("anon-stable-writes", "anon-exclusive-v2-inverted"), two);
  CHECK(verdict(r2, "stable_writes", "mapped-writable").verdict == Verdict::Incomplete);
}

TEST_CASE("stable_writes holds under v6.18, and with a synchronous device under both") {
  for (const char* cfg : {"v6.18"}) {
    Result r = explore(builtin("anon-stable-writes", cfg), Options{});
    CHECK(r.complete);
    CHECK(r.exit_status() == 0);
  }
  for (const char* cfg : {"v6.18", "anon-exclusive-v2-inverted"}) {
    Result r = explore(builtin("anon-stable-writes-sync", cfg), Options{});
    CHECK(r.complete);
    CHECK(verdict(r, "stable_writes", "mapped-writable").verdict == Verdict::Holds);
    CHECK(r.exit_status() == 0);
  }
}

TEST_CASE("JSON is byte-identical across thread counts and runs (timing aside)") {
  Workload w = builtin("anon-stable-writes", "anon-exclusive-v2-inverted");
  Options opt;
  const std::string one = without_timing(explore(w, opt));
  opt.threads = 2;
  const std::string two = without_timing(explore(w, opt));
  const std::string again = without_timing(explore(w, opt));
  CHECK(one == two);
  CHECK(two == again);
  CHECK(to_json(explore(w, opt)).contains("timing"));
}

TEST_CASE("bounds give incomplete verdicts and exit status 3, never holds") {
  Options opt;
  opt.max_states = 100;
  Result r = explore(builtin("anon-stable-writes", "v6.18"), opt);
  CHECK_FALSE(r.complete);
  CHECK(r.stats.states == 100);
  CHECK(r.exit_status() == EXIT_INCOMPLETE);
  for (const FacetResult& f : r.verdicts) CHECK(f.verdict == Verdict::Incomplete);
  REQUIRE_FALSE(r.bounds_hit.empty());
  CHECK(r.bounds_hit[0].find("state bound") != std::string::npos);
}

TEST_CASE("a model capacity bound is reported as incomplete") {
  // Unlimited MADV_PAGEOUT with writeback pending fills the 4 swap slots.
  Workload w = builtin("anon-stable-writes", "v6.18");
  for (AlphabetEntry& a : w.alphabet)
    if (a.kind == mm::EventKind::MadvPageout) a.limit = -1;
  Result r = explore(w, Options{});
  CHECK(r.exit_status() == EXIT_INCOMPLETE);
  bool capacity = false;
  for (const std::string& b : r.bounds_hit) capacity |= b.find("model bound hit") != std::string::npos;
  CHECK(capacity);
}

TEST_CASE("symmetry reduction: fewer states, same verdicts") {
  Workload w = builtin("anon-fork-swap", "v6.18");
  Options opt;
  opt.graph_cap = 0;
  Result with = explore(w, opt);
  opt.symmetry = false;
  opt.max_states = 8 * with.stats.states;  // 5.8x since the dead state is forgotten
  Result without = explore(w, opt);
  CHECK(with.complete);
  CHECK(without.complete);
  CHECK(without.stats.states >= 2 * with.stats.states);
  REQUIRE(with.verdicts.size() == without.verdicts.size());
  for (size_t i = 0; i < with.verdicts.size(); i++) CHECK(with.verdicts[i].verdict == without.verdicts[i].verdict);
}

TEST_CASE("fingerprint mode and DFS agree with exact BFS on the state count") {
  Workload w = builtin("anon-stable-writes", "anon-exclusive-v2-inverted");
  Result bfs = explore(w, Options{});
  Options fp;
  fp.fingerprint = true;
  Result f = explore(w, fp);
  CHECK(f.stats.states == bfs.stats.states);
  CHECK(f.collision_probability < 1e-6);
  // Depth-first, without partial-order reduction (the reduced graph
  // depends on the search order): the whole graph, as breadth-first.
  Options dfs, plain;
  dfs.search = Search::Dfs;
  dfs.max_depth = 1000;
  dfs.partial_order = plain.partial_order = PartialOrder::Off;
  Result d = explore(w, dfs);
  CHECK(d.stats.states == explore(w, plain).stats.states);
  CHECK(d.exit_status() == 1);
}

TEST_CASE("simulate: same seed, same walk") {
  Workload w = builtin("anon-fork-swap", "v6.18");
  SimResult a = simulate(w, 42, 50), b = simulate(w, 42, 50), c = simulate(w, 43, 50);
  CHECK(to_json(a).dump() == to_json(b).dump());
  CHECK(to_json(a).dump() != to_json(c).dump());
  CHECK(a.steps_taken > 0);
}

TEST_CASE("the leak finder: clean with reclaim, a stuck dirty swap-cache folio without it") {
  Workload w = builtin("anon-fork-swap", "v6.18");
  Result clean = explore(w, Options{});
  CHECK(clean.leak.status == "clean");
  std::erase_if(w.alphabet, [](const AlphabetEntry& a) { return a.kind == mm::EventKind::Reclaim; });
  Result stuck = explore(w, Options{});
  REQUIRE(stuck.leak.status == "leak");
  REQUIRE(stuck.leak.trace.has_value());
  // write, pageout, write (reuses the folio under writeback: dirty again), zap.
  CHECK(stuck.leak.trace->steps.size() == 4);
}
