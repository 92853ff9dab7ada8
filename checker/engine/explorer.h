// The generic search: breadth-first (level-synchronous, parallel,
// deterministic) and depth-first, over any model M providing
//
//   using Node = ...;   // trivially copyable, no padding
//   using Key = ...;    // trivially copyable, no padding: the stored encoding
//   std::vector<Node> initial() const;
//   template <class Emit> ExpandInfo expand(const Node&, Emit&& emit) const;
//                       // emit(const Node& successor) once per transition
//   Key pack(const Node&) const;
//   uint64_t violations(const Node&) const;   // bit i: check i fails here
//   int num_checks() const;
//   uint8_t mark(const Node&) const;          // recorded per state with the graph
//
// States get ids in the order they are stored; BFS stores level by level,
// so a smaller id is never deeper, and the first violating id of a check
// gives a shortest trace.  With N threads a level is expanded in parallel
// into per-chunk buffers, then merged in chunk order by one thread: the
// ids, parents and verdicts do not depend on N.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "checker/engine/partial_order.h"
#include "checker/engine/store.h"

namespace mmc::engine {

// What one expansion found besides its successors.
struct ExpandInfo {
  uint64_t userspace_faults = 0;       // WpFault / Sigsegv outcomes
  const char* capacity_reason = nullptr;  // an event hit a model capacity bound
};

struct SearchLimits {
  bool dfs = false;
  PartialOrder partial_order = PartialOrder::Off;  // On: expand with persistent sets (ReducibleModel)
  int threads = 1;
  int max_depth = 200;
  uint64_t max_states = 20'000'000;
  uint64_t max_memory_bytes = uint64_t{8192} << 20;  // accounted: store, parents, graph, buffers, frontier
  uint64_t max_rss_bytes = 0;  // the process's resident size (0: not checked)
  uint64_t edge_cap = 0;  // keep edges while states <= edge_cap (0: never)
  bool progress = false;
};

inline constexpr uint32_t NO_PARENT = 0xffffffffu;

struct RawRun {
  uint64_t states = 0;
  uint64_t transitions = 0;
  uint64_t userspace_faults = 0;
  uint64_t reduced_expansions = 0;  // states expanded with a persistent set smaller than all
  uint64_t proviso_expansions = 0;  // states expanded fully because of the cycle proviso
  int max_depth = 0;
  bool depth_bound_hit = false;
  bool state_bound_hit = false;
  bool memory_bound_hit = false;
  std::set<std::string> capacity_reasons;
  std::vector<uint32_t> parent;             // by state id
  std::vector<int64_t> first_violation;     // by check: state id or -1
  bool edges_kept = false;
  std::vector<std::pair<uint32_t, uint32_t>> edges;  // sorted, unique (when kept)
  std::vector<uint8_t> marks;                        // by state id (when edges are kept)
  uint64_t store_bytes = 0;
  double seconds = 0;
  double expand_seconds = 0;  // BFS: wall time in the parallel expansion phases
  double merge_seconds = 0;   // BFS: wall time in the merge phases
  double serial_seconds = 0;  // BFS: wall time outside the worker pool's parallel sections
  bool complete() const {
    return !depth_bound_hit && !state_bound_hit && !memory_bound_hit && capacity_reasons.empty();
  }
  std::vector<uint32_t> path_to(uint32_t id) const {
    std::vector<uint32_t> p;
    for (uint32_t x = id; x != NO_PARENT; x = parent[x]) p.push_back(x);
    std::reverse(p.begin(), p.end());
    return p;
  }
};

// A line on stderr every ~2 s.
class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(clock::now()), last_(start_) {}
  void tick(uint64_t states, int depth, uint64_t queue, uint64_t generated) {
    if (!on_) return;
    auto now = clock::now();
    if (now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "explore: %llu states, depth %d, queue %llu, %.0f states/s, %.0f generated/s\n",
                 static_cast<unsigned long long>(states), depth, static_cast<unsigned long long>(queue),
                 states / secs, generated / secs);
  }

 private:
  using clock = std::chrono::steady_clock;
  bool on_;
  clock::time_point start_, last_;
};

