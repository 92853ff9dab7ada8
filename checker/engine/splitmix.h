#pragma once
// SplitMix64 (Steele, Lea, Flood 2014): the engine's seeded random stream,
// shared by simulate's random walk and swarm search.  A fixed, tiny
// algorithm: the same seed gives the same walk on every machine.
#include <cstdint>

namespace mmc::engine {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace mmc::engine
