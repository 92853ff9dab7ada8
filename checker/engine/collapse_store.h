// The exact visited store for kernel-model nodes, compressed by interning
// the parts of a state (SPIN's "collapse" compression): each process
// record, the tuple of process ids, the folio table and the rest (swap
// devices, inodes, event counters) are stored once in small component
// tables; a state is the 12-byte record (process-tuple id, folios id, rest
// id).  Exact: two states get one id only when all their bytes are equal.
// The state table's slots are 4 bytes: a 6-bit hash tag and a 26-bit id.
#pragma once
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "checker/engine/huge_pages.h"
#include "checker/engine/mm_model.h"
#include "checker/engine/store.h"

namespace mmc::engine {

// Distinct fixed-size byte strings, each with a dense id.
template <size_t N>
class ComponentTable {
 public:
  using Bytes = std::array<uint8_t, N>;
  ComponentTable() : table_(1024, 0), mask_(1023) {}

  int64_t find(const void* p) const {
    const uint64_t h = hash_bytes(p, N);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = table_[i];
      if (slot == 0) return -1;
      const uint32_t id = static_cast<uint32_t>(slot) - 1;
      if (static_cast<uint32_t>(slot >> 32) == tag && std::memcmp(items_[id].data(), p, N) == 0) return id;
    }
  }
  uint32_t insert(const void* p) {
    if ((items_.size() + 1) * 2 > table_.size()) grow();
    const uint64_t h = hash_bytes(p, N);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const uint64_t slot = table_[i];
      if (slot == 0) break;
      const uint32_t id = static_cast<uint32_t>(slot) - 1;
      if (static_cast<uint32_t>(slot >> 32) == tag && std::memcmp(items_[id].data(), p, N) == 0) return id;
    }
    const uint32_t id = static_cast<uint32_t>(items_.size());
    Bytes b;
    std::memcpy(b.data(), p, N);
    items_.push_back(b);
    table_[i] = (uint64_t{tag} << 32) | (uint64_t{id} + 1);
    return id;
  }
  size_t size() const { return items_.size(); }
  const uint8_t* item(uint32_t id) const { return items_[id].data(); }
  const Bytes& item_bytes(uint32_t id) const { return items_[id]; }
  uint64_t bytes() const { return table_.size() * sizeof(uint64_t) + items_.capacity() * N; }
  uint64_t growth_reserve(size_t margin) const {
    return vector_growth(items_, margin) + table_growth(items_.size(), table_.size(), margin, 1, 2, sizeof(uint64_t));
  }

 private:
  void grow() {
    const size_t slots = table_.size() * 2;
    table_ = build_id_index<decltype(table_)>(slots, static_cast<uint32_t>(items_.size()),
                                              [this](uint32_t id) { return hash_bytes(items_[id].data(), N); });
    mask_ = slots - 1;
  }
  // Huge pages when big (the process-id tuples: millions of them).
  std::vector<Bytes, HugePageAllocator<Bytes>> items_;
  std::vector<uint64_t, HugePageAllocator<uint64_t>> table_;
  size_t mask_;
};

class CollapseStore {
 public:
  static constexpr uint32_t MAX_IDS = (1u << 26) - 1;
  static constexpr int record_bytes = 12;
  static uint64_t hash(const MmNode&) { return 0; }  // the store hashes the parts itself

  CollapseStore() : slots_(1u << 12, 0), mask_((1u << 12) - 1), serial_(next_serial()) {}

  uint64_t size() const { return records_.size(); }

  struct Record {
    uint32_t tuple, folios, rest;
  };
  // A failed find whose parts were all known passes the record on, so the
  // (serial) insert need not resolve the parts again.
  struct Hint {
    Record r{};
    uint64_t h = 0;
    bool known = false;
  };

