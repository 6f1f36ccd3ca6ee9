#include "sim/input/sweep_design.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>

#include "sim/engine/random_streams.h"
#include "sim/input/sobol_sequence.h"

using namespace shortfall;
using Catch::Matchers::Contains;

namespace {

double number(const DesignValue& value) { return std::get<double>(value); }

// Key k's values at every point, as bits: determinism is about identical
// bits, not values within a tolerance.
std::vector<std::uint64_t> column_bits(const Design& design, std::size_t k) {
  std::vector<std::uint64_t> bits;
  for (const auto& point : design) bits.push_back(std::bit_cast<std::uint64_t>(number(point[k])));
  return bits;
}

// The stratum a value falls in, computed from the definition (N equal
// strata of [low, high], in log10 space for a log range) rather than by the
// code under test, which works in ln space through std::lerp.
int stratum_of(double value, const LatinHypercubeRange& range, int points) {
  const double fraction = range.log ? (std::log10(value) - std::log10(range.low)) /
                                          (std::log10(range.high) - std::log10(range.low))
                                    : (value - range.low) / (range.high - range.low);
  const int stratum = static_cast<int>(std::floor(fraction * points));
  return std::clamp(stratum, 0, points - 1);
}

std::vector<int> strata_of(const Design& design, std::size_t k, const LatinHypercubeRange& range) {
  std::vector<int> strata;
  for (const auto& point : design) {
    strata.push_back(stratum_of(number(point[k]), range, static_cast<int>(design.size())));
  }
  return strata;
}

const std::vector<LatinHypercubeRange> k_three_ranges{
    {"provider.opening_cash", -1.0e6, 5.0e6, false},
    {"contract.outcome_share", 0.02, 0.04, false},
    {"indicator.*.volatility", 0.01, 10.0, true},
};

// Every value of a design over k_three_ranges, as bits, key after key.
std::vector<std::uint64_t> design_bits(const Design& design) {
  std::vector<std::uint64_t> bits;
  for (std::size_t k = 0; k < k_three_ranges.size(); ++k) {
    const auto column = column_bits(design, k);
    bits.insert(bits.end(), column.begin(), column.end());
  }
  return bits;
}

}  // namespace

TEST_CASE("a grid is the cartesian product in row-major order", "[sweep_design]") {
  // docs/sweeps.md: the first key varies slowest. Exact values: the grid only
  // copies what it is given.
  const std::vector<DesignAxis> axes{
      {"contract.outcome_share", {0.02, 0.03}},
      {"provider.opening_cash", {0.0, 2.0e6, 5.0e6}},
  };
  const Design design = grid_design(axes, 100);
  const std::vector<std::vector<double>> expected{{0.02, 0.0}, {0.02, 2.0e6}, {0.02, 5.0e6},
                                                  {0.03, 0.0}, {0.03, 2.0e6}, {0.03, 5.0e6}};
  REQUIRE(design.size() == expected.size());
  for (std::size_t p = 0; p < expected.size(); ++p) {
    REQUIRE(design[p].size() == 2);
    CHECK(number(design[p][0]) == expected[p][0]);
    CHECK(number(design[p][1]) == expected[p][1]);
  }
}

TEST_CASE("a grid mixes text and number axes", "[sweep_design]") {
  // A schedule such as "quarterly" is swept like any number; each value
  // keeps its kind.
  const std::vector<DesignAxis> axes{
      {"contract.payment_schedule", {std::string("monthly"), std::string("quarterly")}},
      {"contract.outcome_share", {0.02, 0.04}},
  };
  const Design design = grid_design(axes, 4);
  REQUIRE(design.size() == 4);
  CHECK(std::get<std::string>(design[0][0]) == "monthly");
  CHECK(number(design[0][1]) == 0.02);
  CHECK(std::get<std::string>(design[1][0]) == "monthly");
  CHECK(number(design[1][1]) == 0.04);
  CHECK(std::get<std::string>(design[2][0]) == "quarterly");
  CHECK(number(design[2][1]) == 0.02);
  CHECK(std::get<std::string>(design[3][0]) == "quarterly");
  CHECK(number(design[3][1]) == 0.04);
}

