// explore --mpi: the breadth-first search of explorer.h spread over the
// ranks of an MPI job.  The only translation unit that includes <mpi.h>.
//
// Partition: a state belongs to the rank its canonical key hashes to
// (xxh3, low 32 bits mod ranks); that rank alone stores it (its own
// CollapseStore or FingerprintStore), with its global id, its parent's
// global id and the parent's rank.
//
// One BFS level, every rank in lockstep:
//   1. expand the owned frontier (in global id order); each successor k of
//      state g becomes a candidate (node, g, k) in the batch of the rank
//      that owns it, encoded without the node's zero bytes (a rank drops
//      its own repeats: the first has the smallest tag);
//   2. MPI_Alltoallv of the batches (in rounds of at most ROUND_BYTES per
//      destination); the owner looks each candidate up in its store and
//      keeps, per new state, the smallest tag (g, k) it was reached by;
//   3. ids: the single-process search numbers new states in the order
//      (parent id, successor index) of their first discovery.  Each new
//      state's tag goes to the rank holding g's block of the level's id
//      range; that rank sorts its block's tags, MPI_Exscan gives the
//      block's offset, and the ids go back.  So ids, parents, traces and
//      verdicts are those of one process;
//   4. MPI_Allreduce of the level's new states and bound flags: the search
//      ends everywhere at once when no rank has a new state (termination
//      detection is this reduction: a level is closed when every batch of
//      it has been received, which the collective guarantees).
// Traces: the parent chain is walked from rank to rank (one MPI_Bcast per
// step), then every rank re-expands along it and the owner of each next id
// broadcasts which successor it is.
#include <mpi.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "checker/engine/collapse_store.h"
#include "checker/engine/explorer.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/memory.h"
#include "checker/engine/mpi/distributed.h"
#include "checker/engine/mpi/store_size.h"
#include "checker/engine/trace.h"
#include "model/describe.h"

namespace mmc::engine {

namespace {

using Node = MmNode;

// A candidate on the wire: the successor's canonical node and its tag.
struct Tag {
  uint32_t g;  // parent's global id
  uint32_t k;  // successor index in the parent's expansion order
  bool operator<(const Tag& o) const { return g != o.g ? g < o.g : k < o.k; }
};
constexpr size_t NODE_BYTES = sizeof(Node);
// At most this many bytes to one destination per MPI_Alltoallv round
// (its counts are ints; a round also bounds the receive buffer).
constexpr size_t ROUND_BYTES = size_t{64} << 20;

// A candidate on the wire: its tag, then the node without its zero bytes
// (a bitmap of the non-zero ones first): a kernel-model node is mostly
// zeros (unused slots, folios, PTEs), so this sends a fraction of it.
constexpr size_t MASK_BYTES = (NODE_BYTES + 7) / 8;
constexpr size_t MAX_WIRE = sizeof(Tag) + MASK_BYTES + NODE_BYTES;

// Eight node bytes at a time: most groups are all zero (fast path).
size_t encode(const Tag& t, const Node& n, uint8_t* out) {
  std::memcpy(out, &t, sizeof t);
  uint8_t* mask = out + sizeof t;
  uint8_t* p = mask + MASK_BYTES;
  const auto* b = reinterpret_cast<const uint8_t*>(&n);
  for (size_t group = 0; group < MASK_BYTES; group++) {
    const size_t at = group * 8, len = std::min<size_t>(8, NODE_BYTES - at);
    uint64_t word = 0;
    std::memcpy(&word, b + at, len);
    uint8_t m = 0;
    if (word != 0)
      for (size_t i = 0; i < len; i++)
        if (b[at + i]) {
          m |= static_cast<uint8_t>(1u << i);
          *p++ = b[at + i];
        }
    mask[group] = m;
  }
  return static_cast<size_t>(p - out);
}

size_t decode(const uint8_t* in, Tag& t, Node& n) {
  std::memcpy(&t, in, sizeof t);
  const uint8_t* mask = in + sizeof t;
  const uint8_t* p = mask + MASK_BYTES;
  auto* b = reinterpret_cast<uint8_t*>(&n);
  for (size_t group = 0; group < MASK_BYTES; group++) {
    const size_t at = group * 8, len = std::min<size_t>(8, NODE_BYTES - at);
    const uint8_t m = mask[group];
    if (m == 0) {
      std::memset(b + at, 0, len);
      continue;
    }
    for (size_t i = 0; i < len; i++) b[at + i] = (m >> i) & 1 ? *p++ : 0;
  }
  return static_cast<size_t>(p - in);
}

// The states of a level in the wire encoding, each with its global id in
// the tag's g: about 80 bytes a state instead of the node's 255 and its id
// (a level is only read front to back).
class PackedLevel {
 public:
  void push(uint32_t gid, const Node& n) {
    const size_t at = bytes_.size();
    bytes_.resize(at + MAX_WIRE);
    bytes_.resize(at + encode(Tag{gid, 0}, n, bytes_.data() + at));
    count_++;
  }
  // A record already encoded (its tag is replaced by the id).
  void push_encoded(uint32_t gid, const uint8_t* rec, size_t len) {
    const size_t at = bytes_.size();
    bytes_.insert(bytes_.end(), rec, rec + len);
    const Tag t{gid, 0};
    std::memcpy(bytes_.data() + at, &t, sizeof t);
    count_++;
  }
  // f(gid, node) for each state, in the order pushed.
  template <class F>
  void each(F&& f) const {
    Node n;
    Tag t;
    for (const uint8_t *p = bytes_.data(), *end = p + bytes_.size(); p < end;) {
      p += decode(p, t, n);
      f(t.g, n);
    }
  }
  size_t size() const { return count_; }
  uint64_t bytes() const { return bytes_.capacity(); }
  void clear() {
    bytes_.clear();
    count_ = 0;
  }
  void swap(PackedLevel& o) {
    bytes_.swap(o.bytes_);
    std::swap(count_, o.count_);
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t count_ = 0;
};

// Variable-length records per destination, in chunks of at most
// ROUND_BYTES (a record never straddles two): chunk r goes in round r.
class Outbox {
 public:
  explicit Outbox(int ranks) : chunks_(ranks) {}
  // Room for a record of at most `max` bytes to `d`; then commit(d, used).
  uint8_t* reserve(int d, size_t max) {
    auto& c = chunks_[d];
    if (c.empty() || c.back().size() + max > ROUND_BYTES) c.emplace_back();
    pending_ = c.back().size();
    c.back().resize(pending_ + max);
    return c.back().data() + pending_;
  }
  // The record's position, for at().
  uint64_t commit(int d, size_t used) {
    auto& c = chunks_[d];
    c.back().resize(pending_ + used);
    return (uint64_t{c.size() - 1} << 32) | pending_;
  }
  const uint8_t* at(int d, uint64_t pos) const { return chunks_[d][pos >> 32].data() + (pos & 0xffffffffu); }
  uint64_t bytes() const {
    uint64_t n = 0;
    for (const auto& c : chunks_)
      for (const auto& b : c) n += b.capacity();
    return n;
  }
  size_t rounds(int d) const { return chunks_[d].size(); }
  const std::vector<uint8_t>& chunk(int d, size_t r) const { return chunks_[d][r]; }
  void release(int d, size_t r) { std::vector<uint8_t>().swap(chunks_[d][r]); }

