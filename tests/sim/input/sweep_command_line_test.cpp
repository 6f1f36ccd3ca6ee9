// What an analyst changes about a sweep without editing the file: --sweep
// (a grid over given keys), --set on a swept key (fixes it), a phased
// outcome share per point, and integer keys in a Latin hypercube.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/input/scenario_loader.h"
#include "support/sweep_base_scenario.h"

using namespace shortfall;
using Catch::Matchers::Contains;

namespace {

constexpr std::string_view k_base = shortfall::testing::k_sweep_base;

constexpr std::string_view k_grid = R"(
[sweep]
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.04]
"provider.opening_cash" = [0.0, 1.0e6, 2.0e6]
)";

LoadedStudy study(std::string_view sweep, const std::vector<std::string>& overrides = {},
                  const std::vector<std::string>& sweeps = {}) {
  return load_study_text(std::string(k_base) + std::string(sweep), "x.toml", overrides, sweeps);
}

double number(const DesignValue& value) { return std::get<double>(value); }

}  // namespace

TEST_CASE("--sweep on a file without [sweep] makes a grid, first key slowest",
          "[scenario_loader][sweep]") {
  const LoadedStudy loaded =
      study("", {}, {"provider.opening_cash=0,1e6", "contract.assessment=quarterly,annual"});
  REQUIRE(loaded.scenarios.size() == 4);
  CHECK(loaded.mode == "grid");
  CHECK(loaded.swept_keys == std::vector<std::string>{"provider.opening_cash", "contract.assessment"});
  CHECK(loaded.scenarios[0].provider.opening_cash == 0.0);
  CHECK(loaded.scenarios[0].contract.assessment_months == 3);
  CHECK(loaded.scenarios[1].contract.assessment_months == 12);
  CHECK(loaded.scenarios[3].provider.opening_cash == 1e6);
  // The resolved text holds the [sweep] it made: it loads back to the same study.
  CHECK_THAT(loaded.resolved_toml, Contains("\"provider.opening_cash\" = [0.0, 1000000.0]"));
  const LoadedStudy again = load_study_text(loaded.resolved_toml, "resolved.toml");
  CHECK(again.design == loaded.design);
  CHECK(again.resolved_toml == loaded.resolved_toml);
}

TEST_CASE("--sweep replaces a key of the file's grid in place and adds others after",
          "[scenario_loader][sweep]") {
  const LoadedStudy loaded =
      study(k_grid, {}, {"provider.opening_cash=5e5", "indicator.*.volatility=0.05,0.2"});
  CHECK(loaded.swept_keys == std::vector<std::string>{"contract.outcome_share",
                                                      "provider.opening_cash",
                                                      "indicator.*.volatility"});
  REQUIRE(loaded.scenarios.size() == 2 * 1 * 2);
  for (const auto& scenario : loaded.scenarios) CHECK(scenario.provider.opening_cash == 5e5);
  CHECK(loaded.scenarios[1].indicators[1].volatility == 0.2);
  CHECK(loaded.scenarios[2].contract.outcome_share.front() == 0.04);
}

TEST_CASE("--sweep over the whole of an lhs [sweep] makes it a grid; over part is an error",
          "[scenario_loader][sweep]") {
  const std::string lhs = R"(
[sweep]
mode = "lhs"
points = 8
[sweep.parameters]
"provider.stress_penalty" = [0.0, 0.6]
"provider.opening_cash" = [0.0, 4.0e6]
)";
  REQUIRE_THROWS_WITH(study(lhs, {}, {"provider.opening_cash=0,1e6"}),
                      Contains("--sweep provider.opening_cash=0,1e6") &&
                          Contains("mode = \"lhs\" over provider.stress_penalty") &&
                          Contains("or fix it with --set"));
  const LoadedStudy fixed =
      study(lhs, {"provider.stress_penalty=0.3"}, {"provider.opening_cash=0,1e6"});
  CHECK(fixed.mode == "grid");
  REQUIRE(fixed.scenarios.size() == 2);
  CHECK(fixed.scenarios[1].provider.stress_penalty == 0.3);
  CHECK_THAT(fixed.resolved_toml, !Contains("points ="));
}

TEST_CASE("--sweep mistakes name the argument", "[scenario_loader][sweep]") {
  REQUIRE_THROWS_WITH(study("", {}, {"provider.opening_cash"}),
                      Contains("--sweep provider.opening_cash: expected KEY=V1,V2,..."));
  REQUIRE_THROWS_WITH(study("", {}, {"simulation.runs=10,20"}),
                      Contains("simulation.runs cannot be swept"));
  REQUIRE_THROWS_WITH(study("", {}, {"provider.opening_csh=1,2"}),
                      Contains("unknown key 'provider.opening_csh'"));
  REQUIRE_THROWS_WITH(study("", {}, {"provider.opening_cash=1,2", "provider.opening_cash=3"}),
                      Contains("swept twice"));
  REQUIRE_THROWS_WITH(study("", {}, {"contract.outcome_share=0.02,1.5"}),
                      Contains("sweep point 1 of 0..1") && Contains("is outside [0, 1]"));
  // --set and --sweep of one key: set each key once.
  REQUIRE_THROWS_WITH(study("", {"provider.opening_cash=1"}, {"provider.opening_cash=1,2"}),
                      Contains("set each key once"));
}

