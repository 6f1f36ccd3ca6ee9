// sim/cli/solver.h: the search of `shortfall solve` against probabilities
// known in closed form. Each test's "engine" is a closed form P(x) and, for
// noise, the coupling common random numbers give: run r is short at x when
// its uniform u_r < P(x), the same u_r at every x. The true crossing x* with
// P(x*) = α is then known exactly.
#include "sim/cli/solver.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <set>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/estimators.h"

namespace shortfall {
namespace {

using Catch::Contains;

// Uniforms in [0, 1) from a fixed 64-bit generator (SplitMix64: the bits are
// fixed by its definition, on every platform).
std::vector<double> uniforms(std::uint64_t seed, int count) {
  std::vector<double> u;
  std::uint64_t state = seed;
  for (int i = 0; i < count; ++i) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    u.push_back(static_cast<double>(z >> 11) * 0x1.0p-53);
  }
  return u;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// Φ^{-1} by bisection on normal_cdf: slow, plain and exact to double precision.
double normal_quantile(double p) {
  double low = -40.0, high = 40.0;
  for (int i = 0; i < 200; ++i) {
    const double middle = (low + high) / 2.0;
    (normal_cdf(middle) < p ? low : high) = middle;
  }
  return (low + high) / 2.0;
}

// Runs with uniforms `u` at a point where the probability is p (one structure).
ShortfallCount coupled_count(const std::vector<double>& u, double p) {
  ShortfallCount count{0, static_cast<std::int64_t>(u.size())};
  for (const double v : u) count.shortfalls += v < p ? 1 : 0;
  return count;
}

template <class Probability>
EvaluatePoints coupled(const std::vector<double>& u, Probability probability, int structures = 1) {
  return [&u, probability, structures](std::span<const double> points) {
    std::vector<std::vector<ShortfallCount>> counts;
    for (const double x : points) {
      std::vector<ShortfallCount> row;
      for (int s = 0; s < structures; ++s) row.push_back(coupled_count(u, probability(x, s)));
      counts.push_back(row);
    }
    return counts;
  };
}

SolveSearch search_over(double low, double high, double target) {
  SolveSearch search;
  search.low = low;
  search.high = high;
  search.target = target;
  search.tolerance = (high - low) / 1000.0;
  return search;
}

}  // namespace

TEST_CASE("the first batch is an even grid with exact ends", "[solver]") {
  SolveSearch search = search_over(2.0, 10.0, 0.05);
  const auto grid = bracket_grid(search);
  REQUIRE(grid.size() == 9);
  CHECK(grid.front() == 2.0);
  CHECK(grid.back() == 10.0);
  CHECK(grid[4] == 6.0);
  search.integer = true;
  search.low = 0;
  search.high = 5;
  CHECK(bracket_grid(search) == std::vector<double>{0, 1, 2, 3, 4, 5});  // every integer
  search.high = 24;
  CHECK(bracket_grid(search) == std::vector<double>{0, 3, 6, 9, 12, 15, 18, 21, 24});
  search.high = 10;  // 10 i / 8 rounded, halves away from 0: 0 1 3 4 5 6 8 9 10
  CHECK(bracket_grid(search) == std::vector<double>{0, 1, 3, 4, 5, 6, 8, 9, 10});
}

TEST_CASE("a probability that jumps at a known point: the answer and interval shrink to it",
          "[solver]") {
  // No noise: every run is short below c and safe from c up (more cash is
  // safer), the case of a deterministic cash path.
  const double c = 3.7e6;
  const std::vector<double> u = uniforms(1, 500);
  SolveSearch search = search_over(0.0, 10.0e6, 0.05);
  const SolveResult result =
      solve_crossings(search, coupled(u, [c](double x, int) { return x < c ? 1.0 : 0.0; }));
  const Crossing& crossing = result.crossings.front();
  REQUIRE(crossing.found);
  CHECK(crossing.safe == SafeSide::above);
  // The answer is the evaluated safe point nearest c: within the tolerance, never below.
  CHECK(crossing.value >= c);
  CHECK(crossing.value - c <= search.tolerance);
  CHECK(crossing.at_value.shortfalls == 0);
  // With no noise the interval is the jump, to the tolerance.
  CHECK(crossing.low <= crossing.value);
  CHECK(crossing.high >= crossing.value);
  CHECK(crossing.high - crossing.low <= search.tolerance);
  CHECK(std::abs(crossing.low - c) <= search.tolerance);
  CHECK_FALSE(crossing.low_at_bracket);
  CHECK_FALSE(crossing.high_at_bracket);
  // A halving a batch from a gap of 1.25e6 to 1e4: at most 7 batches after the grid.
  CHECK(result.batches <= 1 + 7);
  // No point is evaluated twice.
  CHECK(std::set<double>(result.evaluated.begin(), result.evaluated.end()).size() ==
        result.evaluated.size());
}

TEST_CASE("a normal probability: the answer within Monte Carlo error of the closed form",
          "[solver]") {
  // P(x) = Φ((x - m) / s) rises with x (an outcome share, say): safe below.
  // x* = m + s Φ^{-1}(α).
  const double m = 0.05, s = 0.01, alpha = 0.05;
  const double truth = m + s * normal_quantile(alpha);
  const std::vector<double> u = uniforms(20170401, 20000);
  SolveSearch search = search_over(0.0, 0.1, alpha);
  const SolveResult result = solve_crossings(
      search, coupled(u, [&](double x, int) { return normal_cdf((x - m) / s); }));
  const Crossing& crossing = result.crossings.front();
  REQUIRE(crossing.found);
  CHECK(crossing.safe == SafeSide::below);
  CHECK(crossing.at_value.p() <= alpha);
  // The s.e. of P̂ at x* is sqrt(α(1-α)/N) = 0.00154; through the slope
  // φ(z_α)/s = 10.3 per unit of x that is 0.00015 in x. Four of them, plus
  // the tolerance.
  const double se_x = std::sqrt(alpha * (1 - alpha) / 20000.0) /
                      (std::exp(-0.5 * std::pow(normal_quantile(alpha), 2)) / std::sqrt(2 * std::numbers::pi) / s);
  CHECK(std::abs(crossing.value - truth) <= 4 * se_x + search.tolerance);
  CHECK(crossing.low < crossing.value);
  CHECK(crossing.value < crossing.high);
  // The interval is a 95 % one (its coverage is the next test's): here the
  // truth lies within it or at most 2 s.e. beyond, a 4 s.e. event.
  CHECK(crossing.low - 2 * se_x <= truth);
  CHECK(truth <= crossing.high + 2 * se_x);
  // The interval is about 1.96 s.e. in x on each side; the coupled runs
  // between its ends (about 60 on a side) make its width vary by some 15 %.
  CHECK(std::abs((crossing.high - crossing.low) - 2 * 1.96 * se_x) <=
        0.35 * 2 * 1.96 * se_x + 2 * search.tolerance);
}

TEST_CASE("over 100 seeds the interval holds the true crossing in 90-99 % of them", "[solver]") {
  // Test inversion with the Wilson interval: about 95 % coverage. 400 runs a
  // point, the truth exact; about 0.2 s.
  const double m = 0.3, s = 0.1, alpha = 0.05;
  const double truth = m + s * normal_quantile(alpha);
  int covered = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const std::vector<double> u = uniforms(seed * 7919, 400);
    const SolveResult result = solve_crossings(
        search_over(0.0, 1.0, alpha), coupled(u, [&](double x, int) { return normal_cdf((x - m) / s); }));
    const Crossing& crossing = result.crossings.front();
    REQUIRE(crossing.found);
    if (crossing.low <= truth && truth <= crossing.high) ++covered;
  }
  CHECK(covered >= 90);
  CHECK(covered <= 99);
}