 private:
  std::vector<std::vector<std::vector<uint8_t>>> chunks_;
  size_t pending_ = 0;
};

struct Comm {
  int rank = 0, size = 1;
};

Comm world() {
  Comm c;
  MPI_Comm_rank(MPI_COMM_WORLD, &c.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c.size);
  return c;
}

int owner_of(uint64_t h, int ranks) { return static_cast<int>((h & 0xffffffffu) % static_cast<uint64_t>(ranks)); }

uint64_t allreduce_sum(uint64_t x) {
  uint64_t r = 0;
  MPI_Allreduce(&x, &r, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return r;
}
uint64_t allreduce_max(uint64_t x) {
  uint64_t r = 0;
  MPI_Allreduce(&x, &r, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  return r;
}
uint64_t allreduce_min(uint64_t x) {
  uint64_t r = 0;
  MPI_Allreduce(&x, &r, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
  return r;
}
bool allreduce_or(bool x) { return allreduce_max(x ? 1 : 0) != 0; }

// Per-destination byte batches exchanged with MPI_Alltoallv in rounds;
// on_recv(src, data, n_records) sees each source's records in order.
class Exchange {
 public:
  explicit Exchange(const Comm& c) : c_(c) {}
  uint64_t bytes_sent = 0;  // to other ranks

  template <class OnRecv>
  void run(const std::vector<std::vector<uint8_t>>& out, size_t record, OnRecv&& on_recv) {
    const size_t per_round = std::max<size_t>(1, ROUND_BYTES / record);
    uint64_t most = 0;
    for (const auto& b : out) most = std::max<uint64_t>(most, b.size() / record);
    const uint64_t rounds = allreduce_max((most + per_round - 1) / per_round);
    std::vector<int> scount(c_.size), sdispl(c_.size), rcount(c_.size), rdispl(c_.size);
    std::vector<uint8_t> sbuf, rbuf;
    for (uint64_t round = 0; round < rounds; round++) {
      sbuf.clear();
      for (int d = 0; d < c_.size; d++) {
        const size_t n = out[d].size() / record;
        const size_t from = std::min<size_t>(n, round * per_round), to = std::min<size_t>(n, from + per_round);
        sdispl[d] = static_cast<int>(sbuf.size());
        scount[d] = static_cast<int>((to - from) * record);
        sbuf.insert(sbuf.end(), out[d].begin() + from * record, out[d].begin() + to * record);
        if (d != c_.rank) bytes_sent += scount[d];
      }
      alltoallv(sbuf, scount, sdispl, rbuf, rcount, rdispl);
      for (int s = 0; s < c_.size; s++) on_recv(s, rbuf.data() + rdispl[s], rcount[s] / record);
    }
  }

  // One round of the exchange: the counts first (MPI_Alltoall), then the
  // bytes (MPI_Alltoallv) into rbuf at rdispl[src].
  void alltoallv(const std::vector<uint8_t>& sbuf, const std::vector<int>& scount, const std::vector<int>& sdispl,
                 std::vector<uint8_t>& rbuf, std::vector<int>& rcount, std::vector<int>& rdispl) {
    MPI_Alltoall(scount.data(), 1, MPI_INT, rcount.data(), 1, MPI_INT, MPI_COMM_WORLD);
    size_t total = 0;
    for (int s = 0; s < c_.size; s++) {
      rdispl[s] = static_cast<int>(total);
      total += rcount[s];
    }
    rbuf.resize(total);
    MPI_Alltoallv(sbuf.data(), scount.data(), sdispl.data(), MPI_BYTE, rbuf.data(), rcount.data(), rdispl.data(),
                  MPI_BYTE, MPI_COMM_WORLD);
  }

  // The same for an Outbox: on_recv(src, data, bytes) once per source and
  // round, whole records only.  A rank's records to itself do not go
  // through MPI (no copies), and each chunk is freed once sent.
  template <class OnRecv>
  void run(Outbox& out, OnRecv&& on_recv) {
    uint64_t most = 0;
    for (int d = 0; d < c_.size; d++) most = std::max<uint64_t>(most, out.rounds(d));
    const uint64_t rounds = allreduce_max(most);
    std::vector<int> scount(c_.size), sdispl(c_.size), rcount(c_.size), rdispl(c_.size);
    std::vector<uint8_t> sbuf, rbuf;
    for (uint64_t round = 0; round < rounds; round++) {
      sbuf.clear();
      for (int d = 0; d < c_.size; d++) {
        sdispl[d] = static_cast<int>(sbuf.size());
        scount[d] = 0;
        if (round < out.rounds(d) && d != c_.rank) {
          const auto& b = out.chunk(d, round);
          sbuf.insert(sbuf.end(), b.begin(), b.end());
          scount[d] = static_cast<int>(b.size());
          out.release(d, round);
          bytes_sent += scount[d];
        }
      }
      alltoallv(sbuf, scount, sdispl, rbuf, rcount, rdispl);
      for (int s = 0; s < c_.size; s++) {
        if (s != c_.rank) {
          on_recv(s, rbuf.data() + rdispl[s], static_cast<size_t>(rcount[s]));
        } else if (round < out.rounds(s)) {
          on_recv(s, out.chunk(s, round).data(), out.chunk(s, round).size());
          out.release(s, round);
        }
      }
    }
  }

 private:
  Comm c_;
};

// Open-addressing set of nodes stored elsewhere (same_(index, node) tells
// whether the node of `index` equals one): index of the equal node, or -1
// after remembering `idx`.
template <class Same>
class NodeSet {
 public:
  explicit NodeSet(Same same) : same_(same) {}
  template <class Probe>
  int64_t find_or_add(const Probe& n, uint64_t h, uint32_t idx) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const uint64_t hi = h >> 32;
    for (size_t i = hi & mask_;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == 0) {
        slots_[i] = (hi << 32) | (uint64_t{idx} + 1);
        count_++;
        return -1;
      }
      const uint32_t j = static_cast<uint32_t>(s) - 1;
      if ((s >> 32) == hi && same_(j, n)) return j;
    }
  }
  void clear() {
    std::vector<uint64_t>().swap(slots_);
    count_ = 0;
  }
  size_t bytes() const { return slots_.capacity() * sizeof(uint64_t); }

 private:
  void grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), 0);
    mask_ = slots_.size() - 1;
    for (uint64_t s : old) {
      if (s == 0) continue;
      size_t i = (s >> 32) & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  Same same_;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0, count_ = 0;
};
template <class Same>
NodeSet<Same> make_node_set(Same same) {
  return NodeSet<Same>(same);
}

// A new state at its owner during a level; its node is the record at
// `at` (of `len` bytes) in the level's arena of received records.
template <class Store>
struct Winner {
  uint64_t at;
  uint32_t len;
  Tag tag;
  uint16_t src;      // the rank that sent the winning tag (owns the parent)
  typename Store::Hint hint;  // what the failed lookup found out, for the insert
  uint32_t gid = 0;  // assigned in step 3
};

std::string allgather_lines(const std::set<std::string>& mine) {
  std::string s;
  for (const std::string& x : mine) s += x + "\n";
  const Comm c = world();
  int n = static_cast<int>(s.size());
  std::vector<int> counts(c.size), displ(c.size);
  MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  int total = 0;
  for (int r = 0; r < c.size; r++) {
    displ[r] = total;
    total += counts[r];
  }
  std::string all(total, '\0');
  MPI_Allgatherv(s.data(), n, MPI_CHAR, all.data(), counts.data(), displ.data(), MPI_CHAR, MPI_COMM_WORLD);
  return all;
}

template <class Store>
class DistSearch {
 public:
  DistSearch(const MmModel& m, Store& store, const SearchLimits& lim) : m_(m), store_(store), lim_(lim), c_(world()), ex_(c_) {}

