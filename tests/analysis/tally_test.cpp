#include "analysis/tally.h"
#include "analysis/tally_serialization.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

constexpr int k_structures = 2;  // 0: bonus, 1: withhold
constexpr int k_months = 4;
constexpr int k_indicators = 2;
constexpr int k_runs = 7;
constexpr TallyShape k_shape{k_structures, k_months, k_indicators, false};

// Hand-made cash paths, [structure][run][month], threshold S = 0.
// Shortfalls (first month): bonus runs 1 (2), 3 (3), 5 (1); withhold runs
// 0 (3), 1 (2), 4 (3), 5 (1), 6 (4). Paired d = short_1 - short_0 is
// +1 for runs 0, 4, 6, -1 for run 3, 0 otherwise.
constexpr double k_cash[k_structures][k_runs][k_months] = {{{120.5, 80.25, 60.1, 90.3},
                                                            {50.2, -10.7, 5.5, 20.9},
                                                            {300.3, 280.1, 310.7, 330.2},
                                                            {10.1, 5.3, -0.1, -20.6},
                                                            {75.5, 60.4, 45.3, 30.2},
                                                            {-5.5, -15.25, -3.3, 8.8},
                                                            {200.0, 150.7, 100.9, 50.1}},
                                                           {{100.5, 40.25, -20.1, 10.3},
                                                            {30.2, -30.7, -14.5, 0.9},
                                                            {280.3, 240.1, 270.7, 290.2},
                                                            {0.1, 15.3, 9.9, 19.4},
                                                            {55.5, 20.4, -4.7, -9.8},
                                                            {-25.5, -35.25, -23.3, -11.2},
                                                            {180.0, 110.7, 40.9, -30.1}}};

constexpr double k_earned_fraction[k_structures][k_runs] = {
    {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}, {0.7, 0.15, 0.35, 0.95, 0.05, 0.45, 0.65}};

// A run as the model would record it, with every cash value raised by
// `cash_lift` (a large lift removes every shortfall).
struct HandRun {
  std::array<double, k_months> cash;
  RunOutcome outcome;
  std::array<double, k_indicators> achievement;
};

HandRun hand_run(int structure, int run, double cash_lift = 0.0) {
  HandRun hand;
  RunOutcome& outcome = hand.outcome;
  for (int t = 0; t < k_months; ++t) {
    hand.cash[t] = k_cash[structure][run][t] + cash_lift;
    if (hand.cash[t] < 0.0) {
      if (!outcome.shortfall) outcome.first_shortfall_month = t + 1;
      outcome.shortfall = true;
      ++outcome.months_in_shortfall;
    }
  }
  outcome.min_cash = *std::min_element(hand.cash.begin(), hand.cash.end());
  outcome.end_cash = hand.cash.back();
  outcome.support = std::max(0.0, 0.0 - outcome.min_cash);
  outcome.pot = 1000.0;
  outcome.earned_fraction = k_earned_fraction[structure][run];
  outcome.earned = outcome.pot * outcome.earned_fraction;
  outcome.received = 1000.0 / 3.0 * (run + 1) * (structure + 1);
  outcome.receivable = -0.1 * run + 0.7 * structure;
  outcome.commissioner_cost = 1e8 / 7.0 * (run + 1) + 0.3 * structure;
  hand.achievement = {0.1 * (run + structure) / 3.0, 0.1 * (run + 1 + structure) / 3.0};
  return hand;
}

BlockTally hand_block(int first_run, int run_count, bool keep_runs = false,
                      double cash_lift = 0.0) {
  TallyShape shape = k_shape;
  shape.keep_runs = keep_runs;
  BlockTally block(shape, first_run, run_count);
  for (int j = 0; j < run_count; ++j) {
    for (int s = 0; s < k_structures; ++s) {
      const HandRun hand = hand_run(s, first_run + j, cash_lift);
      block.record(s, j, hand.outcome, hand.cash, hand.achievement);
    }
  }
  return block;
}

