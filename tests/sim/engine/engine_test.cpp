// The engine against answers that do not come from it (docs/model.md section 10)
// and its reproducibility guarantees (section 8).
#include "sim/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "support/engine_fixture.h"
#include "support/scenario_fixture.h"

using namespace shortfall;
using shortfall::testing::noisy_scenario;
using shortfall::testing::quiet_scenario;
using shortfall::testing::require_identical;
using shortfall::testing::same_bits;

namespace {

double binomial_pmf(int n, int k, double p) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) +
                  k * std::log(p) + (n - k) * std::log1p(-p));
}

}  // namespace

TEST_CASE("work units cover the runs in fixed blocks", "[engine]") {
  const auto units = plan_work_units(0, 2500, 1000);
  REQUIRE(units.size() == 3);
  CHECK(units[2].first_run == 2000);
  CHECK(units[2].run_count == 500);
  CHECK(plan_work_units(0, 1000, 1000).size() == 1);
}

TEST_CASE("1, 2 and 8 threads give bit-identical statistics", "[engine][reproducibility]") {
  const auto scenario = noisy_scenario();
  EngineOptions options;
  options.threads = 1;
  const auto one = finalize_scenario(simulate_scenario(scenario, options), 1);
  options.threads = 2;
  const auto two = finalize_scenario(simulate_scenario(scenario, options), 2);
  options.threads = 8;
  const auto eight = finalize_scenario(simulate_scenario(scenario, options), 8);
  require_identical(one, simulate_scenario(scenario, options).finalize());  // serial finalize
  require_identical(one, two);
  require_identical(one, eight);
}

TEST_CASE("a run's normals follow the stream layout, one draw at a time", "[engine][reproducibility]") {
  // RunDraws computes each opening block once and draws the normals from its
  // words; each value must be that of its own draw computed alone
  // (DrawStream::at), whatever else the run drew.
  const auto scenario = noisy_scenario();
  const StreamKey key{scenario.simulation.seed, scenario.shock_key};
  RunDraws draws(scenario);
  draws.draw(23);
  const auto& shocks = draws.shocks();
  const auto indicators = static_cast<std::size_t>(scenario.indicator_count());
  for (std::uint32_t t = 1; t <= static_cast<std::uint32_t>(scenario.simulation.horizon_months); ++t) {
    auto demand = DrawStream::at(key, {23, 0, t, 0, Purpose::demand});
    CHECK(shocks.demand[t - 1] == standard_normal(demand));
    auto cost = DrawStream::at(key, {23, 0, t, 0, Purpose::cost});
    CHECK(shocks.cost[t - 1] == standard_normal(cost));
    for (std::uint32_t i = 0; i < indicators; ++i) {
      auto performance = DrawStream::at(key, {23, 0, t, i, Purpose::performance});
      CHECK(shocks.performance[(t - 1) * indicators + i] == standard_normal(performance));
    }
  }
}

TEST_CASE("a run gives the same bits alone, out of order, or among others", "[engine][reproducibility]") {
  // The pbrt test: run 17, then 3, then 17 again, and run 17 inside a block.
  const auto scenario = noisy_scenario();
  const ScenarioModel model(scenario);
  const auto alone = [&](std::int64_t run) {
    return simulate_block(scenario, model, {0, 0, run, 1}, true);
  };
  const auto first = alone(17);
  const auto other = alone(3);
  const auto again = alone(17);
  const auto among = simulate_block(scenario, model, {0, 0, 0, 40}, true);
  for (int s = 0; s < scenario.structure_count(); ++s) {
    for (int t = 1; t <= scenario.simulation.horizon_months; ++t) {
      CHECK(first.cash(s, t, 0) == again.cash(s, t, 0));
      CHECK(first.cash(s, t, 0) == among.cash(s, t, 17));
      CHECK(other.cash(s, t, 0) == among.cash(s, t, 3));
    }
    CHECK(first.outcome(s, 0).earned == among.outcome(s, 17).earned);
  }
}

TEST_CASE("structures share their draws: without feedback they earn identical amounts", "[engine][crn]") {
  auto scenario = noisy_scenario();
  scenario.provider.stress_penalty = 0.0;
  scenario.contract.withhold_effort_effect = 0.0;
  scenario.simulation.runs = 300;
  const ScenarioModel model(scenario);
  const auto block = simulate_block(scenario, model, {0, 0, 0, 300}, true);
  for (int j = 0; j < 300; ++j) {
    CHECK(block.outcome(1, j).earned == block.outcome(0, j).earned);
    CHECK(block.outcome(2, j).earned == block.outcome(0, j).earned);
  }
}

