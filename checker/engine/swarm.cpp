// Swarm search: N small diversified searches, each in its own bitstate
// array, combined in member order (swarm.h says why that is deterministic).
#include "checker/engine/swarm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <stdexcept>

#include "checker/engine/bitstate_store.h"
#include "checker/engine/explorer.h"
#include "checker/engine/hyperloglog.h"
#include "checker/engine/memory.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/splitmix.h"
#include "checker/engine/trace.h"
#include "model/describe.h"

namespace mmc::engine {

const char* swarm_strategy_name(SwarmStrategy s) {
  switch (s) {
    case SwarmStrategy::DfsShuffled: return "dfs, successors shuffled at each state";
    case SwarmStrategy::DfsPermuted: return "dfs, event kinds in a permuted order";
    case SwarmStrategy::Walks: return "random walks, restarted";
  }
  return "?";
}

bool SwarmResult::any_violated() const {
  for (const SwarmFacet& f : verdicts)
    if (f.violated) return true;
  return false;
}

int SwarmResult::exit_status() const { return any_violated() ? 1 : EXIT_INCOMPLETE; }

namespace {

// What one member found; filled by its own thread only.
struct MemberRun {
  SwarmMember info;
  HyperLogLog<> hll;
  std::vector<std::vector<MmNode>> paths;  // per check: the first path to a violation (empty: none)
  std::vector<const char*> capacity;        // model capacity bounds met
};

class MemberSearch {
 public:
  MemberSearch(const MmModel& m, const SwarmOptions& o, MemberRun& out)
      : m_(m), o_(o), out_(out), store_(o.member_mb), rng_(out.info.seed) {
    out_.paths.assign(m.num_checks(), {});
    // A random rank per event kind (DfsPermuted): successors are ordered
    // by the rank of their event's kind, ties in the model's order.
    rank_.resize(mm::EVENT_KIND_COUNT);
    for (int k = 0; k < mm::EVENT_KIND_COUNT; k++) rank_[k] = k;
    shuffle(rank_);
  }

  void run() {
    if (out_.info.strategy == SwarmStrategy::Walks) walks();
    else dfs();
    out_.info.budget_hit = out_.info.states >= o_.member_states;
    out_.info.omission_probability =
        BitstateStore<MmNode>::omission_probability(out_.info.states, store_.bit_count());
  }

 private:
  struct Frame {
    MmNode node;
    std::vector<MmNode> succ;
    size_t next = 0;
  };

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; i--) std::swap(v[i - 1], v[splitmix64(rng_) % i]);
  }

  bool full() const { return out_.info.states >= o_.member_states; }

  // Stores `n` when new: counts it, adds it to the sketch, checks it.
  // `path` gives the nodes from an initial state to n (only called on a
  // violation not seen before by this member).
  template <class PathFn>
  bool visit(const MmNode& n, int depth, PathFn&& path) {
    const uint64_t h = hash_bytes(&n, sizeof n);
    if (!store_.insert(n, h).second) return false;
    out_.info.states++;
    out_.info.deepest = std::max(out_.info.deepest, depth);
    out_.hll.add(h);
    if (uint64_t bits = m_.violations(n))
      for (int c = 0; c < m_.num_checks(); c++)
        if ((bits >> c & 1) && out_.paths[c].empty()) out_.paths[c] = path();
    return true;
  }

  std::vector<MmNode> successors(const MmNode& n) {
    std::vector<MmNode> succ;
    std::vector<std::pair<int, MmNode>> ranked;
    ExpandInfo info = m_.for_each_successor(n, [&](const mm::Event& e, mm::Status, const MmNode& s) {
      if (out_.info.strategy == SwarmStrategy::DfsPermuted)
        ranked.emplace_back(rank_[static_cast<int>(e.kind)], s);
      else
        succ.push_back(s);
    });
    if (info.capacity_reason &&
        std::find(out_.capacity.begin(), out_.capacity.end(), info.capacity_reason) == out_.capacity.end())
      out_.capacity.push_back(info.capacity_reason);
    if (out_.info.strategy == SwarmStrategy::DfsPermuted) {
      std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (auto& [r, s] : ranked) succ.push_back(s);
    } else if (out_.info.strategy == SwarmStrategy::DfsShuffled) {
      shuffle(succ);
    }
    out_.info.transitions += succ.size();
    return succ;
  }