ScenarioTally hand_tally(const std::vector<int>& block_sizes, double cash_lift = 0.0) {
  ScenarioTally tally(k_shape);
  int first_run = 0;
  for (int size : block_sizes) {
    tally.add(hand_block(first_run, size, false, cash_lift));
    first_run += size;
  }
  return tally;
}

// NumPy's default quantile by a full sort: the reference the partial-sort
// code must match bit for bit.
double sorted_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = static_cast<double>(values.size() - 1) * q;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, values.size() - 1);
  const double gamma = position - std::floor(position);
  const double a = values[lower];
  const double b = values[upper];
  return gamma >= 0.5 ? b - (b - a) * (1.0 - gamma) : a + (b - a) * gamma;  // numpy _lerp
}

double naive_mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Means: the code sums exactly and rounds once, the test sums naively; over
// seven values they agree to a few ulps, so 1e-12 relative.
// A quantile from the tally's sketch is within the stated accuracy of the
// exact one (docs/model.md, "Quantiles from a sketch"): max(0.1 %, £1,000)
// of the larger of the two order statistics it interpolates.
bool within_sketch_accuracy(double actual, std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = static_cast<double>(values.size() - 1) * q;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, values.size() - 1);
  const double magnitude = std::max(std::abs(values[lower]), std::abs(values[upper]));
  const double allowed = std::max(QuantileSketch::k_relative_accuracy * magnitude,
                                  QuantileSketch::k_absolute_accuracy);
  return std::abs(actual - sorted_quantile(values, q)) <= allowed;
}

bool close(double actual, double expected) {
  return std::abs(actual - expected) <= 1e-12 * std::max(1.0, std::abs(expected));
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void require_same_bits(const ScenarioResults& a, const ScenarioResults& b) {
  REQUIRE(a.runs_done == b.runs_done);
  REQUIRE(a.structure_count == b.structure_count);
  REQUIRE(a.month_count == b.month_count);
  REQUIRE(a.indicator_count == b.indicator_count);
  const std::vector<double> ScenarioResults::*fields[] = {
      &ScenarioResults::p_shortfall,
      &ScenarioResults::p_shortfall_ci_low,
      &ScenarioResults::p_shortfall_ci_high,
      &ScenarioResults::p_shortfall_diff,
      &ScenarioResults::p_shortfall_diff_se,
      &ScenarioResults::min_cash_mean,
      &ScenarioResults::min_cash_cvar05,
      &ScenarioResults::support_mean,
      &ScenarioResults::support_p95,
      &ScenarioResults::first_shortfall_month_mean,
      &ScenarioResults::earned_fraction_mean,
      &ScenarioResults::outcome_received_mean,
      &ScenarioResults::receivable_mean,
      &ScenarioResults::commissioner_cost_mean,
      &ScenarioResults::shortfall_by_month,
      &ScenarioResults::cash_quantiles,
      &ScenarioResults::min_cash_quantiles,
      &ScenarioResults::end_cash_quantiles,
      &ScenarioResults::indicator_achievement_mean};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    INFO("field " << i << " of the list");
    REQUIRE(same_bits(a.*fields[i], b.*fields[i]));
  }
}

