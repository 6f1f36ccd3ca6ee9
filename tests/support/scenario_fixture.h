// Hand-built scenarios for tests that must not depend on the TOML loader.
#pragma once

#include "models/scenario.h"

namespace shortfall::testing {

// One provider with every source of noise switched off: demand, cost and
// indicators are deterministic and measured without sampling noise. A
// £120m block contract (so V/12 = £10m), 3 % outcome share, quarterly
// assessment, no growth, no deficit, bonus / withhold / advance.
inline Scenario quiet_scenario(int indicator_count = 2) {
  Scenario scenario;
  scenario.title = "deterministic";
  scenario.simulation = {100, 36, 12345};
  scenario.provider.opening_cash = 5.0e6;
  scenario.provider.shortfall_threshold = 0.0;
  scenario.provider.stress_start_cash = 20.0e6;
  scenario.provider.fixed_cost_share = 0.75;
  scenario.contract.annual_value = 120.0e6;
  scenario.contract.outcome_share = {0.03};
  scenario.contract.structures = {PaymentStructure::bonus(), PaymentStructure::withhold(),
                                  PaymentStructure::paid_in_advance()};
  scenario.contract.assessment_months = 3;
  scenario.contract.settlement_lag_months = 1;
  scenario.contract.payment_rule = PaymentRule::threshold;
  for (int i = 0; i < indicator_count; ++i) {
    Indicator indicator;
    indicator.id = "indicator_" + std::to_string(i);
    indicator.name = indicator.id;
    indicator.measure = "measure";
    indicator.weight = 1.0 / indicator_count;
    indicator.baseline = 0.9;
    indicator.target = 0.8;  // met with room to spare
    indicator.floor = 0.6;
    scenario.indicators.push_back(indicator);
  }
  scenario.correlation = Eigen::MatrixXd::Identity(indicator_count, indicator_count);
  return scenario;
}

// quiet_scenario() with its calendar set: horizon T, assessment period and
// settlement lag, in months.
inline Scenario quiet_scenario_with_calendar(int horizon, int period, int lag) {
  Scenario scenario = quiet_scenario();
  scenario.simulation.horizon_months = horizon;
  scenario.contract.assessment_months = period;
  scenario.contract.settlement_lag_months = lag;
  return scenario;
}

}  // namespace shortfall::testing