  // The search; every rank returns the same RawRun (edges/marks only on
  // rank 0, parent empty: the parents stay distributed).
  RawRun run() {
    auto t0 = std::chrono::steady_clock::now();
    run_.first_violation.assign(m_.num_checks(), -1);
    local_first_.assign(m_.num_checks(), UINT64_MAX);
    bfs();
    // Verdicts: the smallest violating id of each check, with its rank.
    std::vector<uint64_t> first(local_first_.size());
    MPI_Allreduce(local_first_.data(), first.data(), static_cast<int>(first.size()), MPI_UINT64_T, MPI_MIN,
                  MPI_COMM_WORLD);
    first_violation_at_ = first;
    for (size_t i = 0; i < first.size(); i++)
      if (first[i] != UINT64_MAX) run_.first_violation[i] = static_cast<int64_t>(first[i] >> 16);
    run_.transitions = allreduce_sum(transitions_);
    run_.userspace_faults = allreduce_sum(faults_);
    const std::string reasons = allgather_lines(capacity_);
    for (size_t at = 0, nl; (nl = reasons.find('\n', at)) != std::string::npos; at = nl + 1)
      run_.capacity_reasons.insert(reasons.substr(at, nl - at));
    run_.states = states_;
    if (run_.edges_kept) gather_graph();
    run_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return std::move(run_);
  }

  // The canonical nodes along the stored path to global id `gid` held by
  // rank `at` (collective).
  std::vector<Node> nodes_on_path(uint32_t gid, int at) {
    std::vector<std::pair<uint32_t, int>> chain;
    for (std::pair<uint32_t, int> x{gid, at};;) {
      chain.push_back(x);
      uint64_t up = 0;
      if (c_.rank == x.second) {
        const uint32_t lid = local_of(x.first);
        up = (uint64_t{parent_[lid]} << 16) | parent_rank_[lid];
      }
      MPI_Bcast(&up, 1, MPI_UINT64_T, x.second, MPI_COMM_WORLD);
      if (static_cast<uint32_t>(up >> 16) == NO_PARENT) break;
      x = {static_cast<uint32_t>(up >> 16), static_cast<int>(up & 0xffff)};
    }
    std::reverse(chain.begin(), chain.end());
    std::vector<Node> out{initial_[chain[0].first]};
    std::vector<Node> succ;
    for (size_t i = 1; i < chain.size(); i++) {
      succ.clear();
      const Node src = out.back();
      m_.expand(src, [&](const Node& s) { succ.push_back(s); });
      int64_t which = -1;
      if (c_.rank == chain[i].second)
        for (size_t j = 0; j < succ.size() && which < 0; j++) {
          const int64_t lid = store_.find(succ[j], hash_bytes(&succ[j], NODE_BYTES));
          if (lid >= 0 && gid_[lid] == chain[i].first) which = static_cast<int64_t>(j);
        }
      MPI_Bcast(&which, 1, MPI_INT64_T, chain[i].second, MPI_COMM_WORLD);
      if (which < 0) throw std::logic_error("mpi: a stored path cannot be re-expanded");
      out.push_back(succ[which]);
    }
    return out;
  }