  // Batched lookups (the engine's three passes over one node's
  // successors): resolve the parts and prefetch the first slot; then find
  // the first slot with a matching tag and prefetch its record; then
  // compare.  Same answers as find().
  void prepare(const MmNode& n, Hint& hint) const {
    hint = Hint{};
    if (!lookup(n, hint.r)) return;
    hint.h = record_hash(hint.r);
    hint.known = true;
    __builtin_prefetch(&slots_[hint.h & mask_]);
  }
  void prefetch_record(Hint& hint) const {
    if (!hint.known) return;
    const uint32_t tag = tag_of(hint.h);
    for (size_t i = hint.h & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return;
      if ((slot & ~MAX_IDS) != tag) continue;
      __builtin_prefetch(&records_[(slot & MAX_IDS) - 1]);
      return;
    }
  }
  int64_t find_prepared(const Hint& hint) const { return hint.known ? find_record(hint.r, hint.h) : -1; }

  int64_t find(const MmNode& n, uint64_t = 0, Hint* hint = nullptr) const {
    Record r;
    if (!lookup(n, r)) return -1;
    const uint64_t h = record_hash(r);
    const int64_t id = find_record(r, h);
    if (id < 0 && hint) *hint = Hint{r, h, true};
    return id;
  }

  std::pair<uint32_t, bool> insert(const MmNode& n, uint64_t = 0, const Hint* hint = nullptr) {
    Record r;
    uint64_t h;
    if (hint && hint->known) {
      r = hint->r;
      h = hint->h;
    } else {
      parts<true>(n, r);
      h = record_hash(r);
    }
    int64_t id = find_record(r, h);
    if (id >= 0) return {static_cast<uint32_t>(id), false};
    if (records_.size() >= MAX_IDS) throw std::length_error("more than 2^26 states in the exact store");
    if ((records_.size() + 1) * 4 > slots_.size() * 3) grow();
    const uint32_t nid = static_cast<uint32_t>(records_.size());
    reserve_one();
    records_.push_back(r);
    place(nid, h);
    return {nid, true};
  }

  bool matches(uint32_t id, const MmNode& n, uint64_t = 0) const { return find(n) == int64_t{id}; }

  // ---- Batched insertion (the BFS merge, in parallel) ----------------
  // Inserts a window's successors at once: `hints[i]` complete, each
  // absent from the store when the batch starts (the workers' lookups ran
  // after the last insert); equal hints may repeat.  `fresh[i]` is set
  // when hint i is the first of its kind, and fresh hints get ids
  // size(), size()+1, ... in index order: exactly the ids inserting them
  // one by one gives.  The slot table is cut into PARTITIONS ranges;
  // `run(P, fn)` calls fn(k) for every k < P (on worker threads), and
  // partition k places the hints whose home slot is in range k, in index
  // order, writing only inside its range (a probe that would leave it is
  // deferred to a serial pass).  Equal hints have one home, so the first
  // of them is found by the later ones.  While the batch runs, a placed
  // slot names `size() + i` (i: the hint's index), an id not given yet;
  // the ids are then handed out in index order and written back.  Which
  // thread runs which range does not matter: the ids and the table are the
  // same for any thread count.
  static constexpr size_t PARTITIONS = 64;

  // Whether a batch of n needs no table growth (else the caller merges one
  // by one, so that tables grow exactly when they would have).
  bool batch_fits(size_t n) const {
    return (records_.size() + n) * 4 <= slots_.size() * 3 && records_.size() + 2 * n < MAX_IDS;
  }

  // Makes `hint` complete for `n` by interning its parts (serial).
  void complete_hint(const MmNode& n, Hint& hint) {
    parts<true>(n, hint.r);
    hint.h = record_hash(hint.r);
    hint.known = true;
  }

