// The generic search on toy models whose state spaces are known by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "checker/engine/explorer.h"

using namespace mmc::engine;

namespace {

// A counter modulo n, stepped by +1 and +2.  n states; the shortest path to
// n-1 takes ceil((n-1)/2) steps.  Check 0: "the counter is n-1".
struct Counter {
  struct Node {
    uint32_t v;
  };
  using Key = Node;
  uint32_t n;
  std::vector<Node> initial() const { return {Node{0}}; }
  template <class Emit>
  ExpandInfo expand(const Node& x, Emit&& emit) const {
    emit(Node{(x.v + 1) % n});
    emit(Node{(x.v + 2) % n});
    return {};
  }
  Key pack(const Node& x) const { return x; }
  uint64_t violations(const Node& x) const { return x.v == n - 1 ? 1 : 0; }
  int num_checks() const { return 1; }
  uint8_t mark(const Node& x) const { return x.v == 0; }
};

// Two processes and a lock.  Each process: idle -> trying -> critical ->
// idle.  With an atomic test-and-set (broken = false) entering the
// critical section takes the lock in one step: 8 reachable states, mutual
// exclusion holds.  With a separate test and set (broken = true), both can
// pass the test before either sets the lock: violated after 4 steps
// (A tests, B tests, A sets, B sets... each in its own step).
struct Mutex {
  enum Pc : uint8_t { Idle, Trying, Tested, Critical };
  struct Node {
    uint8_t pc[2];
    uint8_t lock;
  };
  using Key = Node;
  bool broken;
  std::vector<Node> initial() const { return {Node{{Idle, Idle}, 0}}; }
  template <class Emit>
  ExpandInfo expand(const Node& x, Emit&& emit) const {
    for (int p = 0; p < 2; p++) {
      Node y = x;
      switch (x.pc[p]) {
        case Idle: y.pc[p] = Trying; break;
        case Trying:
          if (x.lock) continue;
          if (broken) {
            y.pc[p] = Tested;
          } else {
            y.pc[p] = Critical;
            y.lock = 1;
          }
          break;
        case Tested:
          y.pc[p] = Critical;
          y.lock = 1;
          break;
        case Critical:
          y.pc[p] = Idle;
          y.lock = 0;
          break;
      }
      emit(y);
    }
    return {};
  }
  Key pack(const Node& x) const { return x; }
  uint64_t violations(const Node& x) const { return x.pc[0] == Critical && x.pc[1] == Critical ? 1 : 0; }
  int num_checks() const { return 1; }
  uint8_t mark(const Node& x) const { return x.pc[0] == Idle && x.pc[1] == Idle; }
};

template <class M, template <class> class Store = ExactStore>
RawRun run(const M& m, SearchLimits lim = {}) {
  Store<typename M::Key> store;
  return Explorer<M, Store<typename M::Key>>(m, store, lim).run();
}

}  // namespace

TEST_CASE("a counter modulo n has n states and a shortest path of ceil((n-1)/2) steps") {
  for (uint32_t n : {1u, 2u, 7u, 1000u, 5001u}) {
    Counter c{n};
    for (bool dfs : {false, true}) {
      SearchLimits lim;
      lim.dfs = dfs;
      lim.max_depth = 100000;
      RawRun r = run(c, lim);
      CHECK(r.states == n);
      CHECK(r.transitions == 2 * n);
      CHECK(r.complete());
      REQUIRE(r.first_violation[0] >= 0);
      if (!dfs) CHECK(r.path_to(static_cast<uint32_t>(r.first_violation[0])).size() - 1 == n / 2);
    }
  }
}

TEST_CASE("the correct mutex has 8 states and keeps mutual exclusion") {
  Mutex m{false};
  RawRun r = run(m);
  CHECK(r.states == 8);
  CHECK(r.complete());
  CHECK(r.first_violation[0] == -1);
  SearchLimits dfs;
  dfs.dfs = true;
  CHECK(run(m, dfs).states == 8);
}

TEST_CASE("the broken mutex is violated and BFS gives a shortest trace of 6 steps") {
  // Both processes go Idle -> Trying -> Tested -> Critical: 3 steps each.
  Mutex m{true};
  RawRun r = run(m);
  REQUIRE(r.first_violation[0] >= 0);
  CHECK(r.path_to(static_cast<uint32_t>(r.first_violation[0])).size() - 1 == 6);
  // Depth-first also finds it, not necessarily by a shortest path.
  SearchLimits dfs;
  dfs.dfs = true;
  RawRun d = run(m, dfs);
  CHECK(d.first_violation[0] >= 0);
  CHECK(d.states == r.states);
}

TEST_CASE("threads do not change ids, parents or verdicts") {
  Counter c{200000};
  SearchLimits lim;
  lim.max_depth = 1000000;
  RawRun one = run(c, lim);
  lim.threads = 2;
  RawRun two = run(c, lim);
  CHECK(one.states == two.states);
  CHECK(one.parent == two.parent);
  CHECK(one.first_violation == two.first_violation);
  Mutex m{true};
  SearchLimits l2;
  l2.threads = 2;
  CHECK(run(m).parent == run(m, l2).parent);
}

TEST_CASE("bounds make a run incomplete, never complete") {
  Counter c{1000};
  SearchLimits lim;
  lim.max_depth = 10;  // 1 + 2*10 values reachable within 10 steps
  RawRun r = run(c, lim);
  CHECK(r.depth_bound_hit);
  CHECK_FALSE(r.complete());
  CHECK(r.states == 21);
  CHECK(r.first_violation[0] == -1);

  lim.max_depth = 100000;
  lim.max_states = 50;
  RawRun s = run(c, lim);
  CHECK(s.state_bound_hit);
  CHECK_FALSE(s.complete());
  CHECK(s.states == 50);

  // A depth bound exactly at the graph's depth is not hit.
  Counter small{7};
  SearchLimits exact;
  exact.max_depth = 3;
  RawRun e = run(small, exact);
  CHECK(e.states == 7);
  CHECK(e.complete());
}

TEST_CASE("fingerprint store finds the same states") {
  Counter c{3000};
  SearchLimits lim;
  lim.max_depth = 100000;
  RawRun exact = run(c, lim);
  RawRun fp = run<Counter, FingerprintStore>(c, lim);
  CHECK(fp.states == exact.states);
  CHECK(fp.first_violation == exact.first_violation);
}

TEST_CASE("edges are kept under the cap for the graph checks") {
  Mutex m{false};
  SearchLimits lim;
  lim.edge_cap = 100;
  RawRun r = run(m, lim);
  REQUIRE(r.edges_kept);
  CHECK(r.edges.size() == r.transitions);  // the mutex has no duplicate edges
  CHECK(r.marks.size() == r.states);
  CHECK(r.marks[0] == 1);
}
