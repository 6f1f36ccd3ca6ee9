#include "analysis/tally_serialization.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

constexpr TallyShape k_shape{3, 5, 3, true};

// A block with awkward values everywhere: negative and huge sums, a NaN
// with a payload, -0.0, a subnormal and an infinite achievement.
BlockTally awkward_block(std::int64_t first_run, int run_count, TallyShape shape = k_shape) {
  BlockTally block(shape, first_run, run_count);
  std::uint64_t state = 12345;
  auto next_uniform = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  for (int j = 0; j < run_count; ++j) {
    for (int s = 0; s < shape.structures; ++s) {
      std::vector<double> cash(static_cast<std::size_t>(shape.months));
      RunOutcome outcome;
      for (int t = 0; t < shape.months; ++t) {
        cash[t] = (next_uniform() - 0.3) * 1e7 / 3.0;
        if (cash[t] < 0.0 && !outcome.shortfall) {
          outcome.shortfall = true;
          outcome.first_shortfall_month = t + 1;
        }
        if (cash[t] < 0.0) ++outcome.months_in_shortfall;
      }
      outcome.min_cash = *std::min_element(cash.begin(), cash.end());
      outcome.end_cash = cash.back();
      outcome.support = std::max(0.0, -outcome.min_cash);
      outcome.pot = 6e6;
      outcome.earned = next_uniform() * 6e6;
      outcome.earned_fraction = outcome.earned / outcome.pot;
      outcome.received = outcome.earned * 0.75;
      outcome.receivable = -next_uniform() * 1e300;
      outcome.commissioner_cost = 2e8 + next_uniform();
      std::vector<double> achievement(static_cast<std::size_t>(shape.indicators));
      for (double& a : achievement) a = next_uniform();
      if (j == 2) {
        cash[1] = -0.0;
        if (shape.months > 2) cash[2] = std::numeric_limits<double>::denorm_min();
      }
      block.record(s, j, outcome, cash, achievement);
    }
  }
  // record() refuses values that are not finite (a run that overflowed), but
  // the bytes of a part file or checkpoint may hold anything, and must come
  // back bit for bit: put a NaN with a payload and an infinity in directly.
  const auto runs = static_cast<std::size_t>(run_count);
  for (int s = 0; s < shape.structures; ++s) {
    const auto first_month = static_cast<std::size_t>(s) * static_cast<std::size_t>(shape.months);
    if (run_count > 2) block.cash_by_month[first_month * runs + 2] = std::bit_cast<double>(std::uint64_t{0x7ff80000deadbeefULL});
    if (run_count > 1 && shape.indicators > 0)
      block.sums[static_cast<std::size_t>(s)].achievement_sum[0] += std::numeric_limits<double>::infinity();
  }
  return block;
}

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void require_same_block(const BlockTally& a, const BlockTally& b) {
  REQUIRE(a.shape().structures == b.shape().structures);
  REQUIRE(a.shape().months == b.shape().months);
  REQUIRE(a.shape().indicators == b.shape().indicators);
  REQUIRE(a.shape().keep_runs == b.shape().keep_runs);
  REQUIRE(a.first_run() == b.first_run());
  REQUIRE(a.run_count() == b.run_count());
  REQUIRE(a.recorded_runs == b.recorded_runs);
  REQUIRE(a.sums.size() == b.sums.size());
  for (std::size_t s = 0; s < a.sums.size(); ++s) {
    const auto& x = a.sums[s];
    const auto& y = b.sums[s];
    REQUIRE(x.shortfalls == y.shortfalls);
    REQUIRE(x.diff_plus == y.diff_plus);
    REQUIRE(x.diff_minus == y.diff_minus);
    REQUIRE(x.first_shortfall_month_sum == y.first_shortfall_month_sum);
    REQUIRE(x.months_in_shortfall_sum == y.months_in_shortfall_sum);
    REQUIRE(x.min_cash_sum == y.min_cash_sum);
    REQUIRE(x.support_sum == y.support_sum);
    REQUIRE(x.earned_fraction_sum == y.earned_fraction_sum);
    REQUIRE(x.received_sum == y.received_sum);
    REQUIRE(x.receivable_sum == y.receivable_sum);
    REQUIRE(x.commissioner_cost_sum == y.commissioner_cost_sum);
    REQUIRE(x.first_shortfall_by_month == y.first_shortfall_by_month);
    REQUIRE(x.achievement_sum == y.achievement_sum);
  }
  REQUIRE(same_bits(a.cash_by_month, b.cash_by_month));
  REQUIRE(same_bits(a.min_cash_by_run, b.min_cash_by_run));
  REQUIRE(same_bits(a.end_cash_by_run, b.end_cash_by_run));
  REQUIRE(same_bits(a.support_by_run, b.support_by_run));
  REQUIRE(a.shortfall_flags == b.shortfall_flags);
  REQUIRE(a.outcomes.size() == b.outcomes.size());
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    const RunOutcome& x = a.outcomes[i];
    const RunOutcome& y = b.outcomes[i];
    REQUIRE(x.shortfall == y.shortfall);
    REQUIRE(x.first_shortfall_month == y.first_shortfall_month);
    REQUIRE(x.months_in_shortfall == y.months_in_shortfall);
    const std::array<double, 9> xs{x.min_cash,   x.end_cash,        x.support,
                                   x.pot,        x.earned,          x.received,
                                   x.receivable, x.earned_fraction, x.commissioner_cost};
    const std::array<double, 9> ys{y.min_cash,   y.end_cash,        y.support,
                                   y.pot,        y.earned,          y.received,
                                   y.receivable, y.earned_fraction, y.commissioner_cost};
    REQUIRE(std::memcmp(xs.data(), ys.data(), sizeof xs) == 0);
  }
}