  template <class Run>
  void insert_batch(const std::vector<Hint>& hints, std::vector<uint8_t>& fresh, Run&& run) {
    const size_t n = hints.size();
    const uint32_t base = static_cast<uint32_t>(records_.size());
    fresh.assign(n, 0);
    // Each hint's partition, as lists in index order (a counting sort).
    const int shift = std::countr_zero(slots_.size()) - std::countr_zero(PARTITIONS);
    std::vector<uint32_t> start(PARTITIONS + 1, 0), order(n);
    for (const Hint& h : hints) start[((h.h & mask_) >> shift) + 1]++;
    for (size_t k = 0; k < PARTITIONS; k++) start[k + 1] += start[k];
    {
      std::vector<uint32_t> at(start.begin(), start.end() - 1);
      for (uint32_t i = 0; i < n; i++) order[at[(hints[i].h & mask_) >> shift]++] = i;
    }
    // The record a slot names: stored, or a hint of this batch.
    auto record_of = [&](uint32_t id) -> const Record& { return id < base ? records_[id] : hints[id - base].r; };
    enum : uint8_t { PLACED = 1, DEFERRED = 2 };
    std::vector<uint8_t> status(n, 0);
    std::vector<uint32_t> slot_of(n, 0), id_of;
    // Phase 1, per partition: place, or find an equal earlier hint, or defer.
    run(PARTITIONS, [&](size_t k) {
      const size_t end = (k + 1) << shift;
      for (uint32_t j = start[k]; j < start[k + 1]; j++) {
        const uint32_t i = order[j];
        const Hint& h = hints[i];
        const uint32_t tag = tag_of(h.h);
        size_t x = h.h & mask_;
        bool equal = false;
        for (; x < end; x++) {
          const uint32_t slot = slots_[x];
          if (slot == 0) break;
          if ((slot & ~MAX_IDS) == tag && std::memcmp(&record_of((slot & MAX_IDS) - 1), &h.r, sizeof h.r) == 0) {
            equal = true;
            break;
          }
        }
        if (equal) continue;  // an equal hint came first
        if (x == end) {
          status[i] = DEFERRED;
          continue;
        }
        slots_[x] = tag | (base + i + 1);
        slot_of[i] = static_cast<uint32_t>(x);
        status[i] = PLACED;
      }
    });
    // Phase 2, serial, in index order: the deferred hints are placed (or
    // found equal to an earlier one), then the ids handed out.
    for (uint32_t i = 0; i < n; i++) {
      if (status[i] != DEFERRED) continue;
      const Hint& h = hints[i];
      const uint32_t tag = tag_of(h.h);
      size_t x = h.h & mask_;
      bool equal = false;
      for (;; x = (x + 1) & mask_) {
        const uint32_t slot = slots_[x];
        if (slot == 0) break;
        if ((slot & ~MAX_IDS) == tag && std::memcmp(&record_of((slot & MAX_IDS) - 1), &h.r, sizeof h.r) == 0) {
          equal = true;
          break;
        }
      }
      if (equal) {
        status[i] = 0;
        continue;
      }
      slots_[x] = tag | (base + i + 1);
      slot_of[i] = static_cast<uint32_t>(x);
      status[i] = PLACED;
    }
    uint32_t next = base;
    try {
      std::vector<uint32_t> ids(n, 0);
      for (uint32_t i = 0; i < n; i++)
        if (status[i] == PLACED) ids[i] = next++;
      while (records_.capacity() < next) records_.reserve(records_.capacity() + records_.capacity() / 4 + 1024);
      records_.resize(next);
      id_of.swap(ids);
    } catch (const std::bad_alloc&) {
      // The store as before the batch: its placeholders out again (all
      // placed after every stored record, so no probe chain needs them).
      for (uint32_t i = 0; i < n; i++)
        if (status[i] == PLACED) slots_[slot_of[i]] = 0;
      throw;
    }
    for (uint32_t i = 0; i < n; i++) fresh[i] = status[i] == PLACED;
    // Phase 3, per partition: the placed slots get their ids, the ids
    // their records.
    run(PARTITIONS, [&](size_t k) {
      for (uint32_t j = start[k]; j < start[k + 1]; j++) {
        const uint32_t i = order[j];
        if (status[i] != PLACED) continue;
        slots_[slot_of[i]] = tag_of(hints[i].h) | (id_of[i] + 1);
        records_[id_of[i]] = hints[i].r;
      }
    });
  }

