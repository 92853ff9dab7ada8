// HyperLogLog (Flajolet, Fusy, Gandouet, Meunier 2007): an estimate of the
// number of distinct 64-bit hashes added, in 2^P one-byte registers.
// Sketches merge by taking each register's maximum, which is commutative
// and associative, so the union of many sketches is the same whatever the
// order they are merged in (the swarm search relies on it for determinism).
// Relative standard error about 1.04 / sqrt(2^P).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace mmc::engine {

template <int P = 14>
class HyperLogLog {
 public:
  static constexpr int precision = P;
  static constexpr uint32_t registers = 1u << P;

  HyperLogLog() : reg_(registers, 0) {}

  // `h` must be a well-mixed hash (xxh3): the top P bits pick the register,
  // the rest give the rank (position of the first set bit).
  void add(uint64_t h) {
    const uint32_t idx = static_cast<uint32_t>(h >> (64 - P));
    const uint64_t rest = h << P;
    const uint8_t rank = rest == 0 ? static_cast<uint8_t>(64 - P + 1) : static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rank > reg_[idx]) reg_[idx] = rank;
  }

  void merge(const HyperLogLog& o) {
    for (uint32_t i = 0; i < registers; i++)
      if (o.reg_[i] > reg_[i]) reg_[i] = o.reg_[i];
  }

  // The raw estimate alpha m^2 / sum 2^-M[j], with linear counting
  // (m ln(m / zeros)) while it is below 2.5 m, as in the paper.  With
  // 64-bit hashes no large-range correction is needed.
  double estimate() const {
    const double m = registers;
    double sum = 0;
    uint32_t zeros = 0;
    for (uint8_t r : reg_) {
      sum += std::ldexp(1.0, -static_cast<int>(r));
      zeros += r == 0;
    }
    const double alpha = 0.7213 / (1.0 + 1.079 / m);
    const double raw = alpha * m * m / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / zeros);
    return raw;
  }

  static double standard_error() { return 1.04 / std::sqrt(static_cast<double>(registers)); }

 private:
  std::vector<uint8_t> reg_;
};

}  // namespace mmc::engine