TEST_CASE("finalize gives the statistics computed directly from the runs", "[tally]") {
  const ScenarioResults results = hand_tally({k_runs}).finalize();
  REQUIRE(results.runs_done == k_runs);
  REQUIRE(results.structure_count == k_structures);
  REQUIRE(results.month_count == k_months);
  REQUIRE(results.indicator_count == k_indicators);
  const auto quantile_count = k_reported_quantiles.size();
  REQUIRE(results.cash_quantiles.size() == k_structures * k_months * quantile_count);

  const double z2 = 1.959964 * 1.959964;
  for (int s = 0; s < k_structures; ++s) {
    INFO("structure " << s);
    std::vector<HandRun> runs;
    for (int j = 0; j < k_runs; ++j) runs.push_back(hand_run(s, j));
    auto column = [&](auto field_of) {
      std::vector<double> values;
      for (const HandRun& run : runs) values.push_back(field_of(run));
      return values;
    };
    const double shortfalls = static_cast<double>(std::count_if(
        runs.begin(), runs.end(), [](const HandRun& r) { return r.outcome.shortfall; }));

    CHECK(results.p_shortfall[s] == shortfalls / k_runs);
    // Wilson in the form (x + z^2/2 -+ z sqrt(x (n - x) / n + z^2/4)) / (n + z^2).
    const double root =
        1.959964 * std::sqrt(shortfalls * (k_runs - shortfalls) / k_runs + z2 / 4.0);
    CHECK(close(results.p_shortfall_ci_low[s], (shortfalls + z2 / 2.0 - root) / (k_runs + z2)));
    CHECK(close(results.p_shortfall_ci_high[s], (shortfalls + z2 / 2.0 + root) / (k_runs + z2)));

    for (int t = 1; t <= k_months; ++t) {
      const auto short_by_t = std::count_if(runs.begin(), runs.end(), [t](const HandRun& r) {
        return r.outcome.shortfall && r.outcome.first_shortfall_month <= t;
      });
      CHECK(results.shortfall_by_month[s * k_months + (t - 1)] ==
            static_cast<double>(short_by_t) / k_runs);
      const auto cash_t = column([t](const HandRun& r) { return r.cash[t - 1]; });
      for (std::size_t q = 0; q < quantile_count; ++q) {
        CHECK(within_sketch_accuracy(
            results.cash_quantiles[(s * k_months + (t - 1)) * quantile_count + q], cash_t,
            k_reported_quantiles[q]));
      }
    }

    const auto min_cash = column([](const HandRun& r) { return r.outcome.min_cash; });
    const auto end_cash = column([](const HandRun& r) { return r.outcome.end_cash; });
    const auto support = column([](const HandRun& r) { return r.outcome.support; });
    for (std::size_t q = 0; q < quantile_count; ++q) {
      CHECK(within_sketch_accuracy(results.min_cash_quantiles[s * quantile_count + q], min_cash,
                                   k_reported_quantiles[q]));
      CHECK(within_sketch_accuracy(results.end_cash_quantiles[s * quantile_count + q], end_cash,
                                   k_reported_quantiles[q]));
    }
    CHECK(close(results.min_cash_mean[s], naive_mean(min_cash)));
    // ceil(0.05 * 7) = 1: the CVaR is the single worst minimum.
    CHECK(results.min_cash_cvar05[s] == *std::min_element(min_cash.begin(), min_cash.end()));
    CHECK(close(results.support_mean[s], naive_mean(support)));
    CHECK(within_sketch_accuracy(results.support_p95[s], support, 0.95));

    double first_month_sum = 0.0;
    for (const HandRun& r : runs) first_month_sum += r.outcome.first_shortfall_month;
    CHECK(results.first_shortfall_month_mean[s] == first_month_sum / shortfalls);

    CHECK(close(results.earned_fraction_mean[s],
                naive_mean(column([](const HandRun& r) { return r.outcome.earned_fraction; }))));
    CHECK(close(results.outcome_received_mean[s],
                naive_mean(column([](const HandRun& r) { return r.outcome.received; }))));
    CHECK(close(results.receivable_mean[s],
                naive_mean(column([](const HandRun& r) { return r.outcome.receivable; }))));
    CHECK(close(results.commissioner_cost_mean[s],
                naive_mean(column([](const HandRun& r) { return r.outcome.commissioner_cost; }))));
    for (int k = 0; k < k_indicators; ++k) {
      CHECK(close(results.indicator_achievement_mean[s * k_indicators + k],
                  naive_mean(column([k](const HandRun& r) { return r.achievement[k]; }))));
    }
  }

  SECTION("hand values of the table above") {
    CHECK(results.p_shortfall[0] == 3.0 / 7.0);
    CHECK(results.p_shortfall[1] == 5.0 / 7.0);
    CHECK(results.first_shortfall_month_mean[0] == 2.0);  // (2 + 3 + 1) / 3
    CHECK(results.first_shortfall_month_mean[1] == 2.6);  // (3 + 2 + 3 + 1 + 4) / 5
    CHECK(results.shortfall_by_month == std::vector<double>{1.0 / 7, 2.0 / 7, 3.0 / 7, 3.0 / 7,
                                                            1.0 / 7, 2.0 / 7, 4.0 / 7, 5.0 / 7});
    CHECK(results.min_cash_cvar05 == std::vector<double>{-20.6, -35.25});
    // Bonus support {0, 10.7, 0, 20.6, 0, 15.25, 0}: position 0.95 * 6 = 5.7
    // between 15.25 and 20.6, the largest (exact) and the next, which shares
    // its bucket and so stands as the bucket's middle clamped to 20.6.
    CHECK(close(results.support_p95[0], 20.6));
  }
}

