// Visited-state stores: open-addressing hash tables of fixed-size records.
//
// ExactStore keeps each state's packed encoding (a Key) in a dense array
// indexed by state id; the table holds (32-bit hash tag, id) pairs, so a
// probe touches the key array only on a tag match.  FingerprintStore keeps
// only a 64-bit hash per state: smaller, but two states with the same
// fingerprint are taken for one (the report prints the probability).
//
// Lookups may run from several threads while no insert runs; inserts are
// single-threaded (the engine merges in a fixed order, for determinism).
#pragma once
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include <xxhash.h>

namespace mmc::engine {

inline uint64_t hash_bytes(const void* p, size_t n) { return XXH3_64bits(p, n); }

// An open-addressing index over ids 0..n-1 with `slots` (a power of two)
// slots: each slot holds (high 32 bits of the id's hash << 32) | (id + 1),
// 0 meaning empty; linear probing.  ExactStore and the collapse store's
// interners rebuild their tables with it when they grow.
template <class Vec = std::vector<uint64_t>, class HashOfId>
Vec build_id_index(size_t slots, uint32_t n, HashOfId hash_of_id) {
  Vec t(slots, 0);
  const size_t mask = slots - 1;
  for (uint32_t id = 0; id < n; id++) {
    const uint64_t h = hash_of_id(id);
    size_t i = h & mask;
    while (t[i] != 0) i = (i + 1) & mask;
    t[i] = ((h >> 32) << 32) | (uint64_t{id} + 1);
  }
  return t;
}

// The bytes a vector allocates when push_back outgrows it (it doubles),
// when it is within `margin` elements of doing so; else 0.
template <class V>
uint64_t vector_growth(const V& v, size_t margin) {
  return v.size() + margin >= v.capacity() ? std::max<size_t>(1, v.capacity() * 2) * sizeof(v[0]) : 0;
}
// The bytes an open-addressing table of `slots` allocates when it doubles,
// when `items` + `margin` reach `load_num/load_den` of it; else 0.
inline uint64_t table_growth(size_t items, size_t slots, size_t margin, size_t load_num, size_t load_den,
                             size_t slot_bytes) {
  return (items + margin) * load_den > slots * load_num ? 2 * slots * slot_bytes : 0;
}

template <class Key>
class ExactStore {
 public:
  explicit ExactStore(size_t initial_slots = 1u << 12) { rehash(initial_slots); }

  uint64_t size() const { return keys_.size(); }

  // The id of `k`, or -1.
  int64_t find(const Key& k, uint64_t h) const {
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = table_[i];
      if (slot == 0) return -1;
      const uint32_t id = static_cast<uint32_t>(slot) - 1;
      if (static_cast<uint32_t>(slot >> 32) == tag && std::memcmp(&keys_[id], &k, sizeof(Key)) == 0)
        return id;
    }
  }

  // (id, true) when `k` is new, (existing id, false) otherwise.
  std::pair<uint32_t, bool> insert(const Key& k, uint64_t h) {
    if ((keys_.size() + 1) * 2 > table_.size()) rehash(table_.size() * 2);
    const uint32_t tag = static_cast<uint32_t>(h >> 32);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const uint64_t slot = table_[i];
      if (slot == 0) break;
      const uint32_t id = static_cast<uint32_t>(slot) - 1;
      if (static_cast<uint32_t>(slot >> 32) == tag && std::memcmp(&keys_[id], &k, sizeof(Key)) == 0)
        return {id, false};
    }
    const uint32_t id = static_cast<uint32_t>(keys_.size());
    keys_.push_back(k);
    table_[i] = (uint64_t{tag} << 32) | (uint64_t{id} + 1);
    return {id, true};
  }

  bool matches(uint32_t id, const Key& k, uint64_t) const {
    return std::memcmp(&keys_[id], &k, sizeof(Key)) == 0;
  }
  const Key& key(uint32_t id) const { return keys_[id]; }

  // Bytes held: the table and the key array (as allocated).
  uint64_t bytes() const { return table_.size() * sizeof(uint64_t) + keys_.capacity() * sizeof(Key); }
  // What the next `margin` inserts may allocate on top of bytes().
  uint64_t growth_reserve(size_t margin) const {
    return vector_growth(keys_, margin) + table_growth(keys_.size(), table_.size(), margin, 1, 2, sizeof(uint64_t));
  }
  static constexpr int record_bytes = sizeof(Key);
  static uint64_t hash(const Key& k) { return hash_bytes(&k, sizeof k); }
  struct Hint {};  // what a failed find can pass on to insert (nothing here)
  int64_t find(const Key& k, uint64_t h, Hint*) const { return find(k, h); }
  std::pair<uint32_t, bool> insert(const Key& k, uint64_t h, const Hint*) { return insert(k, h); }
  // A hint never stands for the key here: the engine keeps the key.
  static bool hint_complete(const Hint&) { return false; }
  static bool hint_equal(const Hint&, uint64_t, const Hint&, uint64_t) { return false; }
  static uint64_t hint_hash(const Hint&, uint64_t h) { return h; }

 private:
  void rehash(size_t slots) {
    table_ = build_id_index(slots, static_cast<uint32_t>(keys_.size()),
                            [this](uint32_t id) { return hash_bytes(&keys_[id], sizeof(Key)); });
    mask_ = slots - 1;
  }
  std::vector<Key> keys_;
  std::vector<uint64_t> table_;
  size_t mask_ = 0;
};