  // A hint whose parts were all known is the whole identity: insert needs
  // no node, so the engine's per-level buffers keep 24 bytes, not a node.
  static bool hint_complete(const Hint& h) { return h.known; }
  static bool hint_equal(const Hint& a, uint64_t, const Hint& b, uint64_t) {
    return std::memcmp(&a.r, &b.r, sizeof a.r) == 0;
  }
  static uint64_t hint_hash(const Hint& h, uint64_t) { return h.h; }

  // The node stored as `id`, rebuilt from its parts: the BFS frontier is a
  // range of ids, not a copy of each node.  Safe from several threads while
  // no insert runs.
  // The rebuilt node's parts, with their ids, become this thread's
  // "parent" entries of the part cache: the node is about to be expanded,
  // and most parts of each successor are the parent's.
  MmNode node(uint32_t id) const {
    MmNode n;
    const Record& r = records_[id];
    uint32_t p[mm::MAX_PROCS];
    std::memcpy(p, tuples_.item(r.tuple), sizeof p);
    for (int i = 0; i < mm::MAX_PROCS; i++) std::memcpy(&n.s.proc[i], procs_.item(p[i]), sizeof(mm::Process));
    std::memcpy(&n.s.folio, folios_.item(r.folios), sizeof n.s.folio);
    const uint8_t* rest = rest_.item(r.rest);
    std::memcpy(&n.s.swap, rest, sizeof n.s.swap);
    std::memcpy(&n.s.inode, rest + sizeof n.s.swap, sizeof n.s.inode);
    std::memcpy(&n.s.pipe, rest + sizeof n.s.swap + sizeof n.s.inode, sizeof n.s.pipe);
    std::memcpy(n.used, rest + sizeof n.s.swap + sizeof n.s.inode + sizeof n.s.pipe, sizeof n.used);
    PartCache& c = cache();
    for (int i = 0; i < mm::MAX_PROCS; i++) {
      c.par_proc[i] = n.s.proc[i];
      c.par_proc_id[i] = p[i];
    }
    std::memcpy(c.par_tuple, p, sizeof p);
    c.par_tuple_id = r.tuple;
    c.par_folio = n.s.folio;
    c.par_folio_id = r.folios;
    std::memcpy(c.par_rest.data(), rest, REST);
    c.par_rest_id = r.rest;
    c.par_ok = true;
    return n;
  }

  // What the next `margin` inserts may allocate on top of bytes(): the
  // engine stops before an insert that would pass its memory bound.
  uint64_t growth_reserve(size_t margin) const {
    const uint64_t records = records_.size() + margin >= records_.capacity()
                                 ? (records_.capacity() + records_.capacity() / 4 + 1024) * sizeof(Record)
                                 : 0;
    // Each insert adds at most MAX_PROCS + 3 parts.
    const size_t parts = margin * (mm::MAX_PROCS + 3);
    return records + table_growth(records_.size(), slots_.size(), margin, 3, 4, sizeof(uint32_t)) +
           procs_.growth_reserve(parts) + tuples_.growth_reserve(parts) + folios_.growth_reserve(parts) +
           rest_.growth_reserve(parts);
  }
  // The interned parts (a distributed run counts the distinct ones over
  // every rank's store: checker/engine/mpi/).
  const ComponentTable<sizeof(mm::Process)>& proc_parts() const { return procs_; }
  const ComponentTable<sizeof(uint32_t) * mm::MAX_PROCS>& tuple_parts() const { return tuples_; }
  const ComponentTable<sizeof(mm::State::folio)>& folio_parts() const { return folios_; }
  static constexpr size_t REST_BYTES =
      sizeof(mm::State::swap) + sizeof(mm::State::inode) + sizeof(mm::State::pipe) + sizeof(MmNode::used);
  const ComponentTable<REST_BYTES>& rest_parts() const { return rest_; }