TEST_CASE("the paired difference and its standard error follow the formula", "[tally]") {
  const ScenarioResults results = hand_tally({k_runs}).finalize();
  // d = short_withhold - short_bonus per run, the mean, and sd with N - 1.
  std::vector<double> d;
  for (int j = 0; j < k_runs; ++j) {
    d.push_back((hand_run(1, j).outcome.shortfall ? 1.0 : 0.0) -
                (hand_run(0, j).outcome.shortfall ? 1.0 : 0.0));
  }
  const double mean = naive_mean(d);
  double squares = 0.0;
  for (double x : d) squares += (x - mean) * (x - mean);
  const double se = std::sqrt(squares / (k_runs - 1)) / std::sqrt(static_cast<double>(k_runs));

  CHECK(results.p_shortfall_diff[0] == 0.0);
  CHECK(results.p_shortfall_diff_se[0] == 0.0);
  CHECK(close(results.p_shortfall_diff[1], mean));
  CHECK(close(results.p_shortfall_diff_se[1], se));
  // By hand: d = {1, 0, 0, -1, 1, 0, 1}, mean 2/7; squared deviations
  // 3 (5/7)^2 + (9/7)^2 + 3 (2/7)^2 = 24/7, variance 4/7, SE sqrt(4/49) = 2/7.
  CHECK(close(results.p_shortfall_diff[1], 2.0 / 7.0));
  CHECK(close(results.p_shortfall_diff_se[1], 2.0 / 7.0));
}

TEST_CASE("any split into blocks gives the same bits", "[tally]") {
  const ScenarioResults whole = hand_tally({k_runs}).finalize();
  for (const auto& sizes : std::vector<std::vector<int>>{
           {1, 1, 1, 1, 1, 1, 1}, {2, 2, 2, 1}, {3, 3, 1}, {4, 3}, {1, 5, 1}, {0, 7, 0}}) {
    INFO("blocks of " << sizes.size());
    require_same_bits(hand_tally(sizes).finalize(), whole);
  }

  SECTION("the data would expose sums merged inexactly") {
    // Naive double sums of blocks of 2 merged in order differ from the
    // run-order sum for this data, so the equality above is not luck.
    bool some_sum_differs = false;
    for (int s = 0; s < k_structures; ++s) {
      for (auto field :
           {&RunOutcome::earned_fraction, &RunOutcome::received, &RunOutcome::receivable,
            &RunOutcome::commissioner_cost, &RunOutcome::min_cash}) {
        double in_run_order = 0.0;
        double by_pairs = 0.0;
        for (int j = 0; j < k_runs; ++j) in_run_order += hand_run(s, j).outcome.*field;
        for (int j = 0; j < k_runs; j += 2) {
          double pair = hand_run(s, j).outcome.*field;
          if (j + 1 < k_runs) pair += hand_run(s, j + 1).outcome.*field;
          by_pairs += pair;
        }
        some_sum_differs = some_sum_differs || in_run_order != by_pairs;
      }
    }
    CHECK(some_sum_differs);
  }
}