TEST_CASE("a block tally survives a round trip bit for bit", "[tally_serialization]") {
  const BlockTally block = awkward_block(123, 11);
  REQUIRE(block.sums[0].receivable_sum.value() < 0.0);  // the negative encoding is exercised
  const std::vector<std::byte> bytes = serialize(block);
  const BlockTally copy = deserialize_block_tally(bytes);
  require_same_block(copy, block);
  CHECK(serialize(copy) == bytes);
  CHECK(std::isnan(copy.cash(0, 1, 2)));
  CHECK(std::signbit(copy.cash(0, 2, 2)));

  SECTION("an empty, an unfinished and a plain block too") {
    for (const BlockTally& other :
         {BlockTally(k_shape, 0, 0), awkward_block(5, 2, TallyShape{1, 2, 0, false})}) {
      const BlockTally other_copy = deserialize_block_tally(serialize(other));
      require_same_block(other_copy, other);
    }
    BlockTally unfinished(k_shape, 40, 4);
    const std::vector<double> cash(5, 1.5e6);
    const std::vector<double> achievement(3, 0.25);
    unfinished.record(0, 0, RunOutcome{}, cash, achievement);
    const BlockTally unfinished_copy = deserialize_block_tally(serialize(unfinished));
    require_same_block(unfinished_copy, unfinished);
    CHECK(unfinished_copy.recorded_runs == std::vector<int>{1, 0, 0});
  }
  SECTION("statistics from the copies are the statistics of the originals") {
    ScenarioTally original(k_shape, 123);
    ScenarioTally restored(k_shape, 123);
    original.add(awkward_block(123, 11));
    restored.add(deserialize_block_tally(serialize(awkward_block(123, 11))));
    const ScenarioResults a = original.finalize();
    const ScenarioResults b = restored.finalize();
    CHECK(same_bits(a.cash_quantiles, b.cash_quantiles));
    CHECK(same_bits(a.receivable_mean, b.receivable_mean));
    CHECK(same_bits(a.indicator_achievement_mean, b.indicator_achievement_mean));
    CHECK(same_bits(a.min_cash_cvar05, b.min_cash_cvar05));
  }
}

TEST_CASE("truncated, damaged or foreign bytes throw", "[tally_serialization]") {
  const std::vector<std::byte> bytes = serialize(awkward_block(0, 4));
  const std::span<const std::byte> all(bytes);

  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO("first " << length << " bytes");
    REQUIRE_THROWS_AS(deserialize_block_tally(all.first(length)), std::runtime_error);
  }
  for (std::size_t position = 0; position < bytes.size(); ++position) {
    INFO("bit flipped in byte " << position);
    std::vector<std::byte> damaged = bytes;
    damaged[position] ^= std::byte{0x10};
    REQUIRE_THROWS_AS(deserialize_block_tally(damaged), std::runtime_error);
  }
  std::vector<std::byte> longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS(deserialize_block_tally(longer), std::runtime_error);

  std::vector<std::byte> next_version = bytes;
  next_version[8] = std::byte{3};  // the u32 version follows the 8-byte tag
  CHECK_THROWS_WITH(deserialize_block_tally(next_version),
                    Catch::Contains("format version 3 is not the known version 2"));
  const std::vector<std::byte> foreign(64, std::byte{'x'});
  CHECK_THROWS_WITH(deserialize_block_tally(foreign), Catch::Contains("block tally tag"));
}

}  // namespace
}  // namespace shortfall