  uint64_t bytes() const {
    return slots_.size() * sizeof(uint32_t) + records_.capacity() * sizeof(Record) + procs_.bytes() +
           tuples_.bytes() + folios_.bytes() + rest_.bytes();
  }

 private:
  static constexpr size_t REST =
      sizeof(mm::State::swap) + sizeof(mm::State::inode) + sizeof(mm::State::pipe) + sizeof(MmNode::used);
  static_assert(sizeof(mm::State) == sizeof(mm::State::proc) + sizeof(mm::State::folio) + sizeof(mm::State::swap) +
                                          sizeof(mm::State::inode) + sizeof(mm::State::pipe));

  static std::array<uint8_t, REST> rest_bytes(const MmNode& n) {
    std::array<uint8_t, REST> b;
    std::memcpy(b.data(), &n.s.swap, sizeof n.s.swap);
    std::memcpy(b.data() + sizeof n.s.swap, &n.s.inode, sizeof n.s.inode);
    std::memcpy(b.data() + sizeof n.s.swap + sizeof n.s.inode, &n.s.pipe, sizeof n.s.pipe);
    std::memcpy(b.data() + sizeof n.s.swap + sizeof n.s.inode + sizeof n.s.pipe, n.used, sizeof n.used);
    return b;
  }

  // Successors of one node share most parts with each other, so each
  // thread remembers the last bytes it resolved per part.  Ids never change
  // once given, so a remembered (bytes, id) pair stays true for this store.
  struct PartCache {
    uint64_t serial = 0;
    mm::Process proc[mm::MAX_PROCS];
    uint32_t proc_id[mm::MAX_PROCS];
    bool proc_ok[mm::MAX_PROCS] = {};
    uint32_t tuple[mm::MAX_PROCS];
    uint32_t tuple_id = 0;
    bool tuple_ok = false;
    decltype(mm::State::folio) folio;
    uint32_t folio_id = 0;
    bool folio_ok = false;
    std::array<uint8_t, REST> rest;
    uint32_t rest_id = 0;
    bool rest_ok = false;
    // The parts of the node last rebuilt by node() (the parent of the
    // successors being resolved), checked before the last-resolved ones.
    mm::Process par_proc[mm::MAX_PROCS];
    uint32_t par_proc_id[mm::MAX_PROCS];
    uint32_t par_tuple[mm::MAX_PROCS];
    uint32_t par_tuple_id = 0;
    decltype(mm::State::folio) par_folio;
    uint32_t par_folio_id = 0;
    std::array<uint8_t, REST> par_rest;
    uint32_t par_rest_id = 0;
    bool par_ok = false;
  };
  PartCache& cache() const {
    thread_local PartCache c;
    if (c.serial != serial_) {
      c = PartCache{};
      c.serial = serial_;
    }
    return c;
  }
  static uint64_t next_serial() {
    static std::atomic<uint64_t> n{1};
    return n.fetch_add(1);
  }

