// Bitstate hashing (Holzmann's supertrace): a state is K bits of a bit
// array of M bits, set by K hash functions; a state whose K bits are all
// set already is taken as visited, so states may be omitted.  The engine
// runs it depth-first (the stack is small; a breadth-first frontier would
// hold whole nodes) and reports the probability that a state was omitted.
//
// Each stored state also keeps its 64-bit hash by id (8 bytes) so that a
// violation's path can be found again (matches()).
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "checker/engine/store.h"

namespace mmc::engine {

template <class Key>
class BitstateStore {
 public:
  static constexpr int K = 3;  // hash functions (bits per state)

  explicit BitstateStore(uint64_t megabytes) {
    const uint64_t words = std::max<uint64_t>(1, (megabytes << 20) / sizeof(uint64_t));
    bits_.assign(words, 0);
    m_ = words * 64;
  }

  uint64_t size() const { return hashes_.size(); }
  uint64_t bit_count() const { return m_; }

  // A state taken as visited has no id of its own: any non-negative value
  // means "seen" (the engine keeps no graph in this mode).
  int64_t find(const Key&, uint64_t h) const { return all_set(h) ? 0 : -1; }
  std::pair<uint32_t, bool> insert(const Key&, uint64_t h) {
    if (all_set(h)) return {0, false};
    for (int i = 0; i < K; i++) {
      const uint64_t b = bit(h, i);
      bits_[b >> 6] |= uint64_t{1} << (b & 63);
    }
    hashes_.push_back(h);
    return {static_cast<uint32_t>(hashes_.size() - 1), true};
  }
  bool matches(uint32_t id, const Key&, uint64_t h) const { return id < hashes_.size() && hashes_[id] == h; }

  uint64_t bytes() const { return bits_.size() * sizeof(uint64_t) + hashes_.capacity() * sizeof(uint64_t); }
  uint64_t growth_reserve(size_t margin) const { return vector_growth(hashes_, margin); }
  static constexpr int record_bytes = sizeof(uint64_t);
  static uint64_t hash(const Key& k) { return hash_bytes(&k, sizeof k); }
  struct Hint {};
  int64_t find(const Key& k, uint64_t h, Hint*) const { return find(k, h); }
  std::pair<uint32_t, bool> insert(const Key& k, uint64_t h, const Hint*) { return insert(k, h); }
  static bool hint_complete(const Hint&) { return false; }
  static bool hint_equal(const Hint&, uint64_t, const Hint&, uint64_t) { return false; }
  static uint64_t hint_hash(const Hint&, uint64_t h) { return h; }

  // An upper bound on the probability that a reachable state was omitted:
  // the i-th new state is wrongly found visited with probability at most
  // (1 - e^{-K i / M})^K (its K bits all set among i*K set bits), so the
  // sum over the n states stored, at most n (1 - e^{-K n / M})^K.  (Only
  // the states reached are counted; an omitted state's own successors are
  // not: the bound is Holzmann's estimate, not a proof of coverage.)
  static double omission_probability(uint64_t n, uint64_t m) {
    if (n == 0 || m == 0) return 0;
    const double per = std::pow(1.0 - std::exp(-static_cast<double>(K) * static_cast<double>(n) / static_cast<double>(m)), K);
    return std::min(1.0, static_cast<double>(n) * per);
  }

 private:
  uint64_t bit(uint64_t h, int i) const {
    // Double hashing: h1 + i * h2 over the 64-bit hash and a remix of it.
    const uint64_t h2 = ((h * 0x9e3779b97f4a7c15ull) ^ (h >> 29)) | 1;
    return (h + static_cast<uint64_t>(i) * h2) % m_;
  }
  bool all_set(uint64_t h) const {
    for (int i = 0; i < K; i++) {
      const uint64_t b = bit(h, i);
      if (!(bits_[b >> 6] & (uint64_t{1} << (b & 63)))) return false;
    }
    return true;
  }
  std::vector<uint64_t> bits_;
  std::vector<uint64_t> hashes_;
  uint64_t m_ = 64;
};

}  // namespace mmc::engine
