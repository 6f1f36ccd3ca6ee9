#include "analysis/estimators.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Closed forms are checked to 1e-12 relative (STYLE.md): the code and the
// test write the formula differently, so the last bits may differ.
bool close(double actual, double expected) {
  return std::abs(actual - expected) <= 1e-12 * std::abs(expected);
}

// Wilson (1927) in the form (x + z^2/2 +- z sqrt(x (n - x) / n + z^2 / 4)) /
// (n + z^2), algebraically equal to the centre/half-width form of the code.
std::pair<double, double> wilson_reference(double x, double n) {
  const double z = 1.959964;
  const double z2 = z * z;
  const double root = z * std::sqrt(x * (n - x) / n + z2 / 4.0);
  return {(x + z2 / 2.0 - root) / (n + z2), (x + z2 / 2.0 + root) / (n + z2)};
}

TEST_CASE("wilson_interval matches the closed form", "[estimators]") {
  SECTION("0 of 10: the low end is exactly 0, the high end z^2 / (n + z^2)") {
    const auto [low, high] = wilson_interval(0, 10);
    CHECK(low == 0.0);
    CHECK(high > 0.0);
    const double z2 = 1.959964 * 1.959964;
    CHECK(close(high, z2 / (10.0 + z2)));
    CHECK(close(high, wilson_reference(0, 10).second));
  }
  SECTION("5 of 10: symmetric about 1/2") {
    const auto [low, high] = wilson_interval(5, 10);
    const auto [expected_low, expected_high] = wilson_reference(5, 10);
    CHECK(close(low, expected_low));
    CHECK(close(high, expected_high));
    CHECK(close(low + high, 1.0));
  }
  SECTION("10 of 10: the high end is exactly 1, the low end n / (n + z^2)") {
    const auto [low, high] = wilson_interval(10, 10);
    CHECK(high == 1.0);
    const double z2 = 1.959964 * 1.959964;
    CHECK(close(low, 10.0 / (10.0 + z2)));
  }
  SECTION("1 of a million") {
    const auto [low, high] = wilson_interval(1, 1'000'000);
    const auto [expected_low, expected_high] = wilson_reference(1, 1e6);
    CHECK(close(low, expected_low));
    CHECK(close(high, expected_high));
    CHECK(low > 0.0);
    CHECK(low < 1e-6);
    CHECK(high > 1e-6);
  }
  SECTION("not a proportion") {
    CHECK_THROWS_AS(wilson_interval(0, 0), std::invalid_argument);
    CHECK_THROWS_AS(wilson_interval(11, 10), std::invalid_argument);
    CHECK_THROWS_AS(wilson_interval(-1, 10), std::invalid_argument);
  }
}

constexpr std::array<double, 7> k_test_quantiles{0.05, 0.25, 0.5, 0.75, 0.95, 0.1, 0.33};

std::vector<double> quantiles_one_by_one(std::vector<double> values) {
  std::vector<double> out;
  for (double q : k_test_quantiles) {
    std::vector<double> copy = values;
    out.push_back(quantile_linear(copy, q));
  }
  return out;
}

std::vector<double> quantiles_together(std::vector<double> values, std::span<const double> qs) {
  std::vector<double> out(qs.size());
  quantiles_linear(values, qs, out);
  return out;
}

TEST_CASE("quantile_linear equals NumPy's default", "[estimators]") {
  // Expected values printed by
  //   /usr/bin/python3 -c "import numpy as np; a = [...];
  //     print([repr(float(np.quantile(np.array(a), q)))
  //            for q in [0.05, 0.25, 0.5, 0.75, 0.95, 0.1, 0.33]])"
  // with NumPy 1.24.2 (Debian 12); compared bit for bit.
  SECTION("seven values") {
    const std::vector<double> values{3.5, -1.25, 7.0, 2.0, 10.5, 0.0, 4.75};
    const std::vector<double> numpy{-0.875, 1.0, 3.5, 5.875, 9.449999999999998, -0.4999999999999999,
                                    1.96};
    CHECK(quantiles_one_by_one(values) == numpy);
  }
  SECTION("ten values with a tie") {
    const std::vector<double> values{0.1, 0.7, -2.3, 5.9, 3.3, 3.3, 1.4, -0.6, 8.8, 2.2};
    const std::vector<double> numpy{-1.535, 0.25, 1.8, 3.3, 7.494999999999997, -0.7699999999999999,
                                    0.682};
    CHECK(quantiles_one_by_one(values) == numpy);
  }
  SECTION("two values") {
    const std::vector<double> numpy{1.05, 1.25, 1.5, 1.75, 1.95, 1.1, 1.33};
    CHECK(quantiles_one_by_one({2.0, 1.0}) == numpy);
  }
  SECTION("one value is every quantile") {
    CHECK(quantiles_one_by_one({42.0}) == std::vector<double>(k_test_quantiles.size(), 42.0));
  }
  SECTION("all tied") {
    CHECK(quantiles_one_by_one({5.0, 5.0, 5.0, 5.0}) ==
          std::vector<double>(k_test_quantiles.size(), 5.0));
  }
  SECTION("the ends are the minimum and the maximum") {
    const std::array<double, 2> ends{0.0, 1.0};
    CHECK(quantiles_together({3.0, -7.5, 2.0, 9.25}, ends) == std::vector<double>{-7.5, 9.25});
  }
}