TEST_CASE("larger tallies: quantiles within the sketch's accuracy, splits and saved states "
          "invisible",
          "[tally]") {
  // 1000 runs of scrambled money with many ties, in irregular blocks.
  constexpr int runs = 1000;
  constexpr TallyShape shape{3, 6, 1, false};
  std::uint64_t state = 7;
  auto next_uniform = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // Knuth's MMIX LCG
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  struct Run {
    std::vector<std::array<double, 6>> cash;  // [structure]
    std::vector<RunOutcome> outcome;
  };
  std::vector<Run> all(runs);
  for (Run& run : all) {
    for (int s = 0; s < shape.structures; ++s) {
      std::array<double, 6> path{};
      RunOutcome outcome;
      for (int t = 0; t < 6; ++t) {
        // Rounded to £1000 so that ties occur, then thirds so sums round.
        path[t] = std::round(next_uniform() * 40.0 - 10.0 - 3.0 * s) * 1000.0 / 3.0;
        if (path[t] < 0.0 && !outcome.shortfall) {
          outcome.shortfall = true;
          outcome.first_shortfall_month = t + 1;
        }
      }
      outcome.min_cash = *std::min_element(path.begin(), path.end());
      outcome.end_cash = path.back();
      outcome.support = std::max(0.0, -outcome.min_cash);
      outcome.received = next_uniform() * 1e5;
      outcome.receivable = next_uniform() * 1e4 - 5e3;
      run.cash.push_back(path);
      run.outcome.push_back(outcome);
    }
  }
  auto tally_in = [&](const std::vector<int>& sizes) {
    ScenarioTally tally(shape);
    int first = 0;
    for (int size : sizes) {
      BlockTally block(shape, first, size);
      for (int j = 0; j < size; ++j) {
        for (int s = 0; s < shape.structures; ++s) {
          const std::array<double, 1> achievement{static_cast<double>((first + j) % 7) / 7.0};
          block.record(s, j, all[first + j].outcome[s], all[first + j].cash[s], achievement);
        }
      }
      tally.add(std::move(block));
      first += size;
    }
    return tally.finalize();
  };
  const ScenarioResults whole = tally_in({runs});
  require_same_bits(tally_in({1, 999}), whole);
  require_same_bits(tally_in({333, 333, 334}), whole);
  std::vector<int> uneven;
  for (int left = runs, size = 1; left > 0; size = size * 3 % 97 + 1) {
    uneven.push_back(std::min(size, left));
    left -= uneven.back();
  }
  require_same_bits(tally_in(uneven), whole);

  // Merged states of consecutive parts (a checkpoint's, a shard's), saved
  // as bytes and added in order, give the whole tally's bits.
  auto part_of = [&](int first, int count) {
    ScenarioTally part(shape, first);
    BlockTally block(shape, first, count);
    for (int j = 0; j < count; ++j) {
      for (int s = 0; s < shape.structures; ++s) {
        const std::array<double, 1> achievement{static_cast<double>((first + j) % 7) / 7.0};
        block.record(s, j, all[first + j].outcome[s], all[first + j].cash[s], achievement);
      }
    }
    part.add(std::move(block));
    return deserialize_scenario_tally(serialize(part));
  };
  ScenarioTally joined = part_of(0, 0);
  for (const auto& [first, count] : {std::pair{0, 137}, std::pair{137, 600}, std::pair{737, 263}})
    joined.add(part_of(first, count));
  REQUIRE(joined.runs() == runs);
  require_same_bits(joined.finalize(), whole);

  for (int s = 0; s < shape.structures; ++s) {
    for (int t = 0; t < 6; ++t) {
      std::vector<double> cash_t;
      for (const Run& run : all) cash_t.push_back(run.cash[s][t]);
      for (std::size_t q = 0; q < k_reported_quantiles.size(); ++q) {
        REQUIRE(within_sketch_accuracy(
            whole.cash_quantiles[(s * 6 + t) * k_reported_quantiles.size() + q], cash_t,
            k_reported_quantiles[q]));
      }
    }
    std::vector<double> min_cash;
    for (const Run& run : all) min_cash.push_back(run.outcome[s].min_cash);
    std::sort(min_cash.begin(), min_cash.end());
    // ceil(0.05 * 1000) = 50 worst; their mean, each value within the
    // sketch's accuracy.
    double allowance = 0.0;
    for (int i = 0; i < 50; ++i)
      allowance += std::max(QuantileSketch::k_relative_accuracy * std::abs(min_cash[i]),
                            QuantileSketch::k_absolute_accuracy);
    CHECK(std::abs(whole.min_cash_cvar05[s] -
                   std::accumulate(min_cash.begin(), min_cash.begin() + 50, 0.0) / 50.0) <=
          allowance / 50.0);
  }
}

