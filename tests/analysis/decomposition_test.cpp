// The decomposition estimator (analysis/decomposition.h) against hand sums:
// each part is the mean of its per-run differences with the paired standard
// error sd / sqrt(N), the parts add up to the total, and the statistics of
// the scenario's own structures are the leading columns.
#include "analysis/decomposition.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

// Columns: 0 the reference b, 1 the structure s, 2 F_s, 3 W0_s; one month.
constexpr int k_columns = 4;
constexpr TallyShape k_shape{k_columns, 1, 0, false};
const ComparedColumns k_compared{1, 0, 2, 3};

// Support needed, [run][column]; a run is short under a column when it
// needs support. Seven runs in blocks of 4 and 3.
constexpr double k_support[7][k_columns] = {{0.0, 1.5e6, 0.2e6, 1.1e6},   {0.3e6, 2.25e6, 0.9e6, 1.7e6},
                                            {0.0, 0.0, 0.0, 0.0},         {1.0e6, 0.5e6, 1.25e6, 0.75e6},
                                            {0.0, 3.0e6, 0.0, 2.5e6},     {0.1e6, 0.1e6, 0.4e6, 0.1e6},
                                            {2.0e6, 4.75e6, 2.5e6, 4.0e6}};

ScenarioTally hand_tally() {
  ScenarioTally tally(k_shape, 0, true);  // decompose pairs per-run values
  for (const auto& [first, count] : {std::pair{0, 4}, std::pair{4, 3}}) {
    BlockTally block(k_shape, first, count);
    for (int j = 0; j < count; ++j) {
      for (int c = 0; c < k_columns; ++c) {
        RunOutcome outcome;
        outcome.support = k_support[first + j][c];
        outcome.min_cash = -outcome.support;
        outcome.shortfall = outcome.support > 0.0;
        outcome.first_shortfall_month = outcome.shortfall ? 1 : 0;
        outcome.months_in_shortfall = outcome.shortfall ? 1 : 0;
        outcome.end_cash = outcome.min_cash;
        outcome.commissioner_cost = 100.0e6 + 1.0e6 * c;
        const double cash[] = {outcome.min_cash};
        block.record(c, j, outcome, cash, {});
      }
    }
    tally.add(std::move(block));
  }
  return tally;
}

// Mean and paired standard error of a - b over the runs, in long double,
// the textbook way (an independent answer).
PairedDifference by_hand(int a, int b, bool indicator) {
  const auto value = [&](int run, int column) -> long double {
    const double support = k_support[run][column];
    return indicator ? (support > 0.0 ? 1.0L : 0.0L) : static_cast<long double>(support);
  };
  long double sum = 0.0L;
  for (int j = 0; j < 7; ++j) sum += value(j, a) - value(j, b);
  const long double mean = sum / 7.0L;
  long double squares = 0.0L;
  for (int j = 0; j < 7; ++j) {
    const long double deviation = value(j, a) - value(j, b) - mean;
    squares += deviation * deviation;
  }
  return {static_cast<double>(mean), static_cast<double>(std::sqrt(squares / 6.0L / 7.0L))};
}

void check_against_hand(const DecomposedDifference& parts, bool indicator) {
  const PairedDifference total = by_hand(1, 0, indicator), price = by_hand(2, 0, indicator),
                         timing = by_hand(3, 2, indicator), feedback = by_hand(1, 3, indicator);
  for (const auto& [found, expected] : {std::pair{parts.total, total}, std::pair{parts.price, price},
                                        std::pair{parts.timing, timing},
                                        std::pair{parts.feedback, feedback}}) {
    CHECK(found.mean == Approx(expected.mean).epsilon(1e-14).margin(1e-14));
    CHECK(found.standard_error == Approx(expected.standard_error).epsilon(1e-12));
  }
  // The parts add up to the total (docs/model.md: exactly, up to rounding).
  const double scale = std::max({std::abs(parts.total.mean), std::abs(parts.price.mean),
                                 std::abs(parts.timing.mean), std::abs(parts.feedback.mean)});
  CHECK(std::abs(parts.price.mean + parts.timing.mean + parts.feedback.mean - parts.total.mean) <=
        1e-12 * scale);
}

}  // namespace

