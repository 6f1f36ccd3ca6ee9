// sim/engine/philox_batch.h: every vector path gives Random123's own words,
// whatever the number of blocks (full vectors and the scalar tail).
#include "sim/engine/philox_batch.h"

#include <array>
#include <cstdint>

#include <Random123/philox.h>
#include <catch2/catch.hpp>

#include "support/split_mix.h"

namespace shortfall {
namespace {

// Counters from a fixed 64-bit generator (SplitMix64), so that the high and
// low halves of every word take all values.
using testing::split_mix;

}  // namespace

TEST_CASE("every path the CPU has gives Random123's Philox4x64-10 words", "[philox]") {
  std::uint64_t state = 20261207;
  for (const Isa isa : isas_supported()) {
    for (const std::size_t blocks : {0, 1, 3, 4, 5, 7, 8, 9, 16, 17, 250}) {
      const std::array<std::uint64_t, 2> key{split_mix(state), split_mix(state)};
      PhiloxBatch batch;
      std::vector<r123::Philox4x64::ctr_type> counters;
      for (std::size_t b = 0; b < blocks; ++b) {
        r123::Philox4x64::ctr_type counter{{split_mix(state), split_mix(state), split_mix(state), split_mix(state)}};
        if (b % 5 == 0) counter.v[1] = 0;                    // the engine's counters: small words,
        if (b % 7 == 0) counter.v[3] = ~std::uint64_t{0};  // and every bit set
        counters.push_back(counter);
        CHECK(batch.add({counter.v[0], counter.v[1], counter.v[2], counter.v[3]}) == b);
      }
      batch.compute(key, isa);
      REQUIRE(batch.size() == blocks);
      for (std::size_t b = 0; b < blocks; ++b) {
        const auto expected = r123::Philox4x64()(counters[b], {{key[0], key[1]}});
        for (int w = 0; w < 4; ++w) {
          INFO(isa_name(isa) << ", " << blocks << " blocks, block " << b << ", word " << w);
          CHECK(batch.word(b, w) == expected.v[static_cast<std::size_t>(w)]);
        }
      }
    }
  }
}

TEST_CASE("a batch is reused: cleared, refilled and recomputed", "[philox]") {
  PhiloxBatch batch;
  for (std::uint64_t round = 0; round < 3; ++round) {
    batch.clear();
    for (std::uint64_t b = 0; b < 12; ++b) batch.add({b, round, 7, 0});
    batch.compute({1, 2}, isas_supported().back());
    for (std::uint64_t b = 0; b < 12; ++b) {
      const auto expected = r123::Philox4x64()({{b, round, 7, 0}}, {{1, 2}});
      CHECK(batch.word(b, 2) == expected.v[2]);
    }
  }
}

}  // namespace shortfall