TEST_CASE("a grid of one axis lists its values in order", "[sweep_design]") {
  // The odometer's carry must not skip or repeat when there is nothing to
  // carry into.
  const std::vector<DesignAxis> axes{{"provider.opening_cash", {5.0e6, 0.0, 2.0e6}}};
  const Design design = grid_design(axes, 3);
  REQUIRE(design.size() == 3);
  CHECK(number(design[0][0]) == 5.0e6);
  CHECK(number(design[1][0]) == 0.0);
  CHECK(number(design[2][0]) == 2.0e6);
}

TEST_CASE("a grid refuses an empty axis, no axes and a repeated key", "[sweep_design]") {
  // An empty axis would make the whole product empty: a sweep of nothing,
  // certainly a mistake, so the message names the key.
  const std::vector<DesignAxis> empty_axis{{"contract.outcome_share", {0.02, 0.03}},
                                           {"provider.opening_cash", {}}};
  CHECK_THROWS_AS(grid_design(empty_axis, 100), std::invalid_argument);
  CHECK_THROWS_WITH(grid_design(empty_axis, 100),
                    "sweep key 'provider.opening_cash' has no values");
  CHECK_THROWS_WITH(grid_design({}, 100), "sweep grid has no keys");
  const std::vector<DesignAxis> repeated{{"contract.outcome_share", {0.02}},
                                         {"contract.outcome_share", {0.03}}};
  CHECK_THROWS_WITH(grid_design(repeated, 100),
                    "sweep key 'contract.outcome_share' is listed twice");
}

TEST_CASE("a grid larger than the limit is refused with its size", "[sweep_design]") {
  // Grids grow multiplicatively; the limit stops a typo (300 values instead
  // of 3) before any memory is spent, and the message says how far over it is.
  const std::vector<DesignAxis> axes{
      {"contract.outcome_share", {0.02, 0.03}},
      {"provider.opening_cash", {0.0, 2.0e6, 5.0e6}},
  };
  CHECK(grid_design(axes, 6).size() == 6);  // the limit itself is allowed
  CHECK_THROWS_AS(grid_design(axes, 5), std::invalid_argument);
  CHECK_THROWS_WITH(grid_design(axes, 5),
                    "sweep grid has 6 points (2 x 3), more than the limit of 5");

  // 65 axes of 2 values: 2^65 points overflow std::size_t and must not wrap
  // round to a product that passes the limit.
  std::vector<DesignAxis> huge;
  for (int k = 0; k < 65; ++k) huge.push_back({"key_" + std::to_string(k), {0.0, 1.0}});
  CHECK_THROWS_WITH(grid_design(huge, 1000),
                    Contains("more than 18446744073709551615 points") && Contains("limit of 1000"));
}

TEST_CASE("zip pairs the axes value by value", "[sweep_design]") {
  // Point p takes value p of every key: the scenario lists matched settings.
  const std::vector<DesignAxis> axes{
      {"contract.outcome_share", {0.02, 0.03, 0.04}},
      {"contract.payment_schedule",
       {std::string("monthly"), std::string("quarterly"), std::string("annual")}},
  };
  const Design design = zip_design(axes);
  REQUIRE(design.size() == 3);
  CHECK(number(design[0][0]) == 0.02);
  CHECK(std::get<std::string>(design[0][1]) == "monthly");
  CHECK(number(design[1][0]) == 0.03);
  CHECK(std::get<std::string>(design[1][1]) == "quarterly");
  CHECK(number(design[2][0]) == 0.04);
  CHECK(std::get<std::string>(design[2][1]) == "annual");
}

TEST_CASE("zip refuses axes of different lengths, naming both", "[sweep_design]") {
  // The user must see which list is short: the first key and the first key
  // that differs from it, each with its length.
  const std::vector<DesignAxis> axes{
      {"contract.outcome_share", {0.02, 0.03, 0.04}},
      {"provider.opening_cash", {0.0, 2.0e6, 5.0e6}},
      {"demand.trend", {0.01, 0.05}},
  };
  CHECK_THROWS_AS(zip_design(axes), std::invalid_argument);
  CHECK_THROWS_WITH(zip_design(axes),
                    "sweep zip needs keys of equal length: 'contract.outcome_share' has 3 values "
                    "but 'demand.trend' has 2");
}