TEST_CASE("an integer key: the last safe integer and which side is safe", "[solver]") {
  // P by lag 0..12, rising; exact counts of 10,000 runs. α = 5 %: lags 0-4
  // are safe (4.0 %), 5 is not (6.0 %).
  const std::vector<double> p{0.0, 0.01, 0.02, 0.03, 0.04, 0.06, 0.2, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0};
  SolveSearch search;
  search.low = 0;
  search.high = 12;
  search.target = 0.05;
  search.tolerance = 1;
  search.integer = true;
  const auto evaluate = [&](std::span<const double> points) {
    std::vector<std::vector<ShortfallCount>> counts;
    for (const double x : points) {
      REQUIRE(x == std::trunc(x));  // integers only
      counts.push_back({{static_cast<std::int64_t>(std::llround(p.at(static_cast<std::size_t>(x)) * 10000)),
                         10000}});
    }
    return counts;
  };
  const Crossing crossing = solve_crossings(search, evaluate).crossings.front();
  REQUIRE(crossing.found);
  CHECK(crossing.value == 4.0);
  CHECK(crossing.safe == SafeSide::below);
  // 4 % and 6 % of 10,000 are both far from 5 % (Wilson half-width 0.4 %):
  // the last safe lag is 4 for certain.
  CHECK(crossing.low == 4.0);
  CHECK(crossing.high == 4.0);

  // With 300 runs 3 %, 4 % and 6 % are within the noise of 5 % (Wilson
  // upper bounds of 9/300 and 12/300 are 5.6 % and 6.9 %, the lower bound of
  // 18/300 is 3.8 %), 2 % and 20 % are not: the last safe lag may be 2 (if 3
  // is in fact unsafe) up to 5 (if 5 is in fact safe).
  const auto noisy = [&](std::span<const double> points) {
    std::vector<std::vector<ShortfallCount>> counts;
    for (const double x : points)
      counts.push_back({{static_cast<std::int64_t>(std::llround(p.at(static_cast<std::size_t>(x)) * 300)), 300}});
    return counts;
  };
  const Crossing wide = solve_crossings(search, noisy).crossings.front();
  CHECK(wide.value == 4.0);
  CHECK(wide.low == 2.0);
  CHECK(wide.high == 5.0);
}