  // The rank holding global id `gid` (collective).
  int rank_of(uint32_t gid) {
    const auto it = std::lower_bound(gid_.begin(), gid_.end(), gid);
    const uint64_t mine = it != gid_.end() && *it == gid ? c_.rank + 1 : 0;
    return static_cast<int>(allreduce_max(mine)) - 1;
  }
  int rank_of_violation(size_t check) const { return static_cast<int>(first_violation_at_[check] & 0xffff); }

  uint64_t local_bytes() const {
    return store_.bytes() + gid_.capacity() * sizeof(uint32_t) + parent_.capacity() * sizeof(uint32_t) +
           parent_rank_.capacity() * sizeof(uint16_t);
  }
  uint64_t local_states() const { return store_.size(); }
  bool rank_store_full = false;  // the state bound hit was a rank's store capacity
  static uint64_t rank_capacity() {
    if constexpr (std::is_same_v<Store, CollapseStore>) return CollapseStore::MAX_IDS - 1;
    return uint64_t{NO_PARENT} - 1;
  }
  uint64_t initial_states() const { return initial_.size(); }
  uint64_t bytes_sent() const { return ex_.bytes_sent; }
  uint64_t successor_bytes() const { return successor_bytes_; }
  uint64_t successor_records() const { return successor_records_; }
  const std::vector<uint64_t>& level_bytes() const { return level_bytes_; }
  const std::vector<uint64_t>& level_states() const { return level_states_; }
  int levels() const { return static_cast<int>(level_bytes_.size()); }
  uint64_t bytes_sent_total() { return allreduce_sum(ex_.bytes_sent); }
  Exchange& exchange() { return ex_; }

 private:
  uint32_t local_of(uint32_t gid) const {
    return static_cast<uint32_t>(std::lower_bound(gid_.begin(), gid_.end(), gid) - gid_.begin());
  }

  void record_violations(uint32_t gid, uint64_t bits) {
    while (bits) {
      const int b = __builtin_ctzll(bits);
      bits &= bits - 1;
      local_first_[b] = std::min(local_first_[b], (uint64_t{gid} << 16) | static_cast<uint64_t>(c_.rank));
    }
  }

  void store_state(const Node& n, uint64_t h, uint32_t gid, uint32_t parent, uint16_t parent_rank,
                   const typename Store::Hint* hint = nullptr) {
    auto [lid, fresh] = store_.insert(n, h, hint);
    if (!fresh || lid != gid_.size()) throw std::logic_error("mpi: a state stored twice on its rank");
    gid_.push_back(gid);
    parent_.push_back(parent);
    parent_rank_.push_back(parent_rank);
  }

  void store_initial() {
    for (const Node& n : m_.initial()) {
      bool seen = false;
      for (const Node& x : initial_) seen = seen || x == n;
      if (seen) continue;
      const uint32_t gid = static_cast<uint32_t>(initial_.size());
      initial_.push_back(n);
      const uint64_t h = hash_bytes(&n, NODE_BYTES);
      if (owner_of(h, c_.size) != c_.rank) continue;
      store_state(n, h, gid, NO_PARENT, 0);
      cur_.push(gid, n);
    }
    states_ = initial_.size();
  }

  // Step 1: the owned frontier's successors, batched by owner.  A rank
  // sends each distinct successor once per level (its first tag is the
  // smallest); with the graph kept, a repeat is sent as a reference
  // (parent id, index of the first) in `refs`.
  // Returns false when an allocation failed (the batches are then partial:
  // the caller stops the run before exchanging them).
  bool expand_level(Outbox& out, std::vector<std::vector<uint8_t>>& refs) try {
    std::vector<std::vector<uint64_t>> pos(c_.size);  // per destination: where candidate j is in `out`
    // The encoding is a function of the node: repeats are found by
    // comparing encodings (after the tag), without decoding.
    struct Encoded {
      const uint8_t* p;
      size_t len;
    };
    auto same_as = [&](int d) {
      return [&out, &pos, d](uint32_t j, const Encoded& e) {
        return std::memcmp(out.at(d, pos[d][j]) + sizeof(Tag), e.p + sizeof(Tag), e.len - sizeof(Tag)) == 0;
      };
    };
    std::vector<uint8_t> scratch(MAX_WIRE);
    std::vector<decltype(make_node_set(same_as(0)))> seen;
    for (int d = 0; d < c_.size; d++) seen.push_back(make_node_set(same_as(d)));
    cur_.each([&](uint32_t g, const Node& n) {
      if (uint64_t v = m_.violations(n)) record_violations(g, v);
      if (run_.edges_kept) marks_.emplace_back(g, m_.mark(n));
      uint32_t k = 0;
      ExpandInfo info = m_.expand(n, [&](const Node& s) {
        transitions_++;
        const Tag tag{g, k++};
        const uint64_t h = hash_bytes(&s, NODE_BYTES);
        const int d = owner_of(h, c_.size);
        const Encoded e{scratch.data(), encode(tag, s, scratch.data())};
        const int64_t first = seen[d].find_or_add(e, h, static_cast<uint32_t>(pos[d].size()));
        if (first >= 0) {
          if (run_.edges_kept) {
            const uint32_t ref[2] = {g, static_cast<uint32_t>(first)};
            refs[d].insert(refs[d].end(), reinterpret_cast<const uint8_t*>(ref),
                           reinterpret_cast<const uint8_t*>(ref) + sizeof ref);
          }
          return;
        }
        std::memcpy(out.reserve(d, e.len), e.p, e.len);
        pos[d].push_back(out.commit(d, e.len));
        if (d != c_.rank) successor_records_++;
      });
      faults_ += info.userspace_faults;
      if (info.capacity_reason) capacity_.insert(info.capacity_reason);
    });
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }

  // Step 3: global ids for this rank's winners (in the order of
  // (parent id, successor index), as one process hands them out).
  void assign_ids(std::vector<Winner<Store>>& win, uint64_t base, uint64_t n_cur) {
    const uint64_t block = std::max<uint64_t>(1, (n_cur + c_.size - 1) / c_.size);
    std::vector<std::vector<uint8_t>> out(c_.size);
    std::vector<std::vector<uint32_t>> sent(c_.size);
    for (uint32_t wi = 0; wi < win.size(); wi++) {
      const int d = static_cast<int>((win[wi].tag.g - base) / block);
      auto& b = out[d];
      const size_t at = b.size();
      b.resize(at + sizeof(Tag));
      std::memcpy(b.data() + at, &win[wi].tag, sizeof(Tag));
      sent[d].push_back(wi);
    }
    struct Got {
      Tag tag;
      int src;
      uint32_t pos;
    };
    std::vector<Got> got;
    std::vector<uint32_t> from(c_.size, 0);
    ex_.run(out, sizeof(Tag), [&](int src, const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; i++) {
        Got x;
        std::memcpy(&x.tag, p + i * sizeof(Tag), sizeof(Tag));
        x.src = src;
        x.pos = from[src]++;
        got.push_back(x);
      }
    });
    std::sort(got.begin(), got.end(), [](const Got& a, const Got& b) { return a.tag < b.tag; });
    uint64_t mine = got.size(), offset = 0;
    MPI_Exscan(&mine, &offset, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (c_.rank == 0) offset = 0;
    const uint64_t next_base = base + n_cur;
    std::vector<std::vector<uint8_t>> reply(c_.size);
    for (int s = 0; s < c_.size; s++) reply[s].resize(size_t{from[s]} * sizeof(uint32_t));
    for (size_t i = 0; i < got.size(); i++) {
      const uint32_t id = static_cast<uint32_t>(next_base + offset + i);
      std::memcpy(reply[got[i].src].data() + size_t{got[i].pos} * sizeof(uint32_t), &id, sizeof id);
    }
    std::vector<uint32_t> at(c_.size, 0);
    ex_.run(reply, sizeof(uint32_t), [&](int src, const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; i++) std::memcpy(&win[sent[src][at[src]++]].gid, p + i * sizeof(uint32_t), sizeof(uint32_t));
    });
  }

  // `pending`: the bytes of the level's new states not stored yet.
  uint64_t memory_in_use(uint64_t pending) const {
    return local_bytes() + cur_.bytes() + next_.bytes() + pending + edges_.capacity() * sizeof(edges_[0]) +
           marks_.capacity() * sizeof(marks_[0]);
  }

  // Whether this rank is over its memory bound (the bound is per rank):
  // its accounting plus `extra` bytes of level buffers, or its resident
  // size.  Every rank asks at the same points and the answers are
  // or-reduced, so one rank over the bound stops them all in the same
  // level, cleanly (incomplete), instead of one rank failing an
  // allocation while the others wait in a collective.
  bool over_memory(uint64_t pending, uint64_t extra) const {
    return memory_in_use(pending) + extra > lim_.max_memory_bytes ||
           (lim_.max_rss_bytes != 0 && process_rss_bytes() > lim_.max_rss_bytes);
  }