TEST_CASE("--set on a swept key fixes it: the sweep drops the key", "[scenario_loader][sweep]") {
  const LoadedStudy fixed = study(k_grid, {"provider.opening_cash=7e5"});
  CHECK(fixed.swept_keys == std::vector<std::string>{"contract.outcome_share"});
  REQUIRE(fixed.scenarios.size() == 2);
  for (const auto& scenario : fixed.scenarios) CHECK(scenario.provider.opening_cash == 7e5);
  CHECK_THAT(fixed.resolved_toml, !Contains("\"provider.opening_cash\" ="));
  CHECK(load_study_text(fixed.resolved_toml, "r.toml").design == fixed.design);
  // The same cash in days fixes the swept GBP too.
  const LoadedStudy days = study(k_grid, {"provider.opening_cash_days=10"});
  CHECK(days.swept_keys == std::vector<std::string>{"contract.outcome_share"});
  // Fixing every swept key leaves one scenario, as without [sweep].
  const LoadedStudy one =
      study(k_grid, {"provider.opening_cash=7e5", "contract.outcome_share=0.03"});
  CHECK(one.scenarios.size() == 1);
  CHECK(one.mode.empty());
  CHECK_THAT(one.resolved_toml, !Contains("[sweep]"));
  // A --set that writes only part of a swept key's values cannot fix it.
  const std::string every = "\n[sweep]\n[sweep.parameters]\n\"indicator.*.volatility\" = [0.1, 0.2]\n";
  REQUIRE_THROWS_WITH(study(every, {"indicator.eip.volatility=0.3"}), Contains("set each key once"));
  // Writing all of them does.
  const std::string one_indicator =
      "\n[sweep]\n[sweep.parameters]\n\"indicator.eip.volatility\" = [0.1, 0.2]\n";
  CHECK(study(one_indicator, {"indicator.*.volatility=0.3"}).scenarios.size() == 1);
}

TEST_CASE("a phased outcome share sweeps as a list per point", "[scenario_loader][sweep]") {
  const LoadedStudy grid = study(R"(
[sweep]
[sweep.parameters]
"contract.outcome_share" = [[0.02, 0.03, 0.04], [0.01, 0.02, 0.03], 0.05]
)");
  REQUIRE(grid.scenarios.size() == 3);
  CHECK(grid.scenarios[0].contract.outcome_share == std::vector<double>{0.02, 0.03, 0.04});
  CHECK(grid.scenarios[1].contract.outcome_share == std::vector<double>{0.01, 0.02, 0.03});
  CHECK(grid.scenarios[2].contract.outcome_share == std::vector<double>{0.05});
  CHECK(load_study_text(grid.resolved_toml, "r.toml").design == grid.design);
  // From the command line, lists separated by commas.
  const LoadedStudy given = study("", {}, {"contract.outcome_share=[0.02,0.03,0.04],[0.01,0.02]"});
  REQUIRE(given.scenarios.size() == 2);
  CHECK(given.scenarios[1].contract.outcome_share == std::vector<double>{0.01, 0.02});
  // A share outside [0, 1] in a list names the point.
  REQUIRE_THROWS_WITH(study("", {}, {"contract.outcome_share=[0.02,1.3]"}),
                      Contains("sweep point 0 of 0..0") && Contains("1.3"));
}

TEST_CASE("lhs over an integer key: stratified on the whole numbers", "[scenario_loader][sweep]") {
  // 12 points over 0..5: six integers, each taken by exactly 12 / 6 = 2 strata.
  const LoadedStudy loaded = study(R"(
[sweep]
mode = "lhs"
points = 12
[sweep.parameters]
"contract.settlement_lag_months" = [0, 5]
"provider.stress_penalty" = [0.0, 0.6]
)");
  REQUIRE(loaded.scenarios.size() == 12);
  std::map<int, int> count;
  for (const auto& scenario : loaded.scenarios) ++count[scenario.contract.settlement_lag_months];
  CHECK(count == std::map<int, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}, {4, 2}, {5, 2}});
  for (const auto& point : loaded.design) CHECK(number(point[0]) == std::trunc(number(point[0])));
  // 3 points over 0..5: one point in each third of the integers.
  const LoadedStudy thirds = study(R"(
[sweep]
mode = "lhs"
points = 3
[sweep.parameters]
"contract.settlement_lag_months" = [0, 5]
)");
  std::vector<int> third;
  for (const auto& scenario : thirds.scenarios) {
    third.push_back(scenario.contract.settlement_lag_months / 2);
  }
  std::sort(third.begin(), third.end());
  CHECK(third == std::vector<int>{0, 1, 2});
  // Sobol too: every value an integer in range.
  const LoadedStudy sobol = study(R"(
[sweep]
mode = "sobol"
points = 8
[sweep.parameters]
"contract.settlement_lag_months" = [1, 4]
"provider.stress_penalty" = [0.0, 0.6]
)");
  for (const auto& scenario : sobol.scenarios) {
    CHECK(scenario.contract.settlement_lag_months >= 1);
    CHECK(scenario.contract.settlement_lag_months <= 4);
  }
  REQUIRE_THROWS_WITH(study(R"(
[sweep]
mode = "lhs"
points = 3
[sweep.parameters]
"contract.settlement_lag_months" = [0.5, 5]
)"),
                      Contains("is an integer key") && Contains("whole-number bounds"));
}