TEST_CASE("binomial tail of earning the pot gives P(shortfall) = 1 - q^P'", "[engine][known-answer]") {
  // docs/model.md section 10, case 7: one indicator, threshold rule, constant performance, n
  // cases a month, annual assessment, withhold, no deficit, no other noise.
  // Cash_0 - S = 13.5 w lies in [w(12m + L - 1), w(12m + L)) with m = 1, L = 2:
  // a shortfall happens exactly when one of the P' = 2 periods settled by
  // month 36 (months 14 and 26) misses.
  auto scenario = quiet_scenario(1);
  scenario.simulation.runs = 20000;
  scenario.contract.assessment_months = 12;
  scenario.contract.settlement_lag_months = 2;
  scenario.contract.structures = {PaymentStructure::withhold()};
  auto& indicator = scenario.indicators[0];
  indicator.baseline = 0.8;
  indicator.target = 0.78;
  indicator.cases_per_month = 5;
  const double w = 0.03 * 120.0e6 / 12.0;
  scenario.provider.opening_cash = 13.5 * w;
  EngineOptions options;
  options.threads = 2;
  const auto results = simulate_scenario(scenario, options).finalize();

  const int cases = 12 * 5;
  const double rate = logistic(logit(0.8));
  const int needed = threshold_count(0.78, cases);  // 47
  double q = 0.0;  // binomial tail, exact sum
  for (int y = needed; y <= cases; ++y) q += binomial_pmf(cases, y, rate);
  const double expected = 1.0 - q * q;
  const double n = static_cast<double>(scenario.simulation.runs);
  const double standard_error = std::sqrt(expected * (1.0 - expected) / n);
  INFO("q = " << q << ", expected " << expected << ", got " << results.p_shortfall[0]);
  CHECK(std::abs(results.p_shortfall[0] - expected) < 4.0 * standard_error);
}

TEST_CASE("linear rule: mean earned fraction equals the exact binomial sum", "[engine][known-answer]") {
  // Constant independent indicators under the linear rule: E[a_i] =
  // sum_y pmf(y) clamp((y/N - floor)/(target - floor), 0, 1); the earned
  // fraction's mean is sum_i w_i E[a_i], checked within 4 standard errors.
  auto scenario = quiet_scenario(2);
  scenario.simulation.runs = 5000;
  scenario.contract.payment_rule = PaymentRule::linear;
  scenario.contract.structures = {PaymentStructure::bonus()};
  scenario.indicators[0].weight = 0.75;
  scenario.indicators[0].baseline = 0.7;
  scenario.indicators[0].target = 0.75;
  scenario.indicators[0].floor = 0.6;
  scenario.indicators[0].cases_per_month = 10;
  scenario.indicators[1].weight = 0.25;
  scenario.indicators[1].direction = Direction::lower;
  scenario.indicators[1].baseline = 0.1;
  scenario.indicators[1].target = 0.08;
  scenario.indicators[1].floor = 0.14;
  scenario.indicators[1].cases_per_month = 40;

  double expected = 0.0;
  for (const auto& indicator : scenario.indicators) {
    const int cases = 3 * indicator.cases_per_month;
    const double rate = logistic(logit(indicator.baseline));
    double mean_achievement = 0.0;
    for (int y = 0; y <= cases; ++y) {
      const double share = static_cast<double>(y) / cases;
      const double a = std::clamp((share - indicator.floor) / (indicator.target - indicator.floor), 0.0, 1.0);
      mean_achievement += binomial_pmf(cases, y, rate) * a;
    }
    expected += indicator.weight * mean_achievement;
  }

  EngineOptions options;
  options.keep_runs = true;
  const auto tally = simulate_scenario(scenario, options);
  const auto results = tally.finalize();
  double sum_squares = 0.0;
  const double mean = results.earned_fraction_mean[0];
  for (const auto& block : tally.blocks()) {
    for (int j = 0; j < block.run_count(); ++j) {
      const double d = block.outcome(0, j).earned_fraction - mean;
      sum_squares += d * d;
    }
  }
  const double n = static_cast<double>(scenario.simulation.runs);
  const double standard_error = std::sqrt(sum_squares / (n - 1) / n);
  INFO("expected " << expected << ", got " << mean << " +- " << standard_error);
  CHECK(std::abs(mean - expected) < 4.0 * standard_error);
}