  void bfs() {
    Progress progress(lim_.progress && c_.rank == 0);
    store_initial();
    run_.edges_kept = lim_.edge_cap > 0;
    uint64_t base = 0, n_cur = states_;
    bool stop = false;
    bool stopped_in_level = false;  // the memory bound stopped a level before its new states were stored
    for (int depth = 0; n_cur > 0; depth++) {
      run_.max_depth = depth;
      const bool at_limit = depth >= lim_.max_depth;
      const uint64_t sent_before = ex_.bytes_sent;
      // 1-2: expand, exchange, look up, keep each new state's smallest tag.
      Outbox out(c_.size);
      std::vector<std::vector<uint8_t>> refs(c_.size);
      const bool expanded = expand_level(out, refs);
      uint64_t ref_bytes = 0;
      for (const auto& r : refs) ref_bytes += r.capacity();
      // Before the exchange: a rank out of memory, or over its bound with
      // this level's batches, stops every rank; the level is not stored.
      if (allreduce_or(!expanded || over_memory(0, out.bytes() + ref_bytes))) {
        run_.memory_bound_hit = true;
        stopped_in_level = true;
        break;
      }
      std::vector<Winner<Store>> win;
      std::vector<uint8_t> arena;  // the winners' records, as received
      std::vector<std::pair<uint32_t, uint32_t>> pending_edges;  // (parent gid, winner index)
      // With the graph kept: what each received candidate turned out to be
      // (a stored gid, or -(winner index + 1)), for the references.
      std::vector<std::vector<int64_t>> target(c_.size);
      // The encoding is a function of the node: compare records after their tags.
      struct Received {
        const uint8_t* p;
        size_t len;
      };
      auto winners = make_node_set([&win, &arena](uint32_t j, const Received& r) {
        return win[j].len == r.len &&
               std::memcmp(arena.data() + win[j].at + sizeof(Tag), r.p + sizeof(Tag), r.len - sizeof(Tag)) == 0;
      });
      auto pending_bytes = [&] { return win.capacity() * sizeof(Winner<Store>) + arena.capacity(); };
      const uint64_t sent_cands = ex_.bytes_sent;
      bool out_of_memory = false;  // an allocation failed while receiving: the rounds go on, the rest is dropped
      ex_.run(out, [&](int src, const uint8_t* p, size_t bytes) {
        if (out_of_memory) return;
        try {
        for (const uint8_t* end = p + bytes; p < end;) {
          Node s;
          Tag tag;
          const uint8_t* rec = p;
          p += decode(p, tag, s);
          const Received got{rec, static_cast<size_t>(p - rec)};
          const uint64_t h = hash_bytes(&s, NODE_BYTES);
          typename Store::Hint hint{};
          const int64_t lid = store_.find(s, h, &hint);
          if (lid >= 0) {
            if (run_.edges_kept) {
              edges_.emplace_back(tag.g, gid_[lid]);
              target[src].push_back(gid_[lid]);
            }
            continue;
          }
          int64_t wi = winners.find_or_add(got, h, static_cast<uint32_t>(win.size()));
          if (wi < 0) {
            wi = static_cast<int64_t>(win.size());
            win.push_back(Winner<Store>{arena.size(), static_cast<uint32_t>(got.len), tag, static_cast<uint16_t>(src), hint});
            arena.insert(arena.end(), got.p, got.p + got.len);
          } else if (tag < win[wi].tag) {
            win[wi].tag = tag;
            win[wi].src = static_cast<uint16_t>(src);
          }
          if (run_.edges_kept) {
            pending_edges.emplace_back(tag.g, static_cast<uint32_t>(wi));
            target[src].push_back(-(wi + 1));
          }
        }
        } catch (const std::bad_alloc&) {
          out_of_memory = true;
        }
      });
      if (run_.edges_kept)
        ex_.run(refs, 2 * sizeof(uint32_t), [&](int src, const uint8_t* p, size_t n) {
          if (out_of_memory) return;
          try {
          for (size_t i = 0; i < n; i++) {
            uint32_t ref[2];
            std::memcpy(ref, p + i * sizeof ref, sizeof ref);
            const int64_t t = target[src][ref[1]];
            if (t >= 0) edges_.emplace_back(ref[0], static_cast<uint32_t>(t));
            else pending_edges.emplace_back(ref[0], static_cast<uint32_t>(-t - 1));
          }
          } catch (const std::bad_alloc&) {
            out_of_memory = true;
          }
        });
      successor_bytes_ += ex_.bytes_sent - sent_cands;
      out = Outbox(c_.size);  // the level's batches are done with
      std::vector<std::vector<uint8_t>>(c_.size).swap(refs);
      winners.clear();
      // After the exchange: the level's new states (and storing them) must fit too.
      if (allreduce_or(out_of_memory || over_memory(pending_bytes(), 0))) {
        run_.memory_bound_hit = true;
        stopped_in_level = true;
        break;
      }
      const uint64_t total_new = allreduce_sum(win.size());
      next_.clear();
      uint64_t stored = 0;
      if (at_limit) {
        // A state one step beyond the depth bound exists.
        if (total_new > 0) run_.depth_bound_hit = true;
      } else if (total_new > 0) {
        // 3: ids; 4: store what fits under the state bound.
        assign_ids(win, base, n_cur);
        const uint64_t room = lim_.max_states > states_ ? lim_.max_states - states_ : 0;
        if (total_new > room) {
          run_.state_bound_hit = true;
          stop = true;
        }
        stored = std::min(total_new, room);
        const uint64_t limit_gid = base + n_cur + stored;
        std::vector<uint32_t> order;
        for (uint32_t wi = 0; wi < win.size(); wi++)
          if (win[wi].gid < limit_gid) order.push_back(wi);
        // A rank's exact store holds at most 2^26 states: when one would
        // overflow, no rank stores this level (the stored states stay a
        // prefix in id order) and the run is incomplete.
        if (allreduce_or(store_.size() + order.size() > rank_capacity())) {
          rank_store_full = true;
          run_.state_bound_hit = true;
          stop = true;
          stored = 0;
          order.clear();
        }
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return win[a].gid < win[b].gid; });
        for (uint32_t wi : order) {
          const Winner<Store>& w = win[wi];
          Node n;
          Tag unused;
          decode(arena.data() + w.at, unused, n);
          store_state(n, hash_bytes(&n, NODE_BYTES), w.gid, w.tag.g, w.src, &w.hint);
          next_.push_encoded(w.gid, arena.data() + w.at, w.len);
        }
        if (run_.edges_kept)
          for (auto [g, wi] : pending_edges)
            if (win[wi].gid < base + n_cur + stored) edges_.emplace_back(g, win[wi].gid);
      }
      states_ += stored;
      if (run_.edges_kept && states_ > lim_.edge_cap) {
        run_.edges_kept = false;
        std::vector<std::pair<uint32_t, uint32_t>>().swap(edges_);
        std::vector<std::pair<uint32_t, uint8_t>>().swap(marks_);
      }
      // The memory bound is per rank.
      if (allreduce_or(!stop && over_memory(pending_bytes(), 0)) && !stop) {
        run_.memory_bound_hit = true;
        stop = true;
      }
      level_bytes_.push_back(allreduce_sum(ex_.bytes_sent - sent_before));
      level_states_.push_back(stored);
      progress.tick(states_, depth, stored, allreduce_sum(transitions_));
      base += n_cur;
      n_cur = stored;
      cur_.swap(next_);
      if (stop) break;
    }
    // States stored but never expanded (a bound stopped the run) are still checked.
    cur_.each([&](uint32_t g, const Node& n) {
      if (uint64_t v = m_.violations(n)) record_violations(g, v);
    });
    if (n_cur > 0 && !stopped_in_level) run_.max_depth++;
  }

