// Test inputs from SplitMix64 (Steele, Lea and Flood 2014): a fixed 64-bit
// generator whose bits are set by its definition on every platform, so a
// test's inputs never depend on the library under test.
#pragma once

#include <cstdint>

namespace shortfall::testing {

// The next word of the generator whose state is `state`.
inline std::uint64_t split_mix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A uniform on [0, 1) from the next word's top 53 bits.
inline double split_mix_uniform(std::uint64_t& state) {
  return static_cast<double>(split_mix(state) >> 11) * 0x1p-53;
}

}  // namespace shortfall::testing