// 64-bit fingerprints (the key's xxh3 hash) with their ids.
template <class Key>
class FingerprintStore {
 public:
  explicit FingerprintStore(size_t initial_slots = 1u << 12) { rehash(initial_slots); }
  uint64_t size() const { return n_; }

  int64_t find(const Key&, uint64_t h) const {
    const uint64_t fp = h ? h : 1;
    for (size_t i = (fp >> 17) & mask_;; i = (i + 1) & mask_) {
      if (fps_[i] == 0) return -1;
      if (fps_[i] == fp) return ids_[i];
    }
  }
  std::pair<uint32_t, bool> insert(const Key& k, uint64_t h) {
    if ((n_ + 1) * 4 > fps_.size() * 3) rehash(fps_.size() * 2);  // load <= 3/4
    const uint64_t fp = h ? h : 1;
    size_t i = (fp >> 17) & mask_;
    for (; fps_[i] != 0; i = (i + 1) & mask_)
      if (fps_[i] == fp) return {ids_[i], false};
    (void)k;
    fps_[i] = fp;
    ids_[i] = static_cast<uint32_t>(n_);
    return {static_cast<uint32_t>(n_++), true};
  }
  bool matches(uint32_t id, const Key& k, uint64_t h) const { return find(k, h) == int64_t{id}; }
  uint64_t bytes() const { return fps_.size() * (sizeof(uint64_t) + sizeof(uint32_t)); }
  uint64_t growth_reserve(size_t margin) const {
    return table_growth(n_, fps_.size(), margin, 3, 4, sizeof(uint64_t) + sizeof(uint32_t));
  }
  static constexpr int record_bytes = sizeof(uint64_t) + sizeof(uint32_t);
  static uint64_t hash(const Key& k) { return hash_bytes(&k, sizeof k); }
  struct Hint {};  // what a failed find can pass on to insert (nothing here)
  int64_t find(const Key& k, uint64_t h, Hint*) const { return find(k, h); }
  std::pair<uint32_t, bool> insert(const Key& k, uint64_t h, const Hint*) { return insert(k, h); }
  // The fingerprint is the whole identity: insert needs no key.
  static bool hint_complete(const Hint&) { return true; }
  static bool hint_equal(const Hint&, uint64_t ha, const Hint&, uint64_t hb) { return ha == hb; }
  static uint64_t hint_hash(const Hint&, uint64_t h) { return h; }

 private:
  void rehash(size_t slots) {
    std::vector<uint64_t> f(slots, 0);
    std::vector<uint32_t> d(slots, 0);
    const size_t mask = slots - 1;
    for (size_t j = 0; j < fps_.size(); j++) {
      if (fps_[j] == 0) continue;
      size_t i = (fps_[j] >> 17) & mask;
      while (f[i] != 0) i = (i + 1) & mask;
      f[i] = fps_[j];
      d[i] = ids_[j];
    }
    fps_ = std::move(f);
    ids_ = std::move(d);
    mask_ = mask;
  }
  std::vector<uint64_t> fps_;
  std::vector<uint32_t> ids_;
  uint64_t n_ = 0;
  size_t mask_ = 0;
};

}  // namespace mmc::engine
