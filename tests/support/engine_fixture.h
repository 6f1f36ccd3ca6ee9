// Shared by the engine's tests: a scenario with every mechanism on, and
// bit-for-bit comparison of results.
#pragma once

#include <cstring>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/scenario_results.h"
#include "scenario_fixture.h"

namespace shortfall::testing {

// A noisy scenario with every mechanism on: stress feedback, effort effect,
// correlated indicators, binomial measurement, demand and cost noise.
inline Scenario noisy_scenario() {
  auto scenario = quiet_scenario(3);
  scenario.simulation.runs = 2500;
  scenario.provider.opening_cash = 1.0e6;
  scenario.provider.underlying_deficit = 0.01;
  scenario.provider.stress_penalty = 0.5;
  scenario.provider.cost_noise = 0.02;
  scenario.provider.overdraft_rate = 0.035;
  scenario.demand.volatility = 0.05;
  scenario.demand.persistence = 0.7;
  scenario.contract.payment_rule = PaymentRule::linear;
  scenario.contract.withhold_effort_effect = 0.1;
  for (auto& indicator : scenario.indicators) {
    indicator.baseline = 0.8;
    indicator.cases_per_month = 20;
    indicator.volatility = 0.1;
    indicator.reversion = 0.2;
  }
  scenario.indicators[2].cases_per_month = 3;
  scenario.correlation = Eigen::MatrixXd::Constant(3, 3, 0.3);
  scenario.correlation.diagonal().setOnes();
  return scenario;
}

inline bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

inline void require_identical(const ScenarioResults& a, const ScenarioResults& b) {
  REQUIRE(a.runs_done == b.runs_done);
  for (auto member :
       {&ScenarioResults::p_shortfall, &ScenarioResults::p_shortfall_ci_low,
        &ScenarioResults::p_shortfall_diff, &ScenarioResults::p_shortfall_diff_se,
        &ScenarioResults::min_cash_mean, &ScenarioResults::min_cash_cvar05,
        &ScenarioResults::support_mean, &ScenarioResults::support_p95,
        &ScenarioResults::first_shortfall_month_mean, &ScenarioResults::earned_fraction_mean,
        &ScenarioResults::outcome_received_mean, &ScenarioResults::receivable_mean,
        &ScenarioResults::commissioner_cost_mean, &ScenarioResults::shortfall_by_month,
        &ScenarioResults::cash_quantiles, &ScenarioResults::min_cash_quantiles,
        &ScenarioResults::end_cash_quantiles, &ScenarioResults::indicator_achievement_mean, &ScenarioResults::p_any_shortfall}) {
    REQUIRE(same_bits(a.*member, b.*member));
  }
}

}  // namespace shortfall::testing
