#include "analysis/results_serialization.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "support/results_fixture.h"

#include "analysis/tally.h"

namespace shortfall {
namespace {

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void require_same_results(const ScenarioResults& a, const ScenarioResults& b) {
  REQUIRE(a.runs_done == b.runs_done);
  REQUIRE(a.structure_count == b.structure_count);
  REQUIRE(a.month_count == b.month_count);
  REQUIRE(a.indicator_count == b.indicator_count);
  REQUIRE(a.provider_count == b.provider_count);
  for (auto member :
       {&ScenarioResults::p_shortfall, &ScenarioResults::p_shortfall_ci_low,
        &ScenarioResults::p_shortfall_ci_high, &ScenarioResults::p_shortfall_diff,
        &ScenarioResults::p_shortfall_diff_se, &ScenarioResults::min_cash_mean,
        &ScenarioResults::min_cash_cvar05, &ScenarioResults::support_mean,
        &ScenarioResults::support_p95, &ScenarioResults::first_shortfall_month_mean,
        &ScenarioResults::earned_fraction_mean, &ScenarioResults::outcome_received_mean,
        &ScenarioResults::receivable_mean, &ScenarioResults::commissioner_cost_mean,
        &ScenarioResults::shortfall_by_month, &ScenarioResults::cash_quantiles,
        &ScenarioResults::min_cash_quantiles, &ScenarioResults::end_cash_quantiles,
        &ScenarioResults::indicator_achievement_mean, &ScenarioResults::p_any_shortfall}) {
    REQUIRE(same_bits(a.*member, b.*member));
  }
}

// Results built by hand, every array of its proper size and no two values
// alike, with a NaN carrying a payload, -0.0, both infinities and a
// subnormal among them.
ScenarioResults awkward_results(int structures = 3, int months = 4, int indicators = 2) {
  double next = 0.125;
  ScenarioResults results =
      shortfall::testing::filled_results(structures, months, indicators, [&next] {
        const double value = next;
        next = next * -1.5 + 0.001;
        return value;
      });
  results.runs_done = 1'234'567;
  results.p_shortfall_diff_se[0] = std::bit_cast<double>(std::uint64_t{0x7ff80000deadbeefULL});
  results.p_shortfall_diff[0] = -0.0;
  results.support_p95[1] = std::numeric_limits<double>::infinity();
  results.min_cash_cvar05[1] = -std::numeric_limits<double>::infinity();
  results.cash_quantiles.back() = std::numeric_limits<double>::denorm_min();
  if (indicators > 0) {
    results.indicator_achievement_mean.back() =
        std::bit_cast<double>(std::uint64_t{0xfff0000000000001ULL});  // signalling NaN, negative
  }
  return results;
}

TEST_CASE("scenario results survive a round trip bit for bit", "[results_serialization]") {
  const ScenarioResults results = awkward_results();
  const std::vector<std::byte> bytes = serialize(results);
  const ScenarioResults copy = deserialize_scenario_results(bytes);
  require_same_results(copy, results);
  CHECK(serialize(copy) == bytes);
  CHECK(std::isnan(copy.p_shortfall_diff_se[0]));
  CHECK(std::bit_cast<std::uint64_t>(copy.p_shortfall_diff_se[0]) == 0x7ff80000deadbeefULL);
  CHECK(std::signbit(copy.p_shortfall_diff[0]));
  CHECK(copy.p_shortfall_diff[0] == 0.0);
  CHECK(copy.support_p95[1] == std::numeric_limits<double>::infinity());
  CHECK(copy.min_cash_cvar05[1] == -std::numeric_limits<double>::infinity());

  SECTION("no indicators, and the empty results of no structures") {
    for (const ScenarioResults& other : {awkward_results(2, 1, 0), ScenarioResults{}}) {
      require_same_results(deserialize_scenario_results(serialize(other)), other);
    }
  }
  SECTION("the statistics of a real tally") {
    ScenarioTally tally(TallyShape{2, 3, 1, false});
    BlockTally block(TallyShape{2, 3, 1, false}, 0, 3);
    const std::vector<double> achievement{0.5};
    for (int j = 0; j < 3; ++j) {
      for (int s = 0; s < 2; ++s) {
        const std::vector<double> cash{100.0 - 60.0 * j, -0.0, 25.5 * s};
        RunOutcome outcome;
        outcome.min_cash = -0.0;
        block.record(s, j, outcome, cash, achievement);
      }
    }
    tally.add(std::move(block));
    const ScenarioResults finalized = tally.finalize();
    require_same_results(deserialize_scenario_results(serialize(finalized)), finalized);
  }
}

TEST_CASE("scenario results whose arrays do not fit their counts are not written",
          "[results_serialization]") {
  ScenarioResults results = awkward_results();
  SECTION("a short per-structure array") { results.support_mean.pop_back(); }
  SECTION("a long per-month array") { results.shortfall_by_month.push_back(1.0); }
  SECTION("a count that no longer matches") { results.indicator_count = 3; }
  CHECK_THROWS_AS(serialize(results), std::logic_error);
}

TEST_CASE("truncated, damaged or foreign scenario results throw", "[results_serialization]") {
  const std::vector<std::byte> bytes = serialize(awkward_results(2, 3, 2));
  const std::span<const std::byte> all(bytes);

  for (std::size_t length = 0; length < bytes.size(); ++length) {
    INFO("first " << length << " bytes");
    REQUIRE_THROWS_AS(deserialize_scenario_results(all.first(length)), std::runtime_error);
  }
  for (std::size_t position = 0; position < bytes.size(); ++position) {
    INFO("bit flipped in byte " << position);
    std::vector<std::byte> damaged = bytes;
    damaged[position] ^= std::byte{0x10};
    REQUIRE_THROWS_AS(deserialize_scenario_results(damaged), std::runtime_error);
  }
  std::vector<std::byte> longer = bytes;
  longer.push_back(std::byte{0});
  CHECK_THROWS_AS(deserialize_scenario_results(longer), std::runtime_error);

  std::vector<std::byte> next_version = bytes;
  next_version[8] = std::byte{3};  // the u32 version follows the 8-byte tag
  CHECK_THROWS_WITH(deserialize_scenario_results(next_version),
                    Catch::Contains("format version 3 is not the known version 2"));
  std::vector<std::byte> wrong_magic = bytes;
  wrong_magic[2] = std::byte{'X'};
  CHECK_THROWS_WITH(deserialize_scenario_results(wrong_magic),
                    Catch::Contains("scenario results tag"));
  const std::vector<std::byte> foreign(64, std::byte{'x'});
  CHECK_THROWS_WITH(deserialize_scenario_results(foreign), Catch::Contains("scenario results tag"));
}

}  // namespace
}  // namespace shortfall