  // The kept graph's edges and marks, to rank 0 (sorted, unique).
  void gather_graph() {
    auto gather = [&](const void* data, size_t bytes, std::vector<uint8_t>& all) {
      int n = static_cast<int>(bytes);
      std::vector<int> counts(c_.size), displ(c_.size);
      MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
      int total = 0;
      for (int r = 0; r < c_.size; r++) {
        displ[r] = total;
        total += counts[r];
      }
      if (c_.rank == 0) all.resize(total);
      MPI_Gatherv(data, n, MPI_BYTE, all.data(), counts.data(), displ.data(), MPI_BYTE, 0, MPI_COMM_WORLD);
    };
    std::vector<uint8_t> e, mk;
    gather(edges_.data(), edges_.size() * sizeof(edges_[0]), e);
    gather(marks_.data(), marks_.size() * sizeof(marks_[0]), mk);
    if (c_.rank != 0) return;
    run_.edges.resize(e.size() / sizeof(edges_[0]));
    // memcpy from an empty vector's null data() is undefined even for 0
    // bytes (UBSan, mpi_limits: a bound hit before any edge was kept).
    if (!e.empty()) std::memcpy(static_cast<void*>(run_.edges.data()), e.data(), e.size());
    std::sort(run_.edges.begin(), run_.edges.end());
    run_.edges.erase(std::unique(run_.edges.begin(), run_.edges.end()), run_.edges.end());
    std::vector<std::pair<uint32_t, uint8_t>> marks(mk.size() / sizeof(marks_[0]));
    if (!mk.empty()) std::memcpy(static_cast<void*>(marks.data()), mk.data(), mk.size());
    run_.marks.assign(states_, 0);
    for (auto [g, mark] : marks)
      if (g < run_.marks.size()) run_.marks[g] = mark;
  }

  const MmModel& m_;
  Store& store_;
  SearchLimits lim_;
  Comm c_;
  Exchange ex_;
  RawRun run_;
  std::vector<Node> initial_;  // distinct initial nodes: global ids 0..
  // This rank's states by local id: global id (ascending), parent, parent's rank.
  std::vector<uint32_t> gid_, parent_;
  std::vector<uint16_t> parent_rank_;
  PackedLevel cur_, next_;  // the level being expanded, the next one
  std::vector<std::pair<uint32_t, uint32_t>> edges_;
  std::vector<std::pair<uint32_t, uint8_t>> marks_;
  std::vector<uint64_t> local_first_, first_violation_at_;  // (gid << 16) | rank
  std::set<std::string> capacity_;
  uint64_t states_ = 0, transitions_ = 0, faults_ = 0, successor_bytes_ = 0, successor_records_ = 0;
  std::vector<uint64_t> level_bytes_, level_states_;
};

// Distinct parts of N bytes over every rank's store: each part goes to the
// rank its bytes hash to, which counts the distinct ones.
template <size_t N, class Bytes>
uint64_t distinct_parts(Exchange& ex, size_t n, Bytes&& bytes_of) {
  const Comm c = world();
  std::vector<std::vector<uint8_t>> out(c.size);
  for (size_t i = 0; i < n; i++) {
    const auto b = bytes_of(i);
    static_assert(sizeof(b) == N);
    auto& o = out[owner_of(hash_bytes(b.data(), N), c.size)];
    o.insert(o.end(), b.begin(), b.end());
  }
  ComponentTable<N> seen;
  ex.run(out, N, [&](int, const uint8_t* p, size_t k) {
    for (size_t i = 0; i < k; i++) seen.insert(p + i * N);
  });
  return allreduce_sum(seen.size());
}

PartCounts global_part_counts(const CollapseStore& s, Exchange& ex) {
  PartCounts c;
  const auto& procs = s.proc_parts();
  c.procs = distinct_parts<sizeof(mm::Process)>(ex, procs.size(), [&](size_t i) { return procs.item_bytes(i); });
  // A tuple names this rank's process ids: count the tuples of process bytes.
  const auto& tuples = s.tuple_parts();
  c.tuples = distinct_parts<sizeof(mm::Process) * mm::MAX_PROCS>(ex, tuples.size(), [&](size_t i) {
    std::array<uint8_t, sizeof(mm::Process) * mm::MAX_PROCS> b;
    uint32_t ids[mm::MAX_PROCS];
    std::memcpy(ids, tuples.item_bytes(i).data(), sizeof ids);
    for (int p = 0; p < mm::MAX_PROCS; p++)
      std::memcpy(b.data() + p * sizeof(mm::Process), procs.item_bytes(ids[p]).data(), sizeof(mm::Process));
    return b;
  });
  const auto& folios = s.folio_parts();
  c.folios = distinct_parts<sizeof(mm::State::folio)>(ex, folios.size(), [&](size_t i) { return folios.item_bytes(i); });
  const auto& rest = s.rest_parts();
  c.rest = distinct_parts<CollapseStore::REST_BYTES>(ex, rest.size(), [&](size_t i) { return rest.item_bytes(i); });
  return c;
}

