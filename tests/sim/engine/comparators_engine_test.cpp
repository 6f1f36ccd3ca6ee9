// The decomposition's comparators through the kernels and the engine, with
// every source of noise on (docs/model.md, "Decomposition"): they leave the
// scenario's own structures' bits alone; W0_s earns exactly what the
// reference earns, run by run, and is s itself when nothing feeds back;
// F_s earns nothing and is paid its flat e-bar; with no outcome money at
// all both are what they compare; and a network of one provider gives the
// single-provider bits with them too.
#include <cstring>

#include <catch2/catch.hpp>

#include "models/comparators.h"
#include "sim/engine/engine.h"
#include "support/engine_fixture.h"

using namespace shortfall;
using shortfall::testing::noisy_scenario;

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

bool same_run(const BlockTally& a, int column_a, const BlockTally& b, int column_b, int run) {
  if (!same_outcome(a.outcome(column_a, run), b.outcome(column_b, run))) return false;
  for (int t = 1; t <= a.shape().months; ++t) {
    if (a.cash(column_a, t, run) != b.cash(column_b, t, run)) return false;
  }
  return true;
}

constexpr int k_runs = 300;

BlockTally block_of(const Scenario& scenario) {
  const ScenarioModel model(scenario);
  return simulate_block(scenario, model, WorkUnit{0, 0, 0, k_runs}, true);
}

// bonus, withhold, advance, then F and W0 of the withhold (3, 4) and of the advance (5, 6).
constexpr int k_bonus = 0, k_withhold = 1, k_flat_withhold = 3, k_withhold_on_bonus = 4,
              k_advance = 2, k_advance_on_bonus = 6;
const std::vector<std::vector<double>> k_earned{{0.6}, {0.5}, {0.55}};

}  // namespace

TEST_CASE("the comparators leave the scenario's own structures' bits alone", "[comparators][engine]") {
  const Scenario scenario = noisy_scenario();
  const BlockTally plain = block_of(scenario);
  const BlockTally augmented = block_of(with_comparators(scenario, k_earned));
  for (int s = 0; s < scenario.structure_count(); ++s) {
    for (int j = 0; j < k_runs; ++j) REQUIRE(same_run(plain, s, augmented, s, j));
  }
}

TEST_CASE("W0 earns what the reference earns, run by run; F earns nothing and is paid flat",
          "[comparators][engine]") {
  const Scenario scenario = noisy_scenario();  // stress feedback and an effort effect
  const BlockTally block = block_of(with_comparators(scenario, k_earned));
  int differs_from_own = 0;
  for (int j = 0; j < k_runs; ++j) {
    // Same pots, same measured achievement: the same earned money as the bonus.
    CHECK(block.outcome(k_withhold_on_bonus, j).earned == block.outcome(k_bonus, j).earned);
    CHECK(block.outcome(k_advance_on_bonus, j).earned == block.outcome(k_bonus, j).earned);
    if (block.outcome(k_withhold, j).earned != block.outcome(k_bonus, j).earned) ++differs_from_own;
    const RunOutcome& flat = block.outcome(k_flat_withhold, j);
    CHECK(flat.pot == 0.0);
    CHECK(flat.earned == 0.0);
    CHECK(flat.receivable == 0.0);
    // Every month e-bar p V / 12 = 0.5 x 0.03 x 10m, no growth: 36 of them.
    CHECK(flat.received == Approx(36 * 0.5 * 0.03 * 10.0e6).epsilon(1e-12));
  }
  // The withhold's own stress and effort do move its outcomes: the test can tell.
  CHECK(differs_from_own > k_runs / 2);
}

TEST_CASE("without stress feedback or effort effect W0 is the structure itself, run by run",
          "[comparators][engine]") {
  Scenario scenario = noisy_scenario();
  scenario.provider.stress_penalty = 0.0;
  scenario.contract.withhold_effort_effect = 0.0;
  const BlockTally block = block_of(with_comparators(scenario, k_earned));
  for (int j = 0; j < k_runs; ++j) {
    REQUIRE(same_run(block, k_withhold, block, k_withhold_on_bonus, j));
    REQUIRE(same_run(block, k_advance, block, k_advance_on_bonus, j));
  }
}

TEST_CASE("with no outcome money F is the reference and W0 the structure, run by run",
          "[comparators][engine]") {
  Scenario scenario = noisy_scenario();
  scenario.contract.outcome_share = {0.0};
  const BlockTally block = block_of(with_comparators(scenario, {{0.0}, {0.0}, {0.0}}));
  for (int j = 0; j < k_runs; ++j) {
    REQUIRE(same_run(block, k_bonus, block, k_flat_withhold, j));
    REQUIRE(same_run(block, k_withhold, block, k_withhold_on_bonus, j));
  }
}

TEST_CASE("a network of one provider with the comparators gives the single-provider bits",
          "[comparators][network][engine]") {
  const Scenario single = with_comparators(noisy_scenario(), k_earned);
  Scenario network = single;
  network.id = "trust";
  network.network.model = NetworkModel::alliance;
  const BlockTally a = block_of(single);
  const BlockTally b = block_of(network);
  REQUIRE(ScenarioModel(network).network() != nullptr);
  for (int s = 0; s < single.structure_count(); ++s) {
    for (int j = 0; j < k_runs; ++j) REQUIRE(same_run(a, s, b, s, j));
  }
}