TEST_CASE("a target not crossed in the bracket is reported, never extrapolated", "[solver]") {
  const std::vector<double> u = uniforms(3, 1000);
  const SolveSearch search = search_over(0.0, 1.0, 0.05);
  const Crossing low = solve_crossings(search, coupled(u, [](double x, int) { return 0.01 + 0.02 * x; }))
                           .crossings.front();
  CHECK_FALSE(low.found);
  CHECK_THAT(low.reason, Contains("stays at or below 5 % over [0, 1]"));
  CHECK_THAT(low.reason, Contains("every value in the bracket is safe"));
  const Crossing high = solve_crossings(search, coupled(u, [](double x, int) { return 0.5 + 0.3 * x; }))
                            .crossings.front();
  CHECK_FALSE(high.found);
  CHECK_THAT(high.reason, Contains("stays above 5 %"));
  CHECK_THAT(high.reason, Contains("no value in the bracket is safe"));
}

TEST_CASE("a probability that is not monotone beyond its noise is reported", "[solver]") {
  const std::vector<double> u = uniforms(4, 2000);
  const SolveSearch search = search_over(0.0, 1.0, 0.05);
  // Rises to 60 % at 0.5, falls back to 30 % at 1: a hump of 30 points.
  const auto hump = [](double x, int) { return x < 0.5 ? 1.2 * x : 0.6 - 0.6 * (x - 0.5); };
  const Crossing crossing = solve_crossings(search, coupled(u, hump)).crossings.front();
  CHECK_FALSE(crossing.found);
  CHECK_THAT(crossing.reason, Contains("is not monotone over [0, 1]: it falls from"));
  CHECK_THAT(crossing.reason, Contains("although it rises over the bracket"));

  // P = 0.08 x, but at 0.5 it dips below its value at 0.375 by `dip`. A dip
  // of 0.3 points is 0.6 standard errors of 2,000 runs: noise, and the answer
  // stands (0.628125, where the count first exceeds 100 of 2,000); 3 points
  // is 7.9 of them.
  for (const double dip : {0.003, 0.03}) {
    const auto dipping = [dip](std::span<const double> points) {
      std::vector<std::vector<ShortfallCount>> counts;
      for (const double x : points) {
        const double p = x == 0.5 ? 0.08 * 0.375 - dip : 0.08 * x;
        counts.push_back({{static_cast<std::int64_t>(std::llround(p * 2000)), 2000}});
      }
      return counts;
    };
    const Crossing dipped = solve_crossings(search, dipping).crossings.front();
    INFO("dip " << dip);
    CHECK(dipped.found == (dip < 0.01));
    if (dipped.found) CHECK(dipped.value == Approx(0.628125).margin(0.001));
    if (!dipped.found) CHECK_THAT(dipped.reason, Contains("falls from 3 % at 0.375 to 0 % at 0.5"));
  }
}