TEST_CASE("quantiles_linear reuses one partial order and gives the same bits", "[estimators]") {
  const std::vector<double> values{0.1, 0.7, -2.3, 5.9, 3.3, 3.3, 1.4, -0.6, 8.8, 2.2};
  // Ascending q, with a repeat and the ends.
  const std::vector<double> qs{0.0, 0.05, 0.1, 0.25, 0.33, 0.33, 0.5, 0.75, 0.95, 1.0};
  std::vector<double> one_by_one;
  for (double q : qs) {
    std::vector<double> copy = values;
    one_by_one.push_back(quantile_linear(copy, q));
  }
  CHECK(quantiles_together(values, qs) == one_by_one);

  SECTION("any permutation of the values gives the same quantiles") {
    std::vector<double> permuted = values;
    std::sort(permuted.begin(), permuted.end());
    do {
      REQUIRE(quantiles_together(permuted, qs) == one_by_one);
    } while (std::next_permutation(permuted.begin(), permuted.begin() + 6));
    std::reverse(permuted.begin(), permuted.end());
    CHECK(quantiles_together(permuted, qs) == one_by_one);
  }
  SECTION("descending q is refused") {
    std::vector<double> out(2);
    std::vector<double> copy = values;
    const std::array<double, 2> descending{0.5, 0.25};
    CHECK_THROWS_AS(quantiles_linear(copy, descending, out), std::invalid_argument);
  }
  SECTION("q outside [0, 1] is refused") {
    std::vector<double> copy = values;
    CHECK_THROWS_AS(quantile_linear(copy, 1.5), std::invalid_argument);
  }
}

TEST_CASE("quantiles of nothing or of a NaN are NaN, as NumPy gives", "[estimators]") {
  std::vector<double> empty;
  CHECK(std::isnan(quantile_linear(empty, 0.5)));
  std::vector<double> with_nan{1.0, k_nan, 3.0};
  CHECK(std::isnan(quantile_linear(with_nan, 0.05)));
}

