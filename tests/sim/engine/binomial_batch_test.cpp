// sim/engine/binomial_batch.h: on every path the CPU has, each draw of a
// batch is the count BinomialSampler::draw gives on the draw's own stream,
// drawn alone (the reference does not touch the batch code); and the lanes'
// logarithm is portable_log's bits.
#include "sim/engine/binomial_batch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/split_mix.h"


namespace shortfall {
namespace {

using testing::split_mix;

double uniform(std::uint64_t& state) { return testing::split_mix_uniform(state); }

// A probability in every regime the sampler has: 0, 1, NaN and beyond; tiny
// and near 1; inversion and BTRD on both sides of 1/2; exactly 1/2.
double probability_in_some_regime(std::uint64_t& state) {
  switch (split_mix(state) % 10) {
    case 0: {
      const double specials[] = {0.0, 1.0, -0.25, 1.5, std::numeric_limits<double>::quiet_NaN(), 0.5, 1e-300};
      return specials[split_mix(state) % 7];
    }
    case 1:
      return 1e-4 * uniform(state);
    case 2:
      return 1.0 - 1e-4 * uniform(state);
    default:
      return uniform(state);
  }
}

}  // namespace

TEST_CASE("binomial batch: every draw is the count the sampler draws alone, on every path", "[binomial_batch]") {
  // n across the regimes: too few for BTRD at any p, the struggling trust's
  // numbers, and one above the table of ln C(n, k) (drawn alone on every path).
  std::vector<BinomialSampler> samplers;
  for (const int n : {0, 1, 18, 45, 240, 270, 360, 450, 600, 1500, 20000, BinomialSampler::k_table_max_cases + 7}) {
    samplers.emplace_back(n);
  }
  const StreamKey key{20261208, 16};
  std::uint64_t state = 8;
  for (const Isa isa : isas_supported()) {
    std::int64_t btrd_draws = 0;  // draws the vector path could take
    std::int64_t btrd_drawn_alone = 0;  // of those, the ones the scalar code drew
    std::int64_t inversion_draws = 0;
    std::int64_t inversion_drawn_alone = 0;
    for (int batch = 0; batch < 3000; ++batch) {
      const auto size = static_cast<std::size_t>(split_mix(state) % 40);
      std::vector<BinomialDraw> draws(size);
      std::vector<StreamAddress> addresses(size);
      std::vector<int> expected(size);
      std::vector<bool> btrd(size);
      std::vector<bool> inversion(size);
      for (std::size_t d = 0; d < size; ++d) {
        const auto& sampler = samplers[split_mix(state) % samplers.size()];
        const double p = probability_in_some_regime(state);
        addresses[d] = {split_mix(state), 0, static_cast<std::uint32_t>(d % 12 + 1),
                        static_cast<std::uint32_t>(d), Purpose::measurement};
        draws[d] = {&sampler, p, RandomStream::first_block(key, addresses[d])};
        RandomStream alone(key, addresses[d]);
        expected[d] = sampler.draw(p, alone);
        const double at_most_half = p > 0.5 ? 1.0 - p : p;
        btrd[d] = p > 0.0 && p < 1.0 && at_most_half >= sampler.inversion_below() && sampler.log_choose_table();
        btrd_draws += btrd[d];
        inversion[d] = p > 0.0 && p < 1.0 && at_most_half < sampler.inversion_below();
        inversion_draws += inversion[d];
      }
      std::vector<int> counts(size, -1);
      draw_binomials(draws, counts, isa, [&](std::size_t d) {
        btrd_drawn_alone += btrd[d];
        inversion_drawn_alone += inversion[d];
        return RandomStream(key, addresses[d], draws[d].first_block);
      });
      for (std::size_t d = 0; d < size; ++d) {
        INFO(isa_name(isa) << ": batch " << batch << ", draw " << d << " of " << size << ", n = "
                           << draws[d].sampler->cases() << ", p = " << draws[d].probability);
        REQUIRE(counts[d] == expected[d]);
      }
    }
    INFO(isa_name(isa) << ": " << btrd_draws << " BTRD draws, " << btrd_drawn_alone << " drawn alone");
    CHECK(btrd_draws > 10000);
    CHECK(inversion_draws > 10000);
    if (isa == Isa::avx512) {
      CHECK(inversion_drawn_alone == 0);  // inversion lanes always finish
      // The lanes took most BTRD draws, and some needed the scalar fallback
      // (a lane rejected twice), so both branches are compared above.
      CHECK(btrd_drawn_alone > 0);
      CHECK(btrd_draws > 20 * btrd_drawn_alone);
    } else {
      CHECK(btrd_drawn_alone == btrd_draws);
      CHECK(inversion_drawn_alone == inversion_draws);
    }
  }
}

TEST_CASE("binomial batch: a lane rejected twice goes on from its fifth word to the count drawn alone", "[binomial_batch]") {
  // Words chosen so that BTRD leaves the box on both attempts with an
  // out-of-range candidate: w = v / v_r > 1 and u = 1/2 - 2^-53 (the
  // largest uniform) put k far beyond n. The lanes give up after four
  // words; the scalar draw goes on into the stream's second block.
  const BinomialSampler sampler(600);
  const StreamKey key{1, 2};
  const StreamAddress address{3, 0, 1, 0, Purpose::measurement};
  BinomialDraw draw{&sampler, 0.5, {{~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}}}};
  int alone_calls = 0;
  std::vector<int> counts(1, -1);
  for (const Isa isa : isas_supported()) {
    draw_binomials(std::span<const BinomialDraw>(&draw, 1), counts, isa, [&](std::size_t) {
      ++alone_calls;
      return RandomStream(key, address, draw.first_block);
    });
    RandomStream alone(key, address, draw.first_block);
    CHECK(counts[0] == sampler.draw(0.5, alone));
  }
  CHECK(alone_calls == static_cast<int>(isas_supported().size()));
}

}  // namespace shortfall