TEST_CASE("no shortfall: the mean first month is NaN, the rest is zero", "[tally]") {
  const ScenarioResults results = hand_tally({3, 4}, 1000.0).finalize();
  for (int s = 0; s < k_structures; ++s) {
    CHECK(results.p_shortfall[s] == 0.0);
    CHECK(results.p_shortfall_ci_low[s] == 0.0);
    CHECK(results.p_shortfall_ci_high[s] > 0.0);
    CHECK(results.p_shortfall_diff[s] == 0.0);
    CHECK(results.p_shortfall_diff_se[s] == 0.0);
    CHECK(std::isnan(results.first_shortfall_month_mean[s]));
    CHECK(results.support_mean[s] == 0.0);
    CHECK(results.support_p95[s] == 0.0);
  }
  CHECK(results.shortfall_by_month == std::vector<double>(k_structures * k_months, 0.0));
}

TEST_CASE("one run: the paired standard error is NaN, quantiles are the run", "[tally]") {
  ScenarioTally tally(k_shape);
  tally.add(hand_block(0, 1));
  const ScenarioResults results = tally.finalize();
  CHECK(results.p_shortfall_diff[1] == 1.0);  // run 0: short under withhold only
  CHECK(std::isnan(results.p_shortfall_diff_se[1]));
  CHECK(results.p_shortfall_diff_se[0] == 0.0);
  CHECK(results.min_cash_quantiles[0] == 60.1);
  CHECK(results.min_cash_quantiles[4] == 60.1);
  CHECK(results.min_cash_cvar05[1] == -20.1);
}

TEST_CASE("no runs: every statistic is NaN", "[tally]") {
  const ScenarioResults results = ScenarioTally(k_shape).finalize();
  CHECK(results.runs_done == 0);
  REQUIRE(results.p_shortfall.size() == k_structures);
  CHECK(std::isnan(results.p_shortfall[0]));
  CHECK(std::isnan(results.p_shortfall_diff[0]));
  CHECK(std::isnan(results.cash_quantiles[0]));
  CHECK(std::isnan(results.indicator_achievement_mean[0]));
}

TEST_CASE("ScenarioTally::add refuses gaps, disorder and strangers", "[tally]") {
  ScenarioTally tally(k_shape);
  tally.add(hand_block(0, 3));
  CHECK_THROWS_AS(tally.add(hand_block(4, 3)), std::logic_error);        // run 3 missing
  CHECK_THROWS_AS(tally.add(hand_block(0, 3)), std::logic_error);        // twice
  CHECK_THROWS_AS(tally.add(hand_block(3, 3, true)), std::logic_error);  // keep_runs differs
  CHECK(tally.runs() == 3);
  tally.add(hand_block(3, 4));
  CHECK(tally.runs() == 7);
  CHECK(tally.shortfalls(0) == 3);
  CHECK(tally.shortfalls(1) == 5);

  SECTION("the first block must start where the tally does") {
    ScenarioTally from_zero(k_shape);
    CHECK_THROWS_AS(from_zero.add(hand_block(2, 3)), std::logic_error);
    ScenarioTally shard(k_shape, 2);
    shard.add(hand_block(2, 3));
    CHECK(shard.first_run() == 2);
    CHECK(shard.runs() == 3);
  }
  SECTION("an incomplete block") {
    BlockTally block(k_shape, 3, 2);
    const HandRun run = hand_run(0, 3);
    block.record(0, 0, run.outcome, run.cash, run.achievement);
    CHECK_FALSE(block.complete());
    CHECK_THROWS_AS(tally.add(std::move(block)), std::logic_error);
  }
}

