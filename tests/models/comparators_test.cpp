// The decomposition's comparators (docs/model.md, "Decomposition"): which
// structure is the reference, where the comparators go, and what they are.
#include "models/comparators.h"

#include <cmath>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "support/network_fixture.h"

using namespace shortfall;

TEST_CASE("the reference is the bonus, or the first structure when there is none",
          "[comparators][decomposition]") {
  const auto bonus = PaymentStructure::bonus();
  const auto withhold = PaymentStructure::withhold();
  const auto advance = PaymentStructure::paid_in_advance();
  const auto hybrid = PaymentStructure::from_fraction(0.5);
  CHECK(reference_structure({bonus, withhold, advance}) == 0);
  CHECK(reference_structure({withhold, hybrid, bonus}) == 2);
  CHECK(reference_structure({withhold, advance, hybrid}) == 0);
  // An advance without a withhold is not a bonus: it frames the pot as a loss.
  CHECK(reference_structure({withhold, PaymentStructure{"advance_zero", 0.0, true}}) == 0);
}

TEST_CASE("the comparators follow the scenario's own structures, two for each but the reference",
          "[comparators][decomposition]") {
  const ComparatorColumns first(3, 0);
  CHECK(first.total() == 7);
  CHECK(first.flat == std::vector<int>{-1, 3, 5});
  CHECK(first.outcomes_of_reference == std::vector<int>{-1, 4, 6});
  const ComparatorColumns middle(3, 1);
  CHECK(middle.flat == std::vector<int>{3, -1, 5});
  CHECK(middle.outcomes_of_reference == std::vector<int>{4, -1, 6});
}

TEST_CASE("with_comparators appends F_s and W0_s with the pilot's earned fractions",
          "[comparators][decomposition]") {
  const Scenario scenario = shortfall::testing::quiet_scenario();  // bonus, withhold, advance
  const std::vector<std::vector<double>> earned{{0.5}, {0.25}, {0.75}};
  const Scenario augmented = with_comparators(scenario, earned);
  const auto& structures = augmented.contract.structures;
  REQUIRE(structures.size() == 7);
  for (std::size_t s = 0; s < 3; ++s) {
    CHECK(structures[s].name == scenario.contract.structures[s].name);
    CHECK(!structures[s].is_flat());
    CHECK(structures[s].outcomes_from == -1);
  }
  // F_withhold: the withhold's base, flat pay at its e-bar, the bonus's outcomes (unpaid).
  CHECK(structures[3].name == "withhold:flat");
  CHECK(structures[3].withhold_fraction == 1.0);
  CHECK(!structures[3].advance);
  CHECK(structures[3].flat_earned_fraction == std::vector<double>{0.25});
  CHECK(structures[3].outcomes_from == 0);
  // W0_withhold: the withhold itself on the bonus's outcomes.
  CHECK(structures[4].name == "withhold:outcomes_of_bonus");
  CHECK(structures[4].withhold_fraction == 1.0);
  CHECK(!structures[4].is_flat());
  CHECK(structures[4].outcomes_from == 0);
  // F_advance has a withhold's base (h = 1) but is not paid in advance.
  CHECK(structures[5].name == "advance:flat");
  CHECK(structures[5].withhold_fraction == 1.0);
  CHECK(!structures[5].advance);
  CHECK(structures[5].flat_earned_fraction == std::vector<double>{0.75});
  CHECK(structures[6].name == "advance:outcomes_of_bonus");
  CHECK(structures[6].advance);

  Scenario single = scenario;
  single.contract.structures = {PaymentStructure::bonus()};
  CHECK_THROWS_AS(with_comparators(single, {{1.0}}), std::invalid_argument);
  CHECK_THROWS_AS(with_comparators(scenario, {{1.0}, {1.0}}), std::invalid_argument);
}

TEST_CASE("in a network every contract lists the comparators; a subcontractor's list is untouched",
          "[comparators][decomposition]") {
  const Scenario network = shortfall::testing::prime_network(0.5, 1);
  const double none = std::nan("");
  const Scenario augmented = with_comparators(network, {{0.5, none}, {0.25, none}, {0.75, none}});
  CHECK(augmented.main_contract().structures.size() == 7);
  CHECK(augmented.main_contract().structures[3].flat_earned_fraction.size() == 2);
  CHECK(augmented.other_providers[0].contract.structures.size() ==
        network.other_providers[0].contract.structures.size());
}
