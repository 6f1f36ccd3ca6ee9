// Field-by-field, bit-for-bit comparison of two scenarios (every provider,
// segment and the network), for the loader's round-trip tests.
#pragma once

#include <cstring>

#include <catch2/catch.hpp>

#include "models/scenario.h"

namespace shortfall {

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline void require_identical_demand(const DemandProcess& a, const DemandProcess& b) {
  CHECK(same_bits(a.volatility, b.volatility));
  CHECK(same_bits(a.persistence, b.persistence));
  CHECK(same_bits(a.growth, b.growth));
  for (std::size_t m = 0; m < 12; ++m) CHECK(same_bits(a.seasonality[m], b.seasonality[m]));
}

inline void require_identical_setup(const ProviderSetup& a, const ProviderSetup& b) {
  CHECK(a.id == b.id);
  CHECK(a.holds_contract == b.holds_contract);
  CHECK(same_bits(a.provider.opening_cash, b.provider.opening_cash));
  CHECK(same_bits(a.provider.shortfall_threshold, b.provider.shortfall_threshold));
  CHECK(same_bits(a.provider.stress_start_cash, b.provider.stress_start_cash));
  CHECK(same_bits(a.provider.stress_penalty, b.provider.stress_penalty));
  CHECK(same_bits(a.provider.underlying_deficit, b.provider.underlying_deficit));
  CHECK(same_bits(a.provider.fixed_cost_share, b.provider.fixed_cost_share));
  CHECK(same_bits(a.provider.cost_growth, b.provider.cost_growth));
  CHECK(same_bits(a.provider.cost_noise, b.provider.cost_noise));
  CHECK(same_bits(a.provider.overdraft_rate, b.provider.overdraft_rate));
  require_identical_demand(a.demand, b.demand);
  const Contract& ca = a.contract;
  const Contract& cb = b.contract;
  CHECK(same_bits(ca.annual_value, cb.annual_value));
  CHECK(ca.basis == cb.basis);
  CHECK(same_bits(ca.income_growth, cb.income_growth));
  REQUIRE(ca.outcome_share.size() == cb.outcome_share.size());
  for (std::size_t y = 0; y < ca.outcome_share.size(); ++y) {
    CHECK(same_bits(ca.outcome_share[y], cb.outcome_share[y]));
  }
  REQUIRE(ca.structures.size() == cb.structures.size());
  for (std::size_t s = 0; s < ca.structures.size(); ++s) {
    CHECK(ca.structures[s].name == cb.structures[s].name);
    CHECK(same_bits(ca.structures[s].withhold_fraction, cb.structures[s].withhold_fraction));
    CHECK(ca.structures[s].advance == cb.structures[s].advance);
  }
  CHECK(ca.assessment_months == cb.assessment_months);
  CHECK(ca.settlement_lag_months == cb.settlement_lag_months);
  CHECK(ca.payment_rule == cb.payment_rule);
  CHECK(same_bits(ca.withhold_effort_effect, cb.withhold_effort_effect));
  REQUIRE(ca.risk_share.has_value() == cb.risk_share.has_value());
  if (ca.risk_share) {
    CHECK(same_bits(ca.risk_share->corridor, cb.risk_share->corridor));
    CHECK(same_bits(ca.risk_share->commissioner_share, cb.risk_share->commissioner_share));
  }
  REQUIRE(a.indicators.size() == b.indicators.size());
  for (std::size_t i = 0; i < a.indicators.size(); ++i) {
    const Indicator& ia = a.indicators[i];
    const Indicator& ib = b.indicators[i];
    CHECK(ia.id == ib.id);
    CHECK(ia.name == ib.name);
    CHECK(ia.measure == ib.measure);
    CHECK(same_bits(ia.weight, ib.weight));
    CHECK(ia.direction == ib.direction);
    CHECK(same_bits(ia.baseline, ib.baseline));
    CHECK(same_bits(ia.target, ib.target));
    CHECK(same_bits(ia.floor, ib.floor));
    CHECK(ia.cases_per_month == ib.cases_per_month);
    CHECK(same_bits(ia.volatility, ib.volatility));
    CHECK(same_bits(ia.reversion, ib.reversion));
    CHECK(same_bits(ia.trend, ib.trend));
    CHECK(ia.delivered_by == ib.delivered_by);
  }
  REQUIRE(a.correlation.rows() == b.correlation.rows());
  REQUIRE(a.correlation.cols() == b.correlation.cols());
  for (Eigen::Index i = 0; i < a.correlation.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.correlation.cols(); ++j) {
      CHECK(same_bits(a.correlation(i, j), b.correlation(i, j)));
    }
  }
  REQUIRE(a.segments.size() == b.segments.size());
  for (std::size_t s = 0; s < a.segments.size(); ++s) {
    CHECK(a.segments[s].id == b.segments[s].id);
    CHECK(same_bits(a.segments[s].annual_value, b.segments[s].annual_value));
    CHECK(a.segments[s].basis == b.segments[s].basis);
    CHECK(a.segments[s].first_indicator == b.segments[s].first_indicator);
    CHECK(a.segments[s].indicator_count == b.segments[s].indicator_count);
    require_identical_demand(a.segments[s].demand, b.segments[s].demand);
  }
}

inline void require_identical(const Scenario& a, const Scenario& b) {
  CHECK(a.title == b.title);
  CHECK(a.simulation.runs == b.simulation.runs);
  CHECK(a.simulation.horizon_months == b.simulation.horizon_months);
  CHECK(a.simulation.seed == b.simulation.seed);
  CHECK(a.simulation.target_halfwidth == b.simulation.target_halfwidth);
  CHECK(a.simulation.min_runs == b.simulation.min_runs);
  CHECK(a.simulation.max_runs == b.simulation.max_runs);
  CHECK(a.simulation.pilot_runs == b.simulation.pilot_runs);
  CHECK(a.simulation.pilot_runs_given == b.simulation.pilot_runs_given);
  CHECK(a.shock_key == b.shock_key);
  require_identical_setup(a, b);
  REQUIRE(a.provider_count() == b.provider_count());
  for (int p = 1; p < a.provider_count(); ++p) {
    require_identical_setup(a.provider_setup(p), b.provider_setup(p));
  }
  const Network& na = a.network;
  const Network& nb = b.network;
  CHECK(na.model == nb.model);
  CHECK(na.lead == nb.lead);
  CHECK(same_bits(na.management_fee, nb.management_fee));
  REQUIRE(na.subcontracts.size() == nb.subcontracts.size());
  for (std::size_t j = 0; j < na.subcontracts.size(); ++j) {
    CHECK(na.subcontracts[j].provider == nb.subcontracts[j].provider);
    CHECK(same_bits(na.subcontracts[j].value, nb.subcontracts[j].value));
    CHECK(same_bits(na.subcontracts[j].pass_through, nb.subcontracts[j].pass_through));
    CHECK(na.subcontracts[j].payment_delay_months == nb.subcontracts[j].payment_delay_months);
  }
  ProviderSetup shared_a;
  ProviderSetup shared_b;
  shared_a.indicators = na.shared_indicators;
  shared_b.indicators = nb.shared_indicators;
  shared_a.correlation = na.shared_correlation;
  shared_b.correlation = nb.shared_correlation;
  require_identical_setup(shared_a, shared_b);
}

}  // namespace shortfall