TEST_CASE("zip refuses no axes and axes without values", "[sweep_design]") {
  // Either would give a sweep of no points.
  CHECK_THROWS_WITH(zip_design({}), "sweep zip has no keys");
  const std::vector<DesignAxis> empty{{"contract.outcome_share", {}}, {"demand.trend", {}}};
  CHECK_THROWS_WITH(zip_design(empty), "sweep key 'contract.outcome_share' has no values");
}

TEST_CASE("a Latin hypercube puts one point in every stratum of every key", "[sweep_design]") {
  // The defining property, checked with strata computed from the definition
  // (log10 space for the log key) for sizes from one point to a thousand.
  for (const int points : {1, 7, 100, 1000}) {
    const Design design = latin_hypercube_design(k_three_ranges, points, 20170401);
    REQUIRE(design.size() == static_cast<std::size_t>(points));
    for (std::size_t k = 0; k < k_three_ranges.size(); ++k) {
      const LatinHypercubeRange& range = k_three_ranges[k];
      INFO("points = " << points << ", key " << range.key);
      std::vector<int> hits(static_cast<std::size_t>(points), 0);
      for (const auto& point : design) {
        REQUIRE(point.size() == k_three_ranges.size());
        const double value = number(point[k]);
        CHECK(value >= range.low);
        CHECK(value <= range.high);
        ++hits[static_cast<std::size_t>(stratum_of(value, range, points))];
      }
      CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
    }
  }
}

TEST_CASE("a Latin hypercube is a function of its ranges, size and seed", "[sweep_design]") {
  // STYLE.md: seed 17, then 3, then 17 again must give identical bits, so a
  // shard or a resumed run recomputes the same design points.
  const auto first = design_bits(latin_hypercube_design(k_three_ranges, 50, 17));
  const auto other = design_bits(latin_hypercube_design(k_three_ranges, 50, 3));
  const auto again = design_bits(latin_hypercube_design(k_three_ranges, 50, 17));
  CHECK(first == again);
  CHECK(first != other);
}

TEST_CASE("a Latin hypercube key keeps its values when keys are appended", "[sweep_design]") {
  // Streams are addressed by key index, so adding a key at the end of
  // [sweep.parameters] leaves the points of the earlier keys where they were.
  const std::vector<LatinHypercubeRange> one{k_three_ranges[0]};
  const std::vector<LatinHypercubeRange> two{k_three_ranges[0], k_three_ranges[1]};
  const Design alone = latin_hypercube_design(one, 100, 20170401);
  const Design with_two = latin_hypercube_design(two, 100, 20170401);
  const Design with_three = latin_hypercube_design(k_three_ranges, 100, 20170401);
  CHECK(column_bits(alone, 0) == column_bits(with_two, 0));
  CHECK(column_bits(alone, 0) == column_bits(with_three, 0));
  CHECK(column_bits(with_two, 1) == column_bits(with_three, 1));
}

TEST_CASE("a Latin hypercube draws from the documented streams", "[sweep_design]") {
  // The layout of the header is a promise: changing it changes every design
  // ever written. Rebuilt here for [0, 1] and [0, 2], where the mapping is
  // exact (lerp(0, 1, t) = t, and halving then doubling is exact).
  const std::uint64_t seed = 99;
  const StreamKey key{seed, k_design_shock_key};
  const auto unit = [](std::uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; };

  // One point: no permutation draw; the position is the first word of key
  // 1's position stream (indicator 1).
  const std::vector<LatinHypercubeRange> ranges{{"a", 0.0, 1.0, false}, {"b", 0.0, 1.0, false}};
  const Design single = latin_hypercube_design(ranges, 1, seed);
  RandomStream position_b(key, {1, 0, 0, 1, Purpose::design});
  CHECK(number(single[0][1]) == unit(position_b()));

  // Two points: one Fisher-Yates step decides the strata, from the
  // permutation stream (indicator 0); positions follow point order.
  const std::vector<LatinHypercubeRange> wide{{"a", 0.0, 2.0, false}};
  const Design pair = latin_hypercube_design(wide, 2, seed);
  RandomStream permutation(key, {0, 0, 0, 0, Purpose::design});
  const int swap_with = boost::random::uniform_int_distribution<int>(0, 1)(permutation);
  const std::vector<double> stratum =
      swap_with == 0 ? std::vector<double>{1.0, 0.0} : std::vector<double>{0.0, 1.0};
  RandomStream position(key, {0, 0, 0, 1, Purpose::design});
  for (std::size_t p = 0; p < 2; ++p) CHECK(number(pair[p][0]) == stratum[p] + unit(position()));
}