TEST_CASE("BlockTally::record enforces its order and sizes", "[tally]") {
  BlockTally block(k_shape, 0, 3);
  const HandRun run0 = hand_run(0, 0);
  const HandRun run1 = hand_run(1, 0);
  CHECK_THROWS_AS(block.record(0, 1, run0.outcome, run0.cash, run0.achievement), std::logic_error);
  CHECK_THROWS_AS(block.record(1, 0, run1.outcome, run1.cash, run1.achievement), std::logic_error);
  CHECK_THROWS_AS(block.record(2, 0, run0.outcome, run0.cash, run0.achievement), std::out_of_range);
  const std::array<double, 3> short_path{1.0, 2.0, 3.0};
  CHECK_THROWS_AS(block.record(0, 0, run0.outcome, short_path, run0.achievement),
                  std::invalid_argument);
  RunOutcome inconsistent = run0.outcome;
  inconsistent.shortfall = true;  // with first_shortfall_month 0
  CHECK_THROWS_AS(block.record(0, 0, inconsistent, run0.cash, run0.achievement),
                  std::invalid_argument);
  block.record(0, 0, run0.outcome, run0.cash, run0.achievement);
  block.record(1, 0, run1.outcome, run1.cash, run1.achievement);
  CHECK(block.cash(1, 3, 0) == -20.1);
  CHECK(block.min_cash(1, 0) == -20.1);
  CHECK(block.end_cash(0, 0) == 90.3);
  CHECK(block.shortfall_count(1) == 1);
  CHECK_THROWS_AS(block.outcome(0, 0), std::logic_error);  // runs not kept
}

TEST_CASE("keep_runs stores every RunOutcome", "[tally]") {
  const BlockTally block = hand_block(2, 3, true);
  for (int s = 0; s < k_structures; ++s) {
    for (int j = 0; j < 3; ++j) {
      const RunOutcome expected = hand_run(s, 2 + j).outcome;
      const RunOutcome& kept = block.outcome(s, j);
      CHECK(kept.first_shortfall_month == expected.first_shortfall_month);
      CHECK(kept.min_cash == expected.min_cash);
      CHECK(kept.commissioner_cost == expected.commissioner_cost);
    }
  }
}

TEST_CASE("BlockTally::record refuses a value that is not finite", "[tally]") {
  const double infinity = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const HandRun run = hand_run(0, 0);

  SECTION("cash in a month, named with the run, structure and month") {
    BlockTally block(k_shape, 40, 1);
    std::vector<double> cash(run.cash.begin(), run.cash.end());
    cash[2] = nan;
    try {
      block.record(0, 0, run.outcome, cash, run.achievement);
      FAIL("no exception");
    } catch (const NonFiniteRunValue& error) {
      CHECK(error.run == 40);
      CHECK(error.structure == 0);
      CHECK(error.month == 3);
      CHECK(error.quantity == "cash");
      CHECK(std::string(error.what()) == "run 40 under structure 0: cash in month 3 is NaN");
    }
    // Nothing of the run was counted.
    CHECK(block.sums[0].min_cash_sum.value() == 0.0);
  }
  SECTION("each value of the run's record") {
    for (double RunOutcome::*field : {&RunOutcome::min_cash, &RunOutcome::end_cash, &RunOutcome::support,
                                      &RunOutcome::pot, &RunOutcome::earned, &RunOutcome::received,
                                      &RunOutcome::receivable, &RunOutcome::commissioner_cost}) {
      for (const double bad : {infinity, -infinity, nan}) {
        BlockTally block(k_shape, 0, 1);
        RunOutcome outcome = run.outcome;
        outcome.*field = bad;
        CHECK_THROWS_AS(block.record(0, 0, outcome, run.cash, run.achievement), NonFiniteRunValue);
      }
    }
  }
  SECTION("the earned fraction is NaN exactly when the pot is empty") {
    BlockTally block(k_shape, 0, 1);
    RunOutcome no_pot = run.outcome;
    no_pot.pot = 0.0;
    no_pot.earned = 0.0;
    no_pot.earned_fraction = nan;
    CHECK_NOTHROW(block.record(0, 0, no_pot, run.cash, run.achievement));
    BlockTally other(k_shape, 0, 1);
    RunOutcome with_pot = run.outcome;
    with_pot.earned_fraction = nan;
    CHECK_THROWS_WITH(other.record(0, 0, with_pot, run.cash, run.achievement),
                      Catch::Contains("earned fraction is NaN"));
  }
}

}  // namespace
}  // namespace shortfall