TEST_CASE("lower_tail_count is ceil(share N) without rounding noise", "[estimators]") {
  CHECK(lower_tail_count(1, 0.05) == 1);
  CHECK(lower_tail_count(19, 0.05) == 1);
  CHECK(lower_tail_count(20, 0.05) == 1);
  CHECK(lower_tail_count(21, 0.05) == 2);
  CHECK(lower_tail_count(100, 0.05) == 5);
  CHECK(lower_tail_count(101, 0.05) == 6);
  CHECK(lower_tail_count(1'000'000, 0.05) == 50'000);
  CHECK(lower_tail_count(0, 0.05) == 0);
  // 0.07 * 100 is 7.000000000000001 in doubles, so a bare ceil gives 8.
  CHECK(lower_tail_count(100, 0.07) == 7);
  // Against integer arithmetic, ceil(p N / 100) = (p N + 99) / 100, for every
  // N up to 10^5 and shares where doubles do and do not land off a whole number.
  for (const std::int64_t percent : {5, 7, 55}) {
    const double share = static_cast<double>(percent) / 100.0;
    for (std::int64_t n = 1; n <= 100'000; ++n) {
      REQUIRE(lower_tail_count(n, share) == (percent * n + 99) / 100);
    }
  }
  CHECK_THROWS_AS(lower_tail_count(10, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(lower_tail_count(10, 1.5), std::invalid_argument);
}

// 1..N in a scrambled order: the worst k values are 1..k, whose mean is (k + 1) / 2.
std::vector<double> scrambled_one_to(int n) {
  std::vector<double> values(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    values[static_cast<std::size_t>(i)] = static_cast<double>((i * 37) % n + 1);
  return values;
}

double tail_mean_of(std::vector<double> values, double share) {
  return lower_tail_mean(values, share);
}

TEST_CASE("lower_tail_mean is the mean of the worst ceil(0.05 N) values", "[estimators]") {
  // N: ceil(0.05 N) = k, mean of 1..k = (k + 1) / 2.
  CHECK(tail_mean_of(scrambled_one_to(1), 0.05) == 1.0);    // k = 1
  CHECK(tail_mean_of(scrambled_one_to(19), 0.05) == 1.0);   // k = 1
  CHECK(tail_mean_of(scrambled_one_to(20), 0.05) == 1.0);   // k = 1
  CHECK(tail_mean_of(scrambled_one_to(21), 0.05) == 1.5);   // k = 2
  CHECK(tail_mean_of(scrambled_one_to(100), 0.05) == 3.0);  // k = 5
  CHECK(tail_mean_of(scrambled_one_to(101), 0.05) == 3.5);  // k = 6

  SECTION("money values: the three worst of 41") {
    std::vector<double> values(41, 1.0e6);
    values[7] = -2.5e5;
    values[19] = -1.0e5 / 3.0;
    values[33] = 0.1;
    values[40] = 0.2;  // fourth worst: outside the tail of ceil(2.05) = 3
    CHECK(close(lower_tail_mean(values, 0.05), (-2.5e5 - 1.0e5 / 3.0 + 0.1) / 3.0));
  }
  SECTION("ties and order do not matter") {
    std::vector<double> values{4.0, -1.0, -1.0, 7.0, -1.0, 2.0, 9.0, -1.0, 0.0, 3.0};
    CHECK(lower_tail_mean(values, 0.3) == -1.0);  // ceil(3) = 3 of the four -1s
  }
  SECTION("nothing or a NaN gives NaN") {
    std::vector<double> empty;
    CHECK(std::isnan(lower_tail_mean(empty, 0.05)));
    std::vector<double> with_nan{1.0, k_nan};
    CHECK(std::isnan(lower_tail_mean(with_nan, 0.05)));
  }
}

double exact_sum_of(std::initializer_list<double> values) {
  ExactSum sum;
  for (double v : values) sum += v;
  return sum.value();
}

TEST_CASE("ExactSum rounds the exact sum once", "[estimators]") {
  CHECK(exact_sum_of({1e16, 1.0, -1e16}) == 1.0);        // naive order gives 0
  CHECK(exact_sum_of({1e308, 1e308, -1e308}) == 1e308);  // naive order overflows

  // Ten copies of double(0.1) add to 1 + 5.55e-17, nearest double 1.0; the
  // naive loop gives 0.9999999999999999.
  ExactSum tenth_times_ten;
  for (int i = 0; i < 10; ++i) tenth_times_ten += 0.1;
  CHECK(tenth_times_ten.value() == 1.0);
  ExactSum minus_tenth_times_ten;
  for (int i = 0; i < 10; ++i) minus_tenth_times_ten += -0.1;
  CHECK(minus_tenth_times_ten.value() == -1.0);

  SECTION("round half to even") {
    const double half_ulp_of_one = std::ldexp(1.0, -53);
    CHECK(exact_sum_of({1.0, half_ulp_of_one}) == 1.0);  // tie, 1.0 is even
    CHECK(exact_sum_of({1.0, half_ulp_of_one, std::ldexp(1.0, -80)}) ==
          1.0 + std::ldexp(1.0, -52));                 // just above the tie
    const double one_up = 1.0 + std::ldexp(1.0, -52);  // odd last bit
    CHECK(exact_sum_of({one_up, half_ulp_of_one}) == 1.0 + std::ldexp(1.0, -51));
    CHECK(exact_sum_of({-1.0, -half_ulp_of_one}) == -1.0);
  }
  SECTION("subnormals and the edges of the range") {
    const double tiny = std::numeric_limits<double>::denorm_min();
    CHECK(exact_sum_of({tiny, tiny, tiny}) == 3.0 * tiny);
    const double smallest_normal = std::numeric_limits<double>::min();
    CHECK(exact_sum_of({smallest_normal, -tiny}) == smallest_normal - tiny);
    CHECK(exact_sum_of({1.0, tiny, -1.0}) == tiny);
    const double largest = std::numeric_limits<double>::max();
    CHECK(exact_sum_of({largest, largest}) == std::numeric_limits<double>::infinity());
    CHECK(exact_sum_of({largest, largest, -largest}) == largest);
  }
  SECTION("zero, back and forth through negative") {
    ExactSum sum;
    for (double v : {0.3, -1e300, 2.5, 1e300, -0.3, 0.0, -2.5, -0.0}) sum += v;
    CHECK(sum.value() == 0.0);
    CHECK(sum == ExactSum{});
  }
  SECTION("infinities and NaN as IEEE addition") {
    const double infinity = std::numeric_limits<double>::infinity();
    CHECK(exact_sum_of({1.0, infinity}) == infinity);
    CHECK(exact_sum_of({-infinity, 1.0}) == -infinity);
    CHECK(std::isnan(exact_sum_of({infinity, -infinity})));
    CHECK(std::isnan(exact_sum_of({1.0, k_nan, 2.0})));
  }
}

TEST_CASE("ExactSum agrees with integer arithmetic and merges in any grouping", "[estimators]") {
  // Multiples of 1/8 up to 2^52 in size, each a double exactly: their sum
  // needs more than 53 bits, an int64 holds it exactly, and converting that int64 to double
  // rounds to nearest, even on a tie: an independent correctly rounded answer.
  std::uint64_t state = 20170401;
  std::vector<std::int64_t> eighths;
  for (int i = 0; i < 200; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
    eighths.push_back(static_cast<std::int64_t>(state >> 11) - (std::int64_t{1} << 52));
  }
  ExactSum sequential;
  std::int64_t exact_eighths = 0;
  for (std::int64_t k : eighths) {
    sequential += static_cast<double>(k) * 0.125;
    exact_eighths += k;
    REQUIRE(sequential.value() == static_cast<double>(exact_eighths) * 0.125);
  }
  // Blocks of 1, 3, 7 and 64 merged in block order: the same state.
  for (std::size_t block_size : {1, 3, 7, 64}) {
    ExactSum merged;
    for (std::size_t start = 0; start < eighths.size(); start += block_size) {
      ExactSum block;
      for (std::size_t i = start; i < std::min(eighths.size(), start + block_size); ++i) {
        block += static_cast<double>(eighths[i]) * 0.125;
      }
      merged += block;
    }
    CHECK(merged == sequential);
  }
}

}  // namespace
}  // namespace shortfall

TEST_CASE("quantiles of large arrays equal those of a full sort", "[estimators][quantile]") {
  // From 4,096 values on the order statistics come from buckets; the answer
  // must be bit for bit that of sorting and interpolating (NumPy's rule).
  const auto by_sorting = [](std::vector<double> values, double q) {
    std::sort(values.begin(), values.end());
    const double position = static_cast<double>(values.size() - 1) * q;
    const auto lower = static_cast<std::size_t>(std::floor(position));
    const double gamma = position - std::floor(position);
    if (gamma == 0.0 || lower + 1 >= values.size()) return values[lower];
    const double a = values[lower], b = values[lower + 1];
    return gamma >= 0.5 ? b - (b - a) * (1.0 - gamma) : a + (b - a) * gamma;
  };
  std::mt19937_64 generator(42);
  std::normal_distribution<double> normal(0.0, 1.0e6);
  std::vector<std::vector<double>> cases;
  std::vector<double> spread(100003);
  for (auto& v : spread) v = normal(generator);
  cases.push_back(spread);
  std::vector<double> ties(50000);
  for (std::size_t i = 0; i < ties.size(); ++i) ties[i] = static_cast<double>(i % 7);
  cases.push_back(ties);
  std::vector<double> outlier(40000, -3.5);  // one bucket holds all but one value
  outlier[123] = 1.0e12;
  cases.push_back(outlier);
  std::vector<double> wide(60000);
  for (auto& v : wide) v = std::ldexp(normal(generator), static_cast<int>(generator() % 80) - 40);
  cases.push_back(wide);
  cases.push_back(std::vector<double>(40000, 2.25));
  const std::vector<double> qs{0.05, 0.25, 0.5, 0.75, 0.95};
  for (auto& values : cases) {
    std::vector<double> out(qs.size());
    auto copy = values;
    shortfall::quantiles_linear(copy, qs, out);
    for (std::size_t i = 0; i < qs.size(); ++i) CHECK(out[i] == by_sorting(values, qs[i]));
  }
}