TEST_CASE("a Latin hypercube pairs the keys' strata at random", "[sweep_design]") {
  // Pairing stratum j of one key with stratum j of the next would put every
  // point on the diagonal. Spearman's rho of two keys' strata (ranks 0..N-1,
  // no ties: 1 - 6 sum d^2 / (N (N^2 - 1))) has sd 1/sqrt(N - 1) ~ 0.1 for
  // independent permutations at N = 100; |rho| < 0.3 is a 3-sd check at a
  // fixed seed, so it either always passes or always fails.
  const int points = 100;
  const Design design = latin_hypercube_design(k_three_ranges, points, 20170401);
  const std::vector<std::pair<std::size_t, std::size_t>> key_pairs{{0, 1}, {0, 2}, {1, 2}};
  for (const auto& [a, b] : key_pairs) {
    const auto strata_a = strata_of(design, a, k_three_ranges[a]);
    const auto strata_b = strata_of(design, b, k_three_ranges[b]);
    double sum_squares = 0.0;
    for (std::size_t p = 0; p < strata_a.size(); ++p) {
      const double d = strata_a[p] - strata_b[p];
      sum_squares += d * d;
    }
    const double n = points;
    const double rho = 1.0 - 6.0 * sum_squares / (n * (n * n - 1.0));
    INFO("keys " << a << " and " << b << ": rho = " << rho);
    CHECK(std::abs(rho) < 0.3);
  }
}

TEST_CASE("a Latin hypercube refuses invalid ranges and sizes", "[sweep_design]") {
  // Each message names the key and the range, so the user can fix the line.
  const double infinity = std::numeric_limits<double>::infinity();
  const double not_a_number = std::numeric_limits<double>::quiet_NaN();
  const auto one = [](LatinHypercubeRange range) {
    return std::vector<LatinHypercubeRange>{range};
  };
  CHECK_THROWS_WITH(latin_hypercube_design(k_three_ranges, 0, 1),
                    "sweep lhs points = 0 must be at least 1");
  CHECK_THROWS_AS(latin_hypercube_design(k_three_ranges, -3, 1), std::invalid_argument);
  CHECK_THROWS_WITH(
      latin_hypercube_design(one({"contract.outcome_share", 0.04, 0.02, false}), 10, 1),
      "sweep range of 'contract.outcome_share' is [0.04, 0.02]: low must be below high");
  CHECK_THROWS_WITH(
      latin_hypercube_design(one({"contract.outcome_share", 0.03, 0.03, false}), 10, 1),
      "sweep range of 'contract.outcome_share' is [0.03, 0.03]: low must be below high");
  CHECK_THROWS_WITH(
      latin_hypercube_design(one({"provider.opening_cash", 0.0, infinity, false}), 10, 1),
      "sweep range of 'provider.opening_cash' is [0, inf]: both ends must be finite");
  CHECK_THROWS_AS(
      latin_hypercube_design(one({"provider.opening_cash", not_a_number, 1.0, false}), 10, 1),
      std::invalid_argument);
  CHECK_THROWS_WITH(
      latin_hypercube_design(one({"indicator.*.volatility", 0.0, 1.0, true}), 10, 1),
      "sweep range of 'indicator.*.volatility' is [0, 1] with log = true: low must be above 0");
  CHECK_THROWS_AS(latin_hypercube_design(one({"indicator.*.volatility", -1.0, 1.0, true}), 10, 1),
                  std::invalid_argument);
  CHECK_THROWS_WITH(latin_hypercube_design({}, 10, 1), "sweep lhs has no keys");
  CHECK_THROWS_WITH(
      latin_hypercube_design(std::vector<LatinHypercubeRange>{k_three_ranges[0], k_three_ranges[0]},
                             10, 1),
      "sweep key 'provider.opening_cash' is listed twice");
}

namespace {

// A Saltelli design's block b (0: A, 1: B, 2 + i: A_B^(i)) as bits, key k.
std::vector<std::uint64_t> block_bits(const Design& design, std::size_t block, std::size_t rows,
                                      std::size_t k) {
  std::vector<std::uint64_t> bits;
  for (std::size_t n = 0; n < rows; ++n) {
    bits.push_back(std::bit_cast<std::uint64_t>(number(design[block * rows + n][k])));
  }
  return bits;
}

constexpr std::size_t k_no_limit = 1000000;

}  // namespace