template <class Store>
void finish(const MmModel& m, const Workload& w, const Options& opt, DistSearch<Store>& ds, RawRun& run,
            Result& r) {
  const mm::DisplayNames names{w.proc_names, w.device_names, w.page_names};
  add_verdicts(m, w, run,
               [&](uint32_t id, int check) { return ds.nodes_on_path(id, ds.rank_of_violation(check)); }, r);
  r.leak.reason = leak_unavailable(m, run, opt.graph_cap);
  if (r.leak.reason.empty()) {
    int64_t first = -1;
    uint64_t stuck = 0;
    if (mpi_rank() == 0) first = first_stuck_state(run, stuck);
    MPI_Bcast(&first, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
    MPI_Bcast(&stuck, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    r.leak.stuck_states = stuck;
    r.leak.status = first < 0 ? "clean" : "leak";
    if (first >= 0) {
      const uint32_t gid = static_cast<uint32_t>(first);
      r.leak.trace = concrete_trace(m, ds.nodes_on_path(gid, ds.rank_of(gid)), names);
    }
  }
  // Not distributed: the whole small graph for --dot (it needs every
  // state in one store); the traces are in the DOT all the same.
}

std::vector<uint64_t> gather_all(uint64_t x) {
  const Comm c = world();
  std::vector<uint64_t> all(c.size);
  MPI_Allgather(&x, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
  return all;
}

void finalize_at_exit() {
  int done = 0;
  MPI_Finalized(&done);
  if (!done) MPI_Finalize();
}

void ensure_mpi() {
  int up = 0;
  MPI_Initialized(&up);
  if (up) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  std::atexit(finalize_at_exit);
}

template <class Store>
RawRun search(const MmModel& m, const Workload& w, const Options& opt, const SearchLimits& lim, Result& r,
              bool& store_full) {
  Store store;
  DistSearch<Store> ds(m, store, lim);
  RawRun run = ds.run();
  store_full = ds.rank_store_full;
  finish(m, w, opt, ds, run, r);
  const uint64_t parents = parent_array_bytes(run.states, ds.initial_states());
  if constexpr (std::is_same_v<Store, CollapseStore>) {
    run.store_bytes = collapse_store_bytes(run.states, global_part_counts(store, ds.exchange())) + parents;
  } else {
    run.store_bytes = fingerprint_store_bytes(run.states) + parents;
  }
  r.timing.successor_bytes = allreduce_sum(ds.successor_bytes());
  r.timing.successor_records = allreduce_sum(ds.successor_records());
  r.timing.level_bytes = ds.level_bytes();
  r.timing.level_states = ds.level_states();
  r.timing.levels = ds.levels();
  r.timing.rank_states = gather_all(ds.local_states());
  r.timing.rank_store_bytes = gather_all(ds.local_bytes());
  r.timing.bytes_sent = ds.bytes_sent_total();
  return run;
}

}  // namespace

bool mpi_built() { return true; }

bool mpi_ready(std::string& why) {
  // Open MPI's mpirun, PMIx (Open MPI 5, srun --mpi=pmix), PMI-1/2 (MPICH, srun).
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(var)) return true;
  why = "--mpi: not started by an MPI launcher; run `mpirun -np N mmcheck explore|run ... --mpi` (or srun under Slurm), "
        "or drop --mpi for a single-process run";
  return false;
}

void mpi_start() { ensure_mpi(); }

int mpi_rank() {
  int up = 0;
  MPI_Initialized(&up);
  if (!up) return 0;
  int done = 0;
  MPI_Finalized(&done);
  if (done) return 0;
  return world().rank;
}

Result explore_distributed(const Workload& w, const Options& opt) {
  ensure_mpi();
  if (const std::string why = mpi_unsupported(opt); !why.empty()) throw std::invalid_argument(why);
  if (world().size > 0xffff) throw std::invalid_argument("--mpi: at most 65535 ranks");
  MmModel m(w, opt.symmetry, opt.dead_state);  // throws invalid_argument on every rank alike, before any message
  SearchLimits lim;
  lim.threads = 1;
  lim.max_depth = opt.max_depth.value_or(w.bounds.max_depth);
  lim.max_states = opt.max_states.value_or(w.bounds.max_states);
  // Unlike one process, not capped at one exact store's 2^26 states: each
  // rank's store holds a part (a full one ends the run, see bfs()).  Ids
  // are 32-bit, as in one process.
  lim.max_states = std::min<uint64_t>(lim.max_states, uint64_t{NO_PARENT} - 1);
  // per rank; 0 = derived from the machine, as for one process
  const MemoryBudget budget =
      memory_budget(opt.max_memory_mb ? *opt.max_memory_mb : default_memory_mb(w.bounds.max_memory_mb), 1);
  lim.max_memory_bytes = budget.accounted_bytes;
  lim.max_rss_bytes = budget.rss_bytes;
  lim.edge_cap = opt.graph_cap;
  lim.progress = opt.progress;

  Result r;
  r.workload = w.name;
  r.config = w.config.name;
  r.search = "bfs";
  r.symmetry = opt.symmetry;
  r.fingerprint = opt.fingerprint;
  r.proc_names = w.proc_names;
  r.device_names = w.device_names;
  r.page_names = w.page_names;
  RawRun run;
  bool store_full = false;  // the state bound hit was a rank's store capacity
  try {
    run = opt.fingerprint ? search<FingerprintStore<MmNode>>(m, w, opt, lim, r, store_full)
                          : search<CollapseStore>(m, w, opt, lim, r, store_full);
  } catch (const std::exception& e) {
    // One rank cannot go on: end the whole job rather than leave the others
    // waiting in a collective.
    std::fprintf(stderr, "mmcheck: error: rank %d: %s\n", world().rank, e.what());
    MPI_Abort(MPI_COMM_WORLD, 70);
  }
  r.complete = run.complete();
  for (const std::string& why : run.capacity_reasons) r.bounds_hit.push_back("model bound hit: " + why);
  if (run.depth_bound_hit) r.bounds_hit.push_back("depth bound hit: raise --max-depth (now " + std::to_string(lim.max_depth) + ")");
  if (run.state_bound_hit && store_full)
    r.bounds_hit.push_back("state bound hit: a rank's exact store is full (2^26 - 1 states); add ranks or use --fingerprint");
  else if (run.state_bound_hit)
    r.bounds_hit.push_back("state bound hit: raise --max-states (now " + std::to_string(lim.max_states) + ")");
  // The report names the tightest rank's bound and what cut it there (ranks
  // may be given different bounds, or run under different ulimit -v,
  // cgroup or machine limits): raising --max-memory-mb helps only when
  // nothing did.
  const uint64_t least_mb = allreduce_min(budget.total_mb);
  const auto cut = static_cast<BoundCut>(allreduce_max(budget.total_mb == least_mb ? static_cast<uint64_t>(budget.cut) : 0));
  if (run.memory_bound_hit) r.bounds_hit.push_back(bound_hit_text(least_mb, cut, " (per rank)"));
  add_run_stats(run, opt.fingerprint, lim.threads, r);
  r.timing.ranks = world().size;
  r.timing.rank_peak_rss_kb = gather_all(peak_rss_kb());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.timing.rank_cpu_seconds.resize(r.timing.ranks);
  MPI_Allgather(&cpu, 1, MPI_DOUBLE, r.timing.rank_cpu_seconds.data(), 1, MPI_DOUBLE, MPI_COMM_WORLD);
  for (uint64_t kb : r.timing.rank_peak_rss_kb) r.timing.peak_rss_kb = std::max(r.timing.peak_rss_kb, kb);
  return r;
}

}  // namespace mmc::engine