// The resident set size of this process (/proc/self/statm), 0 when unknown.
inline uint64_t process_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * 4096ull : 0;
}

// Worker threads that live as long as the search: run(n, fn) calls
// fn(chunk) for every chunk in [0, n), handed out dynamically to the
// caller and the workers, and returns when all are done.  No thread is
// created per level.
class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int t = 1; t < threads; t++) workers_.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& th : workers_) th.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Wall seconds spent inside run() (the parallel sections).
  double parallel_seconds() const { return parallel_seconds_; }

  void run(size_t n, const std::function<void(size_t)>& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    run_all(n, fn);
    parallel_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

 private:
  void run_all(size_t n, const std::function<void(size_t)>& fn) {
    if (workers_.empty() || n <= 1) {
      for (size_t c = 0; c < n; c++) fn(c);
      return;
    }
    {
      std::lock_guard<std::mutex> g(mu_);
      fn_ = &fn;
      n_ = n;
      next_.store(0);
      busy_ = workers_.size();
      generation_++;
    }
    wake_.notify_all();
    drain(fn, n);
    std::unique_lock<std::mutex> g(mu_);
    done_.wait(g, [&] { return busy_ == 0; });
    fn_ = nullptr;
  }

  void drain(const std::function<void(size_t)>& fn, size_t n) {
    for (size_t c; (c = next_.fetch_add(1)) < n;) fn(c);
  }
  void work() {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> g(mu_);
    while (true) {
      wake_.wait(g, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      const auto* fn = fn_;
      const size_t n = n_;
      g.unlock();
      drain(*fn, n);
      g.lock();
      if (--busy_ == 0) done_.notify_one();
    }
  }
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t n_ = 0;
  std::atomic<size_t> next_{0};
  size_t busy_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
  double parallel_seconds_ = 0;
};

// The model interface above, as a concept (emit is any callable taking a
// const Node&).
template <class M>
concept ExplorableModel = requires(const M& m, const typename M::Node& n) {
  typename M::Node;
  typename M::Key;
  requires std::is_trivially_copyable_v<typename M::Node>;
  requires std::is_trivially_copyable_v<typename M::Key>;
  { m.initial() } -> std::same_as<std::vector<typename M::Node>>;
  { m.expand(n, [](const typename M::Node&) {}) } -> std::same_as<ExpandInfo>;
  { m.pack(n) } -> std::convertible_to<typename M::Key>;
  { m.violations(n) } -> std::convertible_to<uint64_t>;
  { m.num_checks() } -> std::convertible_to<int>;
  { m.mark(n) } -> std::convertible_to<uint8_t>;
};

// A model that can choose a persistent set: expand_persistent(n, is_old,
// emit, left_out) emits the successors of the set it chose, in the order
// expand(n) would, as emit(successor), and sets left_out when that is not
// all of them; it chooses no set with a successor for which
// is_old(successor) holds (the cycle proviso).
template <class M>
concept ReducibleModel = ExplorableModel<M> && requires(const M& m, const typename M::Node& n, bool& left_out) {
  {
    m.expand_persistent(n, [](const typename M::Node&) { return false; }, [](const typename M::Node&) {}, left_out)
  } -> std::same_as<ExpandInfo>;
};

template <ExplorableModel M, class Store>
class Explorer {
 public:
  using Node = typename M::Node;
  using Key = typename M::Key;

  Explorer(const M& m, Store& store, const SearchLimits& lim) : m_(m), store_(store), lim_(lim) {}

  RawRun run() {
    auto t0 = std::chrono::steady_clock::now();
    run_.first_violation.assign(m_.num_checks(), -1);
    if (lim_.dfs) dfs();
    else bfs();
    run_.states = store_.size();
    run_.store_bytes = store_.bytes() + run_.parent.capacity() * sizeof(uint32_t);
    if (run_.edges_kept) {
      std::sort(run_.edges.begin(), run_.edges.end());
      run_.edges.erase(std::unique(run_.edges.begin(), run_.edges.end()), run_.edges.end());
    } else {
      run_.edges.clear();
    }
    run_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(run_);
  }

  // The nodes along the stored path to `id` (found again by expanding).
  static std::vector<Node> nodes_on_path(const M& m, const Store& store, const RawRun& run, uint32_t id) {
    std::vector<uint32_t> ids = run.path_to(id);
    std::vector<Node> out;
    for (const Node& n : m.initial()) {
      Key k = m.pack(n);
      if (store.matches(ids[0], k, Store::hash(k))) {
        out.push_back(n);
        break;
      }
    }
    for (size_t i = 1; i < ids.size() && out.size() == i; i++) {
      bool found = false;
      // A copy: the callback appends to `out`, which may move its elements
      // while expand() is still reading the source node.
      const Node src = out.back();
      m.expand(src, [&](const Node& s) {
        if (found) return;
        Key k = m.pack(s);
        if (store.matches(ids[i], k, Store::hash(k))) {
          out.push_back(s);
          found = true;
        }
      });
    }
    return out;
  }

 private:
  // A successor not yet stored, as the level's buffers keep it: when the
  // store's hint is the whole identity (collapse store with every part
  // known, fingerprints) no node is kept; otherwise the node sits in the
  // chunk's `nodes` at `node_ix`.
  static constexpr uint32_t NO_NODE = 0xffffffffu;
  struct Candidate {
    uint32_t src;      // index in the current level
    uint32_t node_ix;  // in Chunk::nodes, or NO_NODE
    uint64_t hash;
    typename Store::Hint hint;
  };
  // The candidates of one chunk, by identity: finds repeats within it.
  struct LocalSet {
    std::vector<uint32_t> slots;  // candidate index + 1; 0 = empty
    static uint64_t hash_of(const Candidate& c, const std::vector<Node>& nodes) {
      return c.node_ix == NO_NODE ? Store::hint_hash(c.hint, c.hash) : hash_bytes(&nodes[c.node_ix], sizeof(Node));
    }
    static bool same(const Candidate& a, const Candidate& b, const std::vector<Node>& nodes) {
      if ((a.node_ix == NO_NODE) != (b.node_ix == NO_NODE)) return false;
      if (a.node_ix == NO_NODE) return Store::hint_equal(a.hint, a.hash, b.hint, b.hash);
      return std::memcmp(&nodes[a.node_ix], &nodes[b.node_ix], sizeof(Node)) == 0;
    }
    // True when `c` (not yet appended) repeats an earlier candidate.
    bool seen(const Candidate& c, const std::vector<Candidate>& cands, const std::vector<Node>& nodes) {
      if ((cands.size() + 1) * 2 > slots.size()) rebuild(cands, nodes, std::max<size_t>(1024, slots.size() * 2));
      const size_t mask = slots.size() - 1;
      for (size_t i = hash_of(c, nodes) & mask;; i = (i + 1) & mask) {
        if (slots[i] == 0) {
          slots[i] = static_cast<uint32_t>(cands.size()) + 1;  // the caller appends c next
          return false;
        }
        if (same(cands[slots[i] - 1], c, nodes)) return true;
      }
    }
    void rebuild(const std::vector<Candidate>& cands, const std::vector<Node>& nodes, size_t size) {
      slots.assign(size, 0);
      const size_t mask = size - 1;
      for (size_t k = 0; k < cands.size(); k++) {
        size_t i = hash_of(cands[k], nodes) & mask;
        while (slots[i] != 0) i = (i + 1) & mask;
        slots[i] = static_cast<uint32_t>(k) + 1;
      }
    }
  };
  struct Chunk {
    std::vector<Candidate> cands;
    std::vector<Node> nodes;                                 // candidates the hint does not stand for
    std::vector<std::pair<uint32_t, uint64_t>> violations;  // (index in level, bits)
    std::vector<std::pair<uint32_t, uint32_t>> edges;       // to states already stored
    std::vector<uint8_t> marks;                              // per expanded state (graph kept)
    std::set<std::string> capacity;
    uint64_t transitions = 0, faults = 0;
    size_t begin = 0, end = 0;  // the chunk's states (indices in the level)
    size_t expanded = 0;        // how many were expanded (all, unless memory ran out)
    LocalSet local;
    std::vector<Node> batch;                      // one node's successors that need their node (batched lookups)
    std::vector<uint32_t> batch_ix;               // per successor: its index in batch, or NO_NODE
    std::vector<Node> por_nodes;                  // one node's successors in its persistent set
    std::vector<uint64_t> por_young;              // hashes the proviso found not old
    uint64_t reduced = 0, proviso = 0;
    std::vector<typename Store::Hint> hints;
    uint64_t bytes() const {
      return cands.capacity() * sizeof(Candidate) + nodes.capacity() * sizeof(Node) +
             local.slots.capacity() * sizeof(uint32_t) + edges.capacity() * sizeof(edges[0]);
    }
  };
  // The store rebuilds a stored node from its id: the BFS frontier is then
  // the id range of the current level and costs no memory.
  // The store can look successors up in three passes (prepare, prefetch,
  // find) so that their cache misses overlap.
  static constexpr bool kBatchLookup = requires(const Store& st, const Key& k, typename Store::Hint& h) {
    st.prepare(k, h);
    st.prefetch_record(h);
    { st.find_prepared(h) } -> std::same_as<int64_t>;
  };
  static constexpr bool kIdFrontier = requires(const Store& st, uint32_t id) {
    { st.node(id) } -> std::same_as<Node>;
  };
  static constexpr size_t CHUNK = 512;
  static constexpr size_t WINDOW = 8;  // chunks expanded before a merge (bounds the buffers)

  // A store that inserts a window's successors in parallel (partitioned by
  // hash, ids in the serial order): CollapseStore::insert_batch.
  static constexpr bool kBatchInsert =
      kIdFrontier && requires(Store& st, const std::vector<typename Store::Hint>& hs, std::vector<uint8_t>& f,
                              typename Store::Hint& h, const Node& n) {
        { st.batch_fits(size_t{1}) } -> std::same_as<bool>;
        st.complete_hint(n, h);
        st.insert_batch(hs, f, [](size_t, const std::function<void(size_t)>&) {});
      };

  // The merge of a window by the store's batched insert: false (nothing
  // done) unless no bound can be reached by it and no table must grow
  // (then the caller merges one by one, stopping where a bound falls).
  bool merge_batch(std::vector<Chunk>& chunks, uint64_t base, uint64_t accounted, WorkerPool& pool) {
    size_t n = 0;
    for (const Chunk& c : chunks) n += c.cands.size();
    if (n == 0 || !store_.batch_fits(n) || store_.size() + n > lim_.max_states || !memory_allows(accounted, n))
      return false;
    batch_hints_.clear();
    for (Chunk& c : chunks)
      for (Candidate& cand : c.cands) {
        if (cand.node_ix != NO_NODE) store_.complete_hint(c.nodes[cand.node_ix], cand.hint);  // interns new parts
        batch_hints_.push_back(cand.hint);
      }
    store_.insert_batch(batch_hints_, batch_fresh_,
                        [&](size_t k, const std::function<void(size_t)>& fn) { pool.run(k, fn); });
    size_t j = 0;
    for (const Chunk& c : chunks)
      for (const Candidate& cand : c.cands)
        if (batch_fresh_[j++]) {
          grow_parents();
          run_.parent.push_back(static_cast<uint32_t>(base + cand.src));
        }
    return true;
  }

  // A quarter more at a time: less slack than doubling.
  void grow_parents() {
    auto& p = run_.parent;
    if (p.size() == p.capacity()) p.reserve(p.capacity() + p.capacity() / 4 + 1024);
  }

  void drop_graph() {
    run_.edges_kept = false;
    std::vector<std::pair<uint32_t, uint32_t>>().swap(run_.edges);
    std::vector<uint8_t>().swap(run_.marks);
  }

  void record_violations(uint32_t id, uint64_t bits) {
    while (bits) {
      int b = __builtin_ctzll(bits);
      bits &= bits - 1;
      if (run_.first_violation[b] < 0) run_.first_violation[b] = id;
    }
  }

  // The successors the search takes from `n`: every one, or with
  // partial-order reduction the persistent set the model chose, which has
  // no successor stored with an id below `old_below` = n's own id (the
  // cycle proviso; the model picks another set or all).  Every state with
  // a smaller id was stored before n was expanded (BFS: earlier levels and
  // n's level, all stored before the level is expanded; DFS: ids are
  // handed out in store order), so the choice does not depend on the
  // windows or threads.  Every cycle of the reduced graph then holds a
  // fully expanded state: the edge into its smallest id comes from a
  // larger id.
  template <class Sink>
  ExpandInfo successors(const Node& n, uint64_t old_below, Chunk& c, Sink&& sink) {
    if constexpr (ReducibleModel<M>) {
      if (lim_.partial_order == PartialOrder::On) {
        c.por_nodes.clear();
        c.por_young.clear();
        bool asked = false;  // the model looked for a set (it asks about old states only then)
        auto is_old = [&](const Node& s) {
          asked = true;
          const Key k = m_.pack(s);
          const uint64_t h = Store::hash(k);
          const int64_t id = store_.find(k, h);
          const bool old = id >= 0 && static_cast<uint64_t>(id) < old_below;
          if (!old) c.por_young.push_back(h);
          return old;
        };
        bool left_out = false;
        ExpandInfo info = m_.expand_persistent(n, is_old, [&](const Node& s) { c.por_nodes.push_back(s); }, left_out);
        // The proviso, checked again here (the engine does not rely on the
        // model for it): every successor kept was answered "not old" (by
        // its hash: a safety net, the model's own test is exact), or is
        // asked now.
        bool broken = false;
        for (size_t j = 0; left_out && j < c.por_nodes.size() && !broken; j++) {
          const uint64_t h = Store::hash(m_.pack(c.por_nodes[j]));
          broken = std::find(c.por_young.begin(), c.por_young.end(), h) == c.por_young.end() && is_old(c.por_nodes[j]);
        }
        if (left_out && !broken) c.reduced++;
        else if (asked) c.proviso++;
        if (broken) return m_.expand(n, sink);  // every successor after all
        for (const Node& s : c.por_nodes) sink(s);
        return info;
      }
    }
    return m_.expand(n, sink);
  }

  void account(const ExpandInfo& info, Chunk& c) {
    c.faults += info.userspace_faults;
    if (info.capacity_reason) c.capacity.insert(info.capacity_reason);
  }

  uint64_t memory_in_use(size_t frontier_nodes) const {
    return store_.bytes() + run_.parent.capacity() * sizeof(uint32_t) + frontier_nodes * sizeof(Node) +
           run_.edges.capacity() * sizeof(run_.edges[0]);
  }

  void store_initial(std::vector<Node>& out) {
    for (const Node& n : m_.initial()) {
      Key k = m_.pack(n);
      auto [id, fresh] = store_.insert(k, Store::hash(k));
      if (!fresh) continue;
      run_.parent.push_back(NO_PARENT);
      out.push_back(n);
    }
  }

  // Whether the next insert, with the growth it may trigger, keeps the
  // accounted memory (store, parents, graph, `extra`) within the bound.
  bool memory_allows(uint64_t extra, size_t margin = 8) const {
    const uint64_t parents = run_.parent.size() + margin >= run_.parent.capacity()
                                 ? (run_.parent.capacity() + run_.parent.capacity() / 4 + 1024) * sizeof(uint32_t)
                                 : 0;
    return memory_in_use(0) + extra + store_.growth_reserve(margin) + parents <= lim_.max_memory_bytes;
  }

  // The process's resident size against the bound (a safety net beside
  // the accounting; read every window).
  bool rss_allows() const { return lim_.max_rss_bytes == 0 || process_rss_bytes() <= lim_.max_rss_bytes; }

  void bfs() {
    const auto t_start = std::chrono::steady_clock::now();
    Progress progress(lim_.progress);
    WorkerPool pool(lim_.threads);
    // The current level: ids [base, base + level); its nodes are kept in
    // `cur` only when the store cannot rebuild them.
    std::vector<Node> cur, next;
    store_initial(cur);
    size_t level = run_.parent.size();
    if constexpr (kIdFrontier) std::vector<Node>().swap(cur);
    run_.edges_kept = lim_.edge_cap > 0;
    uint64_t base = 0;
    bool stop = false;        // no more inserts (state or memory bound)
    bool memory_stop = false;  // and no more expansion
    size_t expanded = 0;       // states of the current level expanded so far
    static const Key kNoKey{};
    for (int depth = 0; level > 0; depth++) {
      run_.max_depth = depth;
      const bool at_limit = depth >= lim_.max_depth;
      const size_t nchunks = (level + CHUNK - 1) / CHUNK;
      const uint64_t level_end = store_.size();
      expanded = 0;
      // A level is expanded and merged a window of chunks at a time, which
      // bounds the buffered successors.  Ids and parents are as if the
      // level were merged at once: a successor that an earlier window
      // stored is found instead of merged again, as the merge would have
      // found it.
      for (size_t w0 = 0; w0 < nchunks && !memory_stop; w0 += WINDOW) {
        const size_t wn = std::min(WINDOW, nchunks - w0);
        auto phase1 = std::chrono::steady_clock::now();
        std::vector<Chunk> chunks(wn);
        std::atomic<bool> out_of_memory{false};
        pool.run(wn, [&](size_t wi) {
          Chunk& c = chunks[wi];
          const size_t ci = w0 + wi;
          const size_t end = std::min(level, (ci + 1) * CHUNK);
          c.begin = ci * CHUNK;
          c.end = end;
          try {
            for (size_t i = ci * CHUNK; i < end; i++) {
              Node held;
              const Node* np;
              if constexpr (kIdFrontier) {
                held = store_.node(static_cast<uint32_t>(base + i));
                np = &held;
              } else {
                np = &cur[i];
              }
              const Node& n = *np;
              if (uint64_t v = m_.violations(n)) c.violations.emplace_back(static_cast<uint32_t>(i), v);
              if (run_.edges_kept) c.marks.push_back(m_.mark(n));
              // One successor, once the store has looked it up.
              auto consider = [&](const Node& s, int64_t id, uint64_t h, const typename Store::Hint& hint) {
                if (id >= 0) {
                  if (run_.edges_kept)
                    c.edges.emplace_back(static_cast<uint32_t>(base + i), static_cast<uint32_t>(id));
                  return;
                }
                Candidate cand{static_cast<uint32_t>(i), NO_NODE, h, hint};
                // Without an id frontier the node is the next level's copy.
                const bool keep_node = !kIdFrontier || !Store::hint_complete(hint);
                if (keep_node) {
                  cand.node_ix = static_cast<uint32_t>(c.nodes.size());
                  c.nodes.push_back(s);
                }
                // A state reached twice from this chunk is merged once: the
                // first occurrence keeps its place, so ids and parents are as
                // without this filter.  (Not with the graph kept: every edge counts.)
                if (!run_.edges_kept && c.local.seen(cand, c.cands, c.nodes)) {
                  if (keep_node) c.nodes.pop_back();
                  return;
                }
                c.cands.push_back(cand);
              };
              ExpandInfo info;
              if constexpr (kBatchLookup) {
                // The successors of a node are looked up together: each
                // one's table slot, then its record, is prefetched before
                // any is compared, so the cache misses overlap.
                // Each successor's parts are resolved as it is made; its
                // node is copied aside only when the hint cannot stand for
                // it (a new part, or a store without an id frontier).
                c.batch.clear();
                c.hints.clear();
                c.batch_ix.clear();
                info = successors(n, base + i, c, [&](const Node& s) {
                  typename Store::Hint& h = c.hints.emplace_back();
                  store_.prepare(m_.pack(s), h);
                  if (!kIdFrontier || !Store::hint_complete(h)) {
                    c.batch_ix.push_back(static_cast<uint32_t>(c.batch.size()));
                    c.batch.push_back(s);
                  } else {
                    c.batch_ix.push_back(NO_NODE);
                  }
                });
                const size_t nb = c.hints.size();
                c.transitions += nb;
                for (size_t j = 0; j < nb; j++) store_.prefetch_record(c.hints[j]);
                static const Node kNoNode{};
                for (size_t j = 0; j < nb; j++)
                  consider(c.batch_ix[j] == NO_NODE ? kNoNode : c.batch[c.batch_ix[j]], store_.find_prepared(c.hints[j]),
                           0, c.hints[j]);
              } else {
                info = successors(n, base + i, c, [&](const Node& s) {
                  c.transitions++;
                  Key k = m_.pack(s);
                  const uint64_t h = Store::hash(k);
                  typename Store::Hint hint{};
                  const int64_t id = store_.find(k, h, &hint);
                  consider(s, id, h, hint);
                });
              }
              account(info, c);
              c.expanded = i + 1 - ci * CHUNK;
            }
          } catch (const std::bad_alloc&) {
            out_of_memory = true;  // this chunk's successors so far are still merged
          }
        });
        // Merge in chunk order: the only place ids are handed out.
        auto phase2 = std::chrono::steady_clock::now();
        size_t prefix_end = expanded;
        uint64_t pending = 0;  // bytes buffered by this window (they count against the memory bound)
        for (const Chunk& c : chunks) pending += c.bytes();
        const uint64_t frontier = (cur.capacity() + next.capacity()) * sizeof(Node);
        if (out_of_memory || !rss_allows() || !memory_allows(pending + frontier)) memory_stop = stop = true;
        try {
          // The window's successors inserted at once, in parallel, when the
          // store can (the same ids as one by one); else one by one below.
          bool batched = false;
          if constexpr (kBatchInsert)
            batched = !stop && !at_limit && !run_.edges_kept && merge_batch(chunks, base, pending + frontier, pool);
          for (Chunk& c : chunks) {
            for (auto [i, bits] : c.violations) record_violations(static_cast<uint32_t>(base + i), bits);
            if (expanded == prefix_end) expanded += c.expanded;  // a prefix of the level, in id order
            prefix_end += c.end - c.begin;
            run_.transitions += c.transitions;
            run_.userspace_faults += c.faults;
            run_.reduced_expansions += c.reduced;
            run_.proviso_expansions += c.proviso;
            run_.capacity_reasons.insert(c.capacity.begin(), c.capacity.end());
            if (run_.edges_kept) {
              run_.edges.insert(run_.edges.end(), c.edges.begin(), c.edges.end());
              run_.marks.insert(run_.marks.end(), c.marks.begin(), c.marks.end());
            }
            if (stop || batched) continue;
            for (const Candidate& cand : c.cands) {
              if (at_limit) {  // a state one step beyond the depth bound exists
                run_.depth_bound_hit = true;
                break;
              }
              if (store_.size() >= lim_.max_states) {
                run_.state_bound_hit = true;
                stop = true;
                break;
              }
              if (!memory_allows(pending + frontier + (next.size() == next.capacity() ? next.capacity() * sizeof(Node) : 0))) {
                memory_stop = stop = true;
                break;
              }
              const Key& k = cand.node_ix == NO_NODE ? kNoKey : m_.pack(c.nodes[cand.node_ix]);
              auto [id, fresh] = store_.insert(k, cand.hash, &cand.hint);
              if (fresh) {
                grow_parents();
                run_.parent.push_back(static_cast<uint32_t>(base + cand.src));
                if constexpr (!kIdFrontier) next.push_back(c.nodes[cand.node_ix]);
              }
              if (run_.edges_kept) run_.edges.emplace_back(static_cast<uint32_t>(base + cand.src), id);
            }
            std::vector<Candidate>().swap(c.cands);
            std::vector<Node>().swap(c.nodes);
            std::vector<uint32_t>().swap(c.local.slots);
          }
        } catch (const std::bad_alloc&) {
          // Only reached when the accounting missed an allocation: every
          // state stored so far is real, the run is incomplete.
          memory_stop = stop = true;
        }
        if (memory_stop) run_.memory_bound_hit = true;
        if (run_.edges_kept && store_.size() > lim_.edge_cap) drop_graph();
        progress.tick(store_.size(), depth, store_.size() - level_end, run_.transitions);
        expand_seconds_ += std::chrono::duration<double>(phase2 - phase1).count();
        merge_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - phase2).count();
      }
      if (memory_stop) break;
      base += level;
      level = store_.size() - level_end;
      cur.swap(next);
      next.clear();
      if (stop) break;
    }
    // States stored but never expanded (a bound stopped the run) are still
    // checked: the rest of the current level (after a memory stop), then
    // the next.
    const size_t from = memory_stop ? expanded : 0;
    const uint64_t unexpanded_base = base + from;
    for (uint64_t id = unexpanded_base; id < store_.size(); id++) {
      uint64_t v;
      if constexpr (kIdFrontier) {
        v = m_.violations(store_.node(static_cast<uint32_t>(id)));
      } else {
        const uint64_t i = id - base;  // into cur, then next
        v = m_.violations(i < cur.size() ? cur[i] : next[i - cur.size()]);
      }
      if (v) record_violations(static_cast<uint32_t>(id), v);
    }
    if (store_.size() > unexpanded_base && !memory_stop) run_.max_depth++;
    if (memory_stop && store_.size() > base + level) run_.max_depth++;
    run_.expand_seconds = expand_seconds_;
    run_.merge_seconds = merge_seconds_;
    run_.serial_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() - pool.parallel_seconds();
  }

  void dfs() {
    struct Item {
      Node node;
      uint32_t id;
      int depth;
    };
    Progress progress(lim_.progress);
    std::vector<Node> init;
    store_initial(init);
    run_.edges_kept = lim_.edge_cap > 0;
    std::vector<Item> stack;
    for (size_t i = init.size(); i-- > 0;) stack.push_back(Item{init[i], static_cast<uint32_t>(i), 0});
    Chunk c;  // accounting only
    std::vector<Item> children;
    uint64_t pops = 0;
    try {
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      run_.max_depth = std::max(run_.max_depth, it.depth);
      if (uint64_t v = m_.violations(it.node)) record_violations(it.id, v);
      if (run_.edges_kept) {
        if (run_.marks.size() <= it.id) run_.marks.resize(it.id + 1);
        run_.marks[it.id] = m_.mark(it.node);
      }
      const bool at_limit = it.depth >= lim_.max_depth;
      bool stop = false;
      children.clear();
      ExpandInfo info = successors(it.node, it.id, c, [&](const Node& s) {
        if (stop) return;
        c.transitions++;
        Key k = m_.pack(s);
        const uint64_t h = Store::hash(k);
        if (at_limit) {
          if (store_.find(k, h) < 0) run_.depth_bound_hit = true;
          return;
        }
        if (store_.find(k, h) < 0 && store_.size() >= lim_.max_states) {
          run_.state_bound_hit = stop = true;
          return;
        }
        auto [id, fresh] = store_.insert(k, h);
        if (run_.edges_kept) run_.edges.emplace_back(it.id, id);
        if (fresh) {
          grow_parents();
          run_.parent.push_back(it.id);
          children.push_back(Item{s, id, it.depth + 1});
        }
      });
      account(info, c);
      // Push in reverse so the first successor is explored first.
      for (size_t i = children.size(); i-- > 0;) stack.push_back(children[i]);
      if (run_.edges_kept && store_.size() > lim_.edge_cap) drop_graph();
      if (stop) break;
      if ((++pops & 0xff) == 0 &&
          (!memory_allows(2 * stack.capacity() * sizeof(Item), 4096) || !rss_allows())) {
        run_.memory_bound_hit = true;
        break;
      }
      progress.tick(store_.size(), it.depth, stack.size(), c.transitions);
    }
    } catch (const std::bad_alloc&) {
      run_.memory_bound_hit = true;  // the accounting missed an allocation: stop, incomplete
    }
    // Stored but never expanded: still checked.
    for (const Item& it : stack)
      if (uint64_t v = m_.violations(it.node)) record_violations(it.id, v);
    run_.transitions = c.transitions;
    run_.userspace_faults = c.faults;
    run_.reduced_expansions = c.reduced;
    run_.proviso_expansions = c.proviso;
    run_.capacity_reasons = c.capacity;
  }

  double expand_seconds_ = 0, merge_seconds_ = 0;
  std::vector<typename Store::Hint> batch_hints_;  // merge_batch's buffers, reused
  std::vector<uint8_t> batch_fresh_;
  const M& m_;
  Store& store_;
  SearchLimits lim_;
  RawRun run_;
};

}  // namespace mmc::engine
