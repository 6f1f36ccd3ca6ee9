// The decomposition's pilot (sim/engine/pilot.h): e-bar is the engine's own
// mean earned fraction on the pilot's shock key, the same bits for any
// thread count; all met gives exactly 1, no pot 0, no contract NaN.
#include "sim/engine/pilot.h"

#include <cmath>
#include <cstring>

#include <catch2/catch.hpp>

#include "sim/engine/engine.h"
#include "support/engine_fixture.h"
#include "support/network_fixture.h"

using namespace shortfall;
using shortfall::testing::noisy_scenario;

TEST_CASE("the pilot's e-bar is the mean earned fraction on its own futures, for any thread count",
          "[pilot][decomposition][reproducibility]") {
  const Scenario scenario = noisy_scenario();
  constexpr std::int64_t k_pilot_runs = 2500;  // two and a half blocks
  const auto one = pilot_earned_fractions(scenario, k_pilot_runs, 1);
  const auto two = pilot_earned_fractions(scenario, k_pilot_runs, 2);
  const auto eight = pilot_earned_fractions(scenario, k_pilot_runs, 8);
  REQUIRE(one.size() == 3);
  for (std::size_t s = 0; s < one.size(); ++s) {
    REQUIRE(one[s].size() == 1);
    CHECK(std::memcmp(&one[s][0], &two[s][0], sizeof(double)) == 0);
    CHECK(std::memcmp(&one[s][0], &eight[s][0], sizeof(double)) == 0);
  }
  // The engine's own statistic of the same runs: the scenario on the pilot's key.
  Scenario on_pilot_key = scenario;
  on_pilot_key.shock_key = k_pilot_shock_key;
  on_pilot_key.simulation.runs = k_pilot_runs;
  const ScenarioResults engine = finalize_scenario(simulate_scenario(on_pilot_key, {2, false, {}}), 2);
  for (std::size_t s = 0; s < one.size(); ++s) CHECK(one[s][0] == engine.earned_fraction_mean[s]);
  // And not the main runs' futures: on key 0 the mean differs.
  Scenario on_main_key = on_pilot_key;
  on_main_key.shock_key = 0;
  const ScenarioResults main = finalize_scenario(simulate_scenario(on_main_key, {2, false, {}}), 2);
  CHECK(one[1][0] != main.earned_fraction_mean[1]);
}

TEST_CASE("the pilot's e-bar: all met is 1, no pot is 0, no contract is NaN", "[pilot][decomposition]") {
  const Scenario quiet = shortfall::testing::quiet_scenario();  // every indicator met, no noise
  for (const auto& per_provider : pilot_earned_fractions(quiet, 100, 2)) CHECK(per_provider[0] == 1.0);
  Scenario no_pot = quiet;
  no_pot.contract.outcome_share = {0.0};
  for (const auto& per_provider : pilot_earned_fractions(no_pot, 100, 2)) CHECK(per_provider[0] == 0.0);
  const Scenario network = shortfall::testing::prime_network(0.5, 1);
  for (const auto& per_provider : pilot_earned_fractions(network, 100, 2)) {
    CHECK(per_provider[0] == 1.0);
    CHECK(std::isnan(per_provider[1]));
  }
}
