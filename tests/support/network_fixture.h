// Hand-built networks for the network kernel's tests (no TOML loader).
#pragma once

#include "scenario_fixture.h"

namespace shortfall::testing {

// A subcontractor: no contract, a month of cash, every noise off.
inline ProviderSetup subcontractor(const std::string& id, double opening_cash) {
  ProviderSetup sub;
  sub.id = id;
  sub.holds_contract = false;
  sub.provider.opening_cash = opening_cash;
  sub.provider.stress_start_cash = 4.0 * opening_cash;
  sub.provider.fixed_cost_share = 0.75;
  sub.correlation = Eigen::MatrixXd(0, 0);
  return sub;
}

// quiet_scenario's £120m trust as a prime contractor subcontracting £12m
// (c = 0.1) of its contract to one small provider with £1m of cash.
inline Scenario prime_network(double pass_through, int delay_months) {
  Scenario scenario = quiet_scenario(2);
  scenario.id = "trust";
  scenario.network.model = NetworkModel::prime;
  scenario.network.lead = 0;
  scenario.other_providers.push_back(subcontractor("vcs", 1.0e6));
  scenario.network.subcontracts.push_back({1, 12.0e6, pass_through, delay_months});
  return scenario;
}

}  // namespace shortfall::testing