TEST_CASE("a Saltelli design is A, B, then A with each key from B", "[sweep_design][sobol]") {
  // docs/sweeps.md: N (k + 2) points in blocks of N; in block 2 + i, key i
  // is B's and every other key A's, row by row, to the bit.
  const int rows = 16;
  const std::size_t n = rows;
  const Design design = saltelli_design(k_three_ranges, rows, 20170401, k_no_limit);
  REQUIRE(design.size() == n * (k_three_ranges.size() + 2));
  for (const auto& point : design) REQUIRE(point.size() == k_three_ranges.size());
  for (std::size_t k = 0; k < k_three_ranges.size(); ++k) {
    INFO("key " << k);
    const auto a = block_bits(design, 0, n, k);
    const auto b = block_bits(design, 1, n, k);
    CHECK(a != b);
    for (std::size_t i = 0; i < k_three_ranges.size(); ++i) {
      INFO("block A_B of key " << i);
      CHECK(block_bits(design, 2 + i, n, k) == (i == k ? b : a));
    }
  }
}

TEST_CASE("a Saltelli design stays in range and stratifies each column", "[sweep_design][sobol]") {
  // With N = 2^m, each key's column of A and of B has exactly one row in
  // each of N equal strata of its range (log10 space for the log key),
  // checked from the definition as for the Latin hypercube.
  for (const int rows : {1, 8, 256}) {
    const auto n = static_cast<std::size_t>(rows);
    const Design design = saltelli_design(k_three_ranges, rows, 99, k_no_limit);
    for (std::size_t k = 0; k < k_three_ranges.size(); ++k) {
      const LatinHypercubeRange& range = k_three_ranges[k];
      for (const auto& point : design) {
        CHECK(number(point[k]) >= range.low);
        CHECK(number(point[k]) <= range.high);
      }
      for (const std::size_t block : {std::size_t{0}, std::size_t{1}}) {
        INFO("N = " << rows << ", key " << range.key << ", block " << block);
        std::vector<int> hits(n, 0);
        for (std::size_t r = 0; r < n; ++r) {
          ++hits[static_cast<std::size_t>(
              stratum_of(number(design[block * n + r][k]), range, rows))];
        }
        CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
      }
    }
  }
}

TEST_CASE("a Saltelli design is a function of its ranges, size and seed", "[sweep_design][sobol]") {
  const auto first = design_bits(saltelli_design(k_three_ranges, 32, 17, k_no_limit));
  const auto other = design_bits(saltelli_design(k_three_ranges, 32, 3, k_no_limit));
  const auto again = design_bits(saltelli_design(k_three_ranges, 32, 17, k_no_limit));
  CHECK(first == again);
  CHECK(first != other);
}

TEST_CASE("a Saltelli design keeps the earlier keys' A and B when keys are appended",
          "[sweep_design][sobol]") {
  // Key i's columns of A and B are Sobol dimensions 2i and 2i + 1 with
  // shifts from key i's stream: a key appended at the end changes none of
  // them, and its own block A_B comes after the others, so the first
  // N (k + 2) points keep their values on the earlier keys.
  const std::size_t n = 64;
  const std::vector<LatinHypercubeRange> two{k_three_ranges[0], k_three_ranges[1]};
  const Design with_two = saltelli_design(two, static_cast<int>(n), 5, k_no_limit);
  const Design with_three = saltelli_design(k_three_ranges, static_cast<int>(n), 5, k_no_limit);
  REQUIRE(with_three.size() == with_two.size() + n);
  for (std::size_t p = 0; p < with_two.size(); ++p) {
    for (std::size_t k = 0; k < 2; ++k) {
      CHECK(std::bit_cast<std::uint64_t>(number(with_two[p][k])) ==
            std::bit_cast<std::uint64_t>(number(with_three[p][k])));
    }
  }
}

