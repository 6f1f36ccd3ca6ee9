// The network kernel through the engine, with every source of noise on:
// a network of one provider, or a contract of one segment, gives exactly
// the single-provider bits (docs/model.md 9); providers of a network keep their
// common random numbers across structures; threads do not change the bits.
#include <cstring>

#include <catch2/catch.hpp>

#include "sim/engine/engine.h"
#include "support/engine_fixture.h"
#include "support/network_fixture.h"

using namespace shortfall;
using shortfall::testing::noisy_scenario;
using shortfall::testing::require_identical;

namespace {

bool same_outcome(const RunOutcome& a, const RunOutcome& b) {
  return std::memcmp(&a.min_cash, &b.min_cash, sizeof(double)) == 0 && a.shortfall == b.shortfall &&
         a.first_shortfall_month == b.first_shortfall_month &&
         a.months_in_shortfall == b.months_in_shortfall && a.end_cash == b.end_cash &&
         a.support == b.support && a.pot == b.pot && a.earned == b.earned &&
         a.received == b.received && a.receivable == b.receivable &&
         a.commissioner_cost == b.commissioner_cost &&
         std::memcmp(&a.earned_fraction, &b.earned_fraction, sizeof(double)) == 0;
}

// Every run's record and cash path, and the final statistics, bit for bit.
void require_same_bits(const Scenario& single, const Scenario& other) {
  const ScenarioModel single_model(single), other_model(other);
  REQUIRE(single_model.single() != nullptr);
  REQUIRE(other_model.network() != nullptr);
  const WorkUnit unit{0, 0, 0, 400};
  const BlockTally a = simulate_block(single, single_model, unit, true);
  const BlockTally b = simulate_block(other, other_model, unit, true);
  for (int s = 0; s < single.structure_count(); ++s) {
    for (int j = 0; j < unit.run_count; ++j) {
      REQUIRE(same_outcome(a.outcome(s, j), b.outcome(s, j)));
      for (int t = 1; t <= single.simulation.horizon_months; ++t) REQUIRE(a.cash(s, t, j) == b.cash(s, t, j));
    }
  }
  ScenarioTally ta(tally_shape(single, true)), tb(tally_shape(other, true));
  ta.add(a);
  tb.add(b);
  require_identical(ta.finalize(), tb.finalize());
}

}  // namespace

TEST_CASE("a network of one provider gives the single-provider bits", "[network][engine]") {
  const Scenario single = noisy_scenario();
  for (const auto model : {NetworkModel::alliance, NetworkModel::prime}) {
    Scenario network = single;
    network.id = "trust";
    network.network.model = model;
    require_same_bits(single, network);
  }
  // With a risk share and an episodic basis too.
  Scenario single_risk = noisy_scenario();
  single_risk.contract.basis = Basis::episodic;
  single_risk.contract.risk_share = RiskShare{0.005, 0.5};
  Scenario network_risk = single_risk;
  network_risk.network.model = NetworkModel::alliance;
  require_same_bits(single_risk, network_risk);
}

TEST_CASE("a contract of one segment gives the single-provider bits", "[network][segments][engine]") {
  const Scenario single = noisy_scenario();
  Scenario segmented = single;
  segmented.segments.push_back(Segment{"all", single.contract.annual_value, single.contract.basis,
                                       single.demand, 0, single.indicator_count()});
  require_same_bits(single, segmented);
}

TEST_CASE("segments: each is paid on its own value and basis, and costs follow their mix",
          "[network][segments][engine]") {
  // Two segments whose demand processes and bases differ; no noise, so the
  // income of each month is the sum of the two segments' closed forms.
  Scenario scenario = shortfall::testing::quiet_scenario(2);
  scenario.contract.structures = {PaymentStructure::bonus()};
  scenario.segments = {Segment{"psychosis", 80.0e6, Basis::block, {}, 0, 1},
                       Segment{"organic", 40.0e6, Basis::capitation, {}, 1, 1}};
  scenario.segments[1].demand.growth = 0.05;
  scenario.indicators[0].weight = 1.0;
  scenario.indicators[1].weight = 1.0;
  const ScenarioModel model(scenario);
  const BlockTally block = simulate_block(scenario, model, {0, 0, 0, 1}, true);
  double cash = scenario.provider.opening_cash;
  for (int t = 1; t <= 36; ++t) {
    const double trend = std::pow(1.05, (t - 1) / 12.0);  // G_t of the organic segment
    const double income = 80.0e6 / 12.0 + 40.0e6 / 12.0 * trend;
    const bool settles = t >= 4 && (t - 1) % 3 == 0;
    const double bonus = settles ? 0.03 * (80.0e6 + 40.0e6) / 4.0 : 0.0;
    // K = V/12 [phi + (1 - phi) sum_s (V_s/V) A_s], A_s = G_t of segment s.
    const double mix = 80.0 / 120.0 * 1.0 + 40.0 / 120.0 * trend;
    const double cost = 120.0e6 / 12.0 * (0.75 + 0.25 * mix);
    cash += income + bonus - cost;
    REQUIRE(block.cash(0, t, 0) == Approx(cash).epsilon(1e-12));
  }
}

TEST_CASE("network: the same bits on 1, 2 and 8 threads; common random numbers across structures",
          "[network][engine][reproducibility]") {
  Scenario scenario = shortfall::testing::prime_network(0.0, 1);
  auto noisy = noisy_scenario();
  scenario.provider = noisy.provider;
  scenario.demand = noisy.demand;
  scenario.contract.payment_rule = noisy.contract.payment_rule;
  scenario.simulation.runs = 2500;
  auto& sub = scenario.other_providers[0];
  sub.provider.cost_noise = 0.03;
  sub.provider.stress_penalty = 0.5;
  sub.demand.volatility = 0.05;
  EngineOptions options;
  options.threads = 1;
  const auto one = finalize_scenario(simulate_scenario(scenario, options), 1);
  options.threads = 2;
  const auto two = finalize_scenario(simulate_scenario(scenario, options), 2);
  options.threads = 8;
  const auto eight = finalize_scenario(simulate_scenario(scenario, options), 8);
  require_identical(one, two);
  require_identical(one, eight);
  REQUIRE(one.provider_count == 2);
  REQUIRE(one.p_any_shortfall.size() == 3);
  // With pass-through 0 the subcontractor's cash cannot tell the structures apart.
  const ScenarioModel model(scenario);
  const BlockTally block = simulate_block(scenario, model, {0, 0, 0, 200}, true);
  for (int j = 0; j < 200; ++j) {
    for (int t = 1; t <= 36; ++t) {
      REQUIRE(block.cash(1, t, j) == block.cash(3, t, j));  // bonus vs withhold, provider 1
      REQUIRE(block.cash(1, t, j) == block.cash(5, t, j));  // bonus vs advance
    }
  }
  // p_any_shortfall is at least every provider's own, and at most their sum.
  for (int s = 0; s < 3; ++s) {
    const double lead = one.p_shortfall[static_cast<std::size_t>(2 * s)];
    const double small = one.p_shortfall[static_cast<std::size_t>(2 * s + 1)];
    CHECK(one.p_any_shortfall[static_cast<std::size_t>(s)] >= std::max(lead, small));
    CHECK(one.p_any_shortfall[static_cast<std::size_t>(s)] <= lead + small + 1e-15);
  }
}