  void dfs() {
    std::vector<Frame> stack;
    auto path_with = [&](const MmNode& last) {
      std::vector<MmNode> p;
      for (const Frame& f : stack) p.push_back(f.node);
      p.push_back(last);
      return p;
    };
    std::vector<MmNode> init = m_.initial();
    if (out_.info.strategy == SwarmStrategy::DfsShuffled) shuffle(init);
    for (const MmNode& i : init) {
      if (full()) break;
      if (!visit(i, 0, [&] { return std::vector<MmNode>{i}; })) continue;
      stack.push_back(Frame{i, out_.info.depth_bound > 0 ? successors(i) : std::vector<MmNode>{}, 0});
      while (!stack.empty() && !full()) {
        Frame& f = stack.back();
        if (f.next == f.succ.size()) {
          stack.pop_back();
          continue;
        }
        const MmNode s = f.succ[f.next++];
        const int depth = static_cast<int>(stack.size());
        if (!visit(s, depth, [&] { return path_with(s); })) continue;
        if (depth < out_.info.depth_bound) stack.push_back(Frame{s, successors(s), 0});
      }
    }
  }

  void walks() {
    const std::vector<MmNode> init = m_.initial();
    // Attempted steps, new or not: a walk that keeps meeting old states
    // stops after four times the state budget.
    const uint64_t max_steps = 4 * o_.member_states;
    uint64_t steps = 0;
    std::vector<MmNode> path;
    while (!full() && steps < max_steps) {
      path.assign(1, init[splitmix64(rng_) % init.size()]);
      visit(path[0], 0, [&] { return path; });
      steps++;
      for (int d = 1; d <= out_.info.depth_bound && !full() && steps < max_steps; d++, steps++) {
        std::vector<MmNode> succ = successors(path.back());
        if (succ.empty()) break;
        path.push_back(succ[splitmix64(rng_) % succ.size()]);
        visit(path.back(), d, [&] { return path; });
      }
    }
  }

  const MmModel& m_;
  const SwarmOptions& o_;
  MemberRun& out_;
  BitstateStore<MmNode> store_;
  uint64_t rng_;
  std::vector<int> rank_;
};

}  // namespace