TEST_CASE("structures share every point and each finds its own crossing", "[solver]") {
  // Two structures on the same runs: crossings at 0.3 and 0.6 of a rising P.
  const std::vector<double> u = uniforms(5, 4000);
  SolveSearch search = search_over(0.0, 1.0, 0.5);
  search.structures = 2;
  int calls = 0;
  std::vector<double> asked;
  const auto base = coupled(u, [](double x, int s) { return std::clamp(x - (s == 0 ? -0.2 : 0.1), 0.0, 1.0); }, 2);
  const SolveResult result = solve_crossings(search, [&](std::span<const double> points) {
    ++calls;
    for (std::size_t i = 1; i < points.size(); ++i) REQUIRE(points[i - 1] < points[i]);
    asked.insert(asked.end(), points.begin(), points.end());
    return base(points);
  });
  REQUIRE(result.crossings.size() == 2);
  CHECK(result.crossings[0].value == Approx(0.3).margin(0.02));
  CHECK(result.crossings[1].value == Approx(0.6).margin(0.02));
  CHECK(calls == result.batches);
  CHECK(asked == result.evaluated);
  CHECK(std::set<double>(asked.begin(), asked.end()).size() == asked.size());
  CHECK(static_cast<int>(asked.size()) <= most_points(search));
  // The same counts give the same points: a solve is deterministic.
  const SolveResult again = solve_crossings(search, base);
  CHECK(again.evaluated == result.evaluated);
  CHECK(again.crossings[1].low == result.crossings[1].low);
}

TEST_CASE("the outlook after each batch is near the points still to come, and 0 at the end", "[solver]") {
  // One structure, P(x) = x on [0, 1], α = 0.5, 200,000 coupled runs: the
  // answer and the interval's ends sit in one gap of the first grid (width
  // 1/8), each chain halving it down to the tolerance 1/1000 takes
  // ceil(log2(125)) = 7 points. The interval's ends (about ±0.002 from the
  // answer) part from the answer's chain as the gap shrinks past them.
  const std::vector<double> u = uniforms(11, 200000);
  const SolveSearch search = search_over(0.0, 1.0, 0.5);
  std::vector<int> outlooks;
  std::vector<std::size_t> evaluated_before;
  std::size_t evaluated = 0;
  const auto base = coupled(u, [](double x, int) { return x; });
  const SolveResult result = solve_crossings(
      search,
      [&](std::span<const double> points) {
        evaluated += points.size();
        return base(points);
      },
      [&](int expected) {
        outlooks.push_back(expected);
        evaluated_before.push_back(evaluated);
      });
  REQUIRE(result.crossings.front().found);
  REQUIRE(static_cast<int>(outlooks.size()) == result.batches);
  CHECK(outlooks.back() == 0);
  CHECK(outlooks.front() % 7 == 0);  // whole chains from the first grid's gaps
  // Each outlook is within a quarter (and one point) of what was still evaluated after it.
  for (std::size_t b = 0; b < outlooks.size(); ++b) {
    const auto still = static_cast<double>(result.evaluated.size() - evaluated_before[b]);
    CHECK(std::abs(outlooks[b] - still) <= 0.25 * still + 1.0);
  }
}

TEST_CASE("an interval that reaches the bracket says so", "[solver]") {
  // 2 short runs of 50 at the safe end: 4 %, whose Wilson interval (up to
  // 13.5 %) already holds 5 %.
  const SolveSearch search = search_over(0.0, 1.0, 0.05);
  const auto evaluate = [](std::span<const double> points) {
    std::vector<std::vector<ShortfallCount>> counts;
    for (const double x : points)
      counts.push_back({{static_cast<std::int64_t>(std::llround((0.04 + 0.2 * x) * 50)), 50}});
    return counts;
  };
  const Crossing crossing = solve_crossings(search, evaluate).crossings.front();
  REQUIRE(crossing.found);
  CHECK(crossing.low == 0.0);
  CHECK(crossing.low_at_bracket);
}

TEST_CASE("a search that breaks the rules is refused", "[solver]") {
  const EvaluatePoints never = [](std::span<const double>) -> std::vector<std::vector<ShortfallCount>> {
    FAIL("evaluated");
    return {};
  };
  SolveSearch search = search_over(1.0, 1.0, 0.05);
  search.tolerance = 0.1;
  CHECK_THROWS_AS(solve_crossings(search, never), std::invalid_argument);
  search = search_over(0.0, 1.0, 1.0);
  CHECK_THROWS_AS(solve_crossings(search, never), std::invalid_argument);
  search = search_over(0.0, 1.0, 0.05);
  search.tolerance = 0.0;
  CHECK_THROWS_AS(solve_crossings(search, never), std::invalid_argument);
  search = search_over(0.0, 1.5, 0.05);
  search.integer = true;
  CHECK_THROWS_AS(solve_crossings(search, never), std::invalid_argument);
}

}  // namespace shortfall