TEST_CASE("a paired difference of indicators from its counts is the textbook mean and error",
          "[decomposition][estimators]") {
  // d over 8 runs: +1 three times, -1 once, 0 four times.
  const PairedDifference d = paired_difference_of_indicators(3, 1, 8);
  CHECK(d.mean == 0.25);
  const double squares = 3 * 0.75 * 0.75 + 1 * 1.25 * 1.25 + 4 * 0.25 * 0.25;
  CHECK(d.standard_error == Approx(std::sqrt(squares / 7.0 / 8.0)).epsilon(1e-15));
  CHECK(std::isnan(paired_difference_of_indicators(1, 0, 1).standard_error));
  CHECK_THROWS_AS(paired_difference_of_indicators(5, 4, 8), std::invalid_argument);
}

TEST_CASE("each part is the mean of its per-run differences, with its paired standard error",
          "[decomposition]") {
  const ScenarioTally tally = hand_tally();
  check_against_hand(decompose_shortfall(tally, k_compared), true);
  check_against_hand(decompose_support(tally, k_compared), false);
  // Counts: the shortfall's total is (short under s) - (short under b) over N.
  CHECK(decompose_shortfall(tally, k_compared).total.mean == (6.0 - 4.0) / 7.0);
  CHECK_THROWS_AS(decompose_support(tally, ComparedColumns{1, 0, 2, 4}), std::out_of_range);
}

TEST_CASE("identical columns give parts of exactly 0 with standard error 0", "[decomposition]") {
  const ScenarioTally tally = hand_tally();
  // s compared with itself through itself: every per-run difference is 0.
  for (const auto& parts :
       {decompose_support(tally, ComparedColumns{1, 1, 1, 1}), decompose_shortfall(tally, ComparedColumns{1, 1, 1, 1})}) {
    for (const auto& part : {parts.total, parts.price, parts.timing, parts.feedback}) {
      CHECK(part.mean == 0.0);
      CHECK(part.standard_error == 0.0);
    }
  }
}

TEST_CASE("the scenario's decomposition: the reference is not compared, costs are differences",
          "[decomposition]") {
  const ScenarioTally tally = hand_tally();
  const ScenarioResults results = tally.finalize();
  // Two structures (b, s) of one provider; s's comparators are columns 2 and 3.
  const Decomposition d =
      decompose(tally, results, 0, {{ComparedColumns{0, 0, -1, -1}}, {k_compared}}, {{0.4}, {0.3}}, 500);
  CHECK(d.structure_count == 2);
  CHECK(d.runs == 7);
  CHECK(d.pilot_runs == 500);
  CHECK(std::isnan(d.p_shortfall[0].total.mean));
  CHECK(std::isnan(d.cost_diff[0]));
  CHECK(d.pilot_earned_fraction == std::vector<double>{0.4, 0.3});
  CHECK(d.cost_diff[1] == results.commissioner_cost_mean[1] - results.commissioner_cost_mean[0]);
  CHECK(d.cost_diff[1] == 1.0e6);
  CHECK(d.flat_cost[1] == 102.0e6);
  CHECK(d.support[1].timing.mean == decompose_support(tally, k_compared).timing.mean);
}

TEST_CASE("the scenario's own statistics are the leading columns", "[decomposition]") {
  const ScenarioResults all = hand_tally().finalize();
  const ScenarioResults own = own_structures(all, 2);
  CHECK(own.structure_count == 2);
  CHECK(own.p_shortfall == std::vector<double>(all.p_shortfall.begin(), all.p_shortfall.begin() + 2));
  CHECK(own.cash_quantiles.size() == 2 * all.cash_quantiles.size() / 4);
  CHECK(own.cash_quantiles ==
        std::vector<double>(all.cash_quantiles.begin(), all.cash_quantiles.begin() + 2 * 5));
  CHECK(own.p_any_shortfall.size() == 2);
  CHECK_THROWS_AS(own_structures(all, 5), std::invalid_argument);
}

}  // namespace shortfall