SwarmResult swarm(const Workload& w, const SwarmOptions& o) {
  if (o.members < 1) throw std::invalid_argument("--swarm needs at least one member");
  // The members' arrays that are alive at once must fit the default
  // memory bound (--max-memory-mb, else half the physical memory, MemAvailable, the cgroup, ulimit -v): a usage
  // error, not a bad_alloc in a worker thread.
  const uint64_t live = static_cast<uint64_t>(std::max(1, std::min(o.threads, o.members)));
  const MemoryBudget budget = memory_budget(o.max_memory_mb.value_or(0), static_cast<int>(live));
  if (o.member_mb == 0 || o.member_mb * live > budget.total_mb)
    throw std::invalid_argument("--swarm: " + std::to_string(live) + " member bitstate arrays of " +
                                std::to_string(o.member_mb) + " MB at once do not fit the memory bound (" +
                                std::to_string(budget.total_mb) + " MB)");
  const auto t0 = std::chrono::steady_clock::now();
  MmModel m(w, o.symmetry, o.dead_state);
  const mm::DisplayNames names{w.proc_names, w.device_names, w.page_names};
  SwarmResult r;
  r.workload = w.name;
  r.config = w.config.name;
  r.symmetry = o.symmetry;
  r.members = o.members;
  r.seed = o.seed;
  r.member_states = o.member_states;
  r.max_depth = o.max_depth.value_or(w.bounds.max_depth);
  r.proc_names = w.proc_names;
  r.device_names = w.device_names;
  r.page_names = w.page_names;
  r.hll_precision = HyperLogLog<>::precision;
  r.hll_standard_error = HyperLogLog<>::standard_error();

  // Each member's strategy, depth bound and stream from (seed, index) alone.
  std::vector<MemberRun> runs(o.members);
  for (int i = 0; i < o.members; i++) {
    uint64_t x = o.seed ^ (0xd1b54a32d192ed03ull * static_cast<uint64_t>(i + 1));
    SwarmMember& info = runs[i].info;
    info.seed = splitmix64(x);
    info.strategy = static_cast<SwarmStrategy>(i % 3);
    // Member 0 searches to the full bound; the others to a bound drawn
    // from [D/4, D]: shallow members cover the near states densely, deep
    // ones reach far.
    const int d = r.max_depth;
    info.depth_bound = i == 0 ? d : d / 4 + static_cast<int>(splitmix64(x) % static_cast<uint64_t>(d - d / 4 + 1));
  }
  {
    WorkerPool pool(std::max(1, std::min(o.threads, o.members)));
    // Progress on stderr only: stdout is the same with and without it.
    std::atomic<int> done{0};
    std::mutex progress_mu;
    auto last = std::chrono::steady_clock::now();
    pool.run(runs.size(), [&](size_t i) {
      MemberSearch(m, o, runs[i]).run();
      const int n = ++done;
      if (!o.progress) return;
      std::lock_guard<std::mutex> lk(progress_mu);
      const auto now = std::chrono::steady_clock::now();
      if (n != o.members && now - last < std::chrono::seconds(1)) return;
      last = now;
      std::fprintf(stderr, "swarm: %d of %d members done, %.1f s\n", n, o.members,
                   std::chrono::duration<double>(now - t0).count());
    });
  }
  r.member_bits = BitstateStore<MmNode>(o.member_mb).bit_count();

  // Combine in member order.
  HyperLogLog<> all;
  for (MemberRun& run : runs) {
    r.member.push_back(run.info);
    r.member_state_sum += run.info.states;
    r.transitions += run.info.transitions;
    all.merge(run.hll);
    for (const char* why : run.capacity) {
      std::string b = std::string("model bound hit: ") + why;
      if (std::find(r.bounds_hit.begin(), r.bounds_hit.end(), b) == r.bounds_hit.end()) r.bounds_hit.push_back(b);
    }
  }
  r.union_estimate = all.estimate();

  // Per check: the shortest path any member found (ties: the lowest member).
  size_t longest = 0;
  for (int c = 0; c < m.num_checks(); c++) {
    const Check& chk = m.checks()[c];
    SwarmFacet f;
    f.invariant = std::string(chk.inv->name);
    f.facet = std::string(chk.inv->facets[chk.facet]);
    for (int i = 0; i < o.members; i++) {
      const auto& p = runs[i].paths[c];
      if (!p.empty() && (f.member < 0 || p.size() - 1 < f.found_steps)) {
        f.member = i;
        f.found_steps = p.size() - 1;
      }
    }
    f.violated = f.member >= 0;
    if (f.violated) longest = std::max(longest, f.found_steps);
    r.verdicts.push_back(std::move(f));
  }

  // Shorten: one bounded BFS up to one step less than the longest trace.
  std::optional<Result> bfs;
  if (longest > 0) {
    Options bo;
    bo.threads = std::max(1, o.threads);  // explore's answer is the same for any thread count
    bo.symmetry = o.symmetry;
    bo.dead_state = o.dead_state;
    bo.max_depth = static_cast<int>(longest) - 1;
    bo.max_states = o.shorten_states;
    bo.graph_cap = 0;
    bo.max_memory_mb = o.max_memory_mb;
    bfs = explore(w, bo);
  }
  for (int c = 0; c < m.num_checks(); c++) {
    SwarmFacet& f = r.verdicts[c];
    if (!f.violated) continue;
    const Check& chk = m.checks()[c];
    if (bfs && bfs->verdicts[c].verdict == Verdict::Violated && bfs->verdicts[c].trace &&
        bfs->verdicts[c].trace->steps.size() < f.found_steps) {
      f.trace = bfs->verdicts[c].trace;
      f.shortened = true;
    } else {
      f.trace = concrete_trace(m, runs[f.member].paths[c], names);
    }
    const mm::State& last = f.trace->steps.empty() ? f.trace->initial : f.trace->steps.back().after;
    f.explanation = chk.inv->explain(last, w.config);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mmc::engine