  // Resolve (find, or with `add` insert) each part; false when one is unknown.
  template <bool add>
  bool parts(const MmNode& n, Record& r) const {
    PartCache& c = cache();
    uint32_t p[mm::MAX_PROCS];
    for (int i = 0; i < mm::MAX_PROCS; i++) {
      if (c.par_ok && std::memcmp(&c.par_proc[i], &n.s.proc[i], sizeof(mm::Process)) == 0) {
        p[i] = c.par_proc_id[i];
        continue;
      }
      if (c.proc_ok[i] && std::memcmp(&c.proc[i], &n.s.proc[i], sizeof(mm::Process)) == 0) {
        p[i] = c.proc_id[i];
        continue;
      }
      int64_t id = add ? int64_t{mut().procs_.insert(&n.s.proc[i])} : procs_.find(&n.s.proc[i]);
      if (id < 0) return false;
      p[i] = static_cast<uint32_t>(id);
      c.proc[i] = n.s.proc[i];
      c.proc_id[i] = p[i];
      c.proc_ok[i] = true;
    }
    if (c.par_ok && std::memcmp(c.par_tuple, p, sizeof p) == 0) {
      c.tuple_id = c.par_tuple_id;
      std::memcpy(c.tuple, p, sizeof p);
      c.tuple_ok = true;
    } else if (!(c.tuple_ok && std::memcmp(c.tuple, p, sizeof p) == 0)) {
      int64_t id = add ? int64_t{mut().tuples_.insert(p)} : tuples_.find(p);
      if (id < 0) return false;
      std::memcpy(c.tuple, p, sizeof p);
      c.tuple_id = static_cast<uint32_t>(id);
      c.tuple_ok = true;
    }
    uint32_t folio_id, rest_id;
    if (c.par_ok && std::memcmp(&c.par_folio, &n.s.folio, sizeof c.folio) == 0) {
      folio_id = c.par_folio_id;
    } else if (c.folio_ok && std::memcmp(&c.folio, &n.s.folio, sizeof c.folio) == 0) {
      folio_id = c.folio_id;
    } else {
      int64_t id = add ? int64_t{mut().folios_.insert(&n.s.folio)} : folios_.find(&n.s.folio);
      if (id < 0) return false;
      c.folio = n.s.folio;
      c.folio_id = folio_id = static_cast<uint32_t>(id);
      c.folio_ok = true;
    }
    const std::array<uint8_t, REST> rest = rest_bytes(n);
    if (c.par_ok && c.par_rest == rest) {
      rest_id = c.par_rest_id;
    } else if (c.rest_ok && c.rest == rest) {
      rest_id = c.rest_id;
    } else {
      int64_t id = add ? int64_t{mut().rest_.insert(rest.data())} : rest_.find(rest.data());
      if (id < 0) return false;
      c.rest = rest;
      c.rest_id = rest_id = static_cast<uint32_t>(id);
      c.rest_ok = true;
    }
    r = Record{c.tuple_id, folio_id, rest_id};
    return true;
  }
  // Inserts only happen from the single merging thread.
  CollapseStore& mut() const { return const_cast<CollapseStore&>(*this); }

  bool lookup(const MmNode& n, Record& r) const { return parts<false>(n, r); }

  static uint64_t record_hash(const Record& r) { return hash_bytes(&r, sizeof r); }
  static uint32_t tag_of(uint64_t h) { return static_cast<uint32_t>(h >> 58) << 26; }

  int64_t find_record(const Record& r, uint64_t h) const {
    const uint32_t tag = tag_of(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return -1;
      if ((slot & ~MAX_IDS) != tag) continue;
      const uint32_t id = (slot & MAX_IDS) - 1;
      if (std::memcmp(&records_[id], &r, sizeof r) == 0) return id;
    }
  }

  void place(uint32_t id, uint64_t h) {
    size_t i = h & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = tag_of(h) | (id + 1);
  }

  void grow() {
    std::vector<uint32_t, HugePageAllocator<uint32_t>>(slots_.size() * 2, 0).swap(slots_);
    mask_ = slots_.size() - 1;
    for (uint32_t id = 0; id < records_.size(); id++) place(id, record_hash(records_[id]));
  }

  // Grow the record array by a quarter at a time: less slack than doubling.
  void reserve_one() {
    if (records_.size() == records_.capacity()) records_.reserve(records_.capacity() + records_.capacity() / 4 + 1024);
  }

  ComponentTable<sizeof(mm::Process)> procs_;
  ComponentTable<sizeof(uint32_t) * mm::MAX_PROCS> tuples_;
  ComponentTable<sizeof(mm::State::folio)> folios_;
  ComponentTable<REST> rest_;
  std::vector<Record, HugePageAllocator<Record>> records_;
  std::vector<uint32_t, HugePageAllocator<uint32_t>> slots_;
  size_t mask_;
  uint64_t serial_;
};

}  // namespace mmc::engine