TEST_CASE("a Saltelli design draws from the documented streams", "[sweep_design][sobol]") {
  // Rebuilt from the header's layout for [0, 1], where lerp(0, 1, t) = t:
  // key i's A is Sobol dimension 2i XOR the first word of its shift stream
  // (indicator 2), B dimension 2i + 1 XOR the second word.
  const std::uint64_t seed = 2024;
  const std::size_t n = 8;
  const std::vector<LatinHypercubeRange> ranges{{"a", 0.0, 1.0, false}, {"b", 0.0, 1.0, false}};
  const Design design = saltelli_design(ranges, static_cast<int>(n), seed, k_no_limit);
  const auto unit = [](std::uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; };
  for (std::size_t i = 0; i < 2; ++i) {
    RandomStream shifts(StreamKey{seed, k_design_shock_key}, {i, 0, 0, 2, Purpose::design});
    const std::uint64_t shift_a = shifts();
    const std::uint64_t shift_b = shifts();
    const auto sobol_a = sobol_sequence(static_cast<int>(2 * i), n);
    const auto sobol_b = sobol_sequence(static_cast<int>(2 * i + 1), n);
    for (std::size_t r = 0; r < n; ++r) {
      CHECK(number(design[r][i]) == unit((std::uint64_t{sobol_a[r]} << 32) ^ shift_a));
      CHECK(number(design[n + r][i]) == unit((std::uint64_t{sobol_b[r]} << 32) ^ shift_b));
    }
  }
}

TEST_CASE("a Saltelli design's A and B are not paired", "[sweep_design][sobol]") {
  // A key's A and B columns must be unrelated, or A_B^(i) would barely move
  // key i. Pearson's r of the two columns, and of two keys' A columns, at
  // N = 256: |r| < 0.2 (about 3 sd of a random pairing) at a fixed seed.
  const std::size_t n = 256;
  const Design design = saltelli_design(k_three_ranges, static_cast<int>(n), 1, k_no_limit);
  const auto correlation = [&](std::size_t block_x, std::size_t kx, std::size_t block_y,
                               std::size_t ky) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const double x = number(design[block_x * n + r][kx]);
      const double y = number(design[block_y * n + r][ky]);
      sx += x, sy += y, sxx += x * x, syy += y * y, sxy += x * y;
    }
    const double count = static_cast<double>(n);
    return (sxy - sx * sy / count) / std::sqrt((sxx - sx * sx / count) * (syy - sy * sy / count));
  };
  CHECK(std::abs(correlation(0, 0, 1, 0)) < 0.2);
  CHECK(std::abs(correlation(0, 1, 1, 1)) < 0.2);
  CHECK(std::abs(correlation(0, 0, 0, 1)) < 0.2);
}

TEST_CASE("a Saltelli design refuses invalid ranges, sizes and too many keys",
          "[sweep_design][sobol]") {
  CHECK_THROWS_WITH(saltelli_design(k_three_ranges, 0, 1, k_no_limit),
                    "sweep sobol points = 0 must be at least 1");
  CHECK_THROWS_WITH(saltelli_design({}, 10, 1, k_no_limit), "sweep sobol has no keys");
  CHECK_THROWS_WITH(
      saltelli_design(
          std::vector<LatinHypercubeRange>{{"contract.outcome_share", 0.04, 0.02, false}}, 10, 1,
          k_no_limit),
      "sweep range of 'contract.outcome_share' is [0.04, 0.02]: low must be below high");
  CHECK_THROWS_WITH(
      saltelli_design(std::vector<LatinHypercubeRange>{{"indicator.*.volatility", 0.0, 1.0, true}},
                      10, 1, k_no_limit),
      "sweep range of 'indicator.*.volatility' is [0, 1] with log = true: low must be above 0");
  CHECK_THROWS_WITH(saltelli_design(k_three_ranges, 100, 1, 499),
                    "sweep sobol has 100 x (3 + 2) = 500 points, more than the limit of 499");
  CHECK(saltelli_design(k_three_ranges, 100, 1, 500).size() == 500);
  std::vector<LatinHypercubeRange> many;
  for (int k = 0; k <= k_saltelli_max_keys; ++k) {
    many.push_back({"key_" + std::to_string(k), 0.0, 1.0, false});
  }
  CHECK_THROWS_WITH(
      saltelli_design(many, 2, 1, k_no_limit),
      "sweep sobol has 65 keys, more than the 64 its Sobol sequence has dimensions for");
  many.pop_back();
  CHECK(saltelli_design(many, 2, 1, k_no_limit).size() == 2 * 66);
}
