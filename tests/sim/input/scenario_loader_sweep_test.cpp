// Sweeps and the stopping rule in the loader: [sweep] makes one file a study
// of design points, each validated; simulation.target_halfwidth and friends.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "sim/input/scenario_loader.h"
#include "support/sweep_base_scenario.h"

using namespace shortfall;
using Catch::Matchers::Contains;

namespace {

constexpr std::string_view k_base = shortfall::testing::k_sweep_base;

LoadedStudy study(std::string_view sweep, const std::vector<std::string>& overrides = {}) {
  return load_study_text(std::string(k_base) + std::string(sweep), "x.toml", overrides);
}

// "x.toml:N:" for the line of the base + sweep text holding `snippet`.
std::string at_line_of(std::string_view sweep, std::string_view snippet) {
  const std::string text = std::string(k_base) + std::string(sweep);
  const auto at = text.find(snippet);
  REQUIRE(at != std::string::npos);
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return "x.toml:" + std::to_string(line) + ":";
}

double number(const DesignValue& value) { return std::get<double>(value); }

}  // namespace

TEST_CASE("a file without [sweep] is a study of one point", "[scenario_loader][sweep]") {
  const LoadedStudy loaded = study("");
  REQUIRE(loaded.scenarios.size() == 1);
  CHECK(loaded.mode.empty());
  CHECK(loaded.swept_keys.empty());
  CHECK(loaded.scenarios[0].shock_key == 0);
  CHECK(loaded.title == "Sweep base");
}

TEST_CASE("grid: the cartesian product, first key slowest, in the file's key order",
          "[scenario_loader][sweep]") {
  // provider.* is listed before contract.*: the file's order, not the alphabet's.
  const LoadedStudy loaded = study(R"(
[sweep]
mode = "grid"
[sweep.parameters]
"provider.opening_cash" = [0.0, 5e6]
"contract.outcome_share" = [0.02, 0.03, 0.04]
)");
  REQUIRE(loaded.swept_keys ==
          std::vector<std::string>{"provider.opening_cash", "contract.outcome_share"});
  REQUIRE(loaded.scenarios.size() == 6);
  const double cash[] = {0.0, 0.0, 0.0, 5e6, 5e6, 5e6};
  const double share[] = {0.02, 0.03, 0.04, 0.02, 0.03, 0.04};
  for (std::size_t p = 0; p < 6; ++p) {
    INFO("point " << p);
    CHECK(loaded.scenarios[p].provider.opening_cash == cash[p]);
    CHECK(loaded.scenarios[p].contract.outcome_share == std::vector<double>{share[p]});
    CHECK(number(loaded.design[p][0]) == cash[p]);
    CHECK(number(loaded.design[p][1]) == share[p]);
    // Common random numbers by default: one shock key for every point.
    CHECK(loaded.scenarios[p].shock_key == 0);
  }
}

TEST_CASE("zip: lists side by side; text keys sweep too", "[scenario_loader][sweep]") {
  const LoadedStudy loaded = study(R"(
[sweep]
mode = "zip"
common_random_numbers = false
[sweep.parameters]
"contract.assessment" = ["monthly", "annual"]
"contract.settlement_lag_months" = [1, 4]
)");
  REQUIRE(loaded.scenarios.size() == 2);
  CHECK(loaded.scenarios[0].contract.assessment_months == 1);
  CHECK(loaded.scenarios[0].contract.settlement_lag_months == 1);
  CHECK(loaded.scenarios[1].contract.assessment_months == 12);
  CHECK(loaded.scenarios[1].contract.settlement_lag_months == 4);
  CHECK(std::get<std::string>(loaded.design[1][0]) == "annual");
  // Without common random numbers each point has its own key.
  CHECK(loaded.scenarios[0].shock_key == 1);
  CHECK(loaded.scenarios[1].shock_key == 2);

  const std::string unequal = R"(
[sweep]
mode = "zip"
[sweep.parameters]
"contract.outcome_share" = [0.02, 0.03]
"provider.opening_cash" = [0.0]
)";
  REQUIRE_THROWS_WITH(study(unequal), Contains(at_line_of(unequal, "[sweep]")) &&
                                          Contains("'contract.outcome_share' has 2 values") &&
                                          Contains("'provider.opening_cash' has 1"));
}

TEST_CASE("indicator keys: one indicator by id, or every indicator with *",
          "[scenario_loader][sweep]") {
  const LoadedStudy by_id = study(R"(
[sweep]
[sweep.parameters]
"indicator.eip.target" = [0.6, 0.65]
)");
  REQUIRE(by_id.scenarios.size() == 2);
  CHECK(by_id.scenarios[1].indicators[0].target == 0.65);
  CHECK(by_id.scenarios[1].indicators[1].target == 0.95);

  const LoadedStudy every = study(R"(
[sweep]
[sweep.parameters]
"indicator.*.volatility" = [0.05, 0.2]
)");
  CHECK(every.scenarios[1].indicators[0].volatility == 0.2);
  CHECK(every.scenarios[1].indicators[1].volatility == 0.2);
}

TEST_CASE("lhs: points from ranges, log ranges, a function of the seed",
          "[scenario_loader][sweep]") {
  const std::string sweep = R"(
[sweep]
mode = "lhs"
points = 50
[sweep.parameters]
"provider.stress_penalty" = [0.0, 0.6]
"indicator.*.volatility" = { range = [0.04, 0.2], log = true }
)";
  const LoadedStudy loaded = study(sweep);
  REQUIRE(loaded.scenarios.size() == 50);
  for (const auto& scenario : loaded.scenarios) {
    CHECK(scenario.provider.stress_penalty >= 0.0);
    CHECK(scenario.provider.stress_penalty <= 0.6);
    CHECK(scenario.indicators[0].volatility >= 0.04);
    CHECK(scenario.indicators[0].volatility <= 0.2);
    CHECK(scenario.indicators[0].volatility == scenario.indicators[1].volatility);
  }
  const LoadedStudy same = study(sweep);
  const LoadedStudy other_seed = study(sweep, {"simulation.seed=8"});
  CHECK(same.design == loaded.design);
  CHECK(other_seed.design != loaded.design);
}

TEST_CASE("sobol: N (k + 2) points of Saltelli's design from ranges", "[scenario_loader][sweep]") {
  const std::string sweep = R"(
[sweep]
mode = "sobol"
points = 8
[sweep.parameters]
"provider.stress_penalty" = [0.0, 0.6]
"indicator.*.volatility" = { range = [0.04, 0.2], log = true }
)";
  const LoadedStudy loaded = study(sweep);
  CHECK(loaded.mode == "sobol");
  REQUIRE(loaded.scenarios.size() == 8 * (2 + 2));
  for (std::size_t p = 0; p < loaded.scenarios.size(); ++p) {
    const auto& scenario = loaded.scenarios[p];
    CHECK(scenario.provider.stress_penalty >= 0.0);
    CHECK(scenario.provider.stress_penalty <= 0.6);
    CHECK(scenario.indicators[0].volatility >= 0.04);
    CHECK(scenario.indicators[0].volatility <= 0.2);
    CHECK(scenario.indicators[1].volatility == scenario.indicators[0].volatility);
    // Each point's scenario takes its design values.
    CHECK(scenario.provider.stress_penalty == std::get<double>(loaded.design[p][0]));
  }
  // A_B^(1) (points 24..31): the volatility of B (points 8..15), the stress
  // penalty of A (points 0..7).
  for (std::size_t n = 0; n < 8; ++n) {
    CHECK(loaded.design[24 + n][0] == loaded.design[n][0]);
    CHECK(loaded.design[24 + n][1] == loaded.design[8 + n][1]);
  }
  // The resolved text keeps the mode and N, so the file describes its design.
  CHECK_THAT(loaded.resolved_toml, Contains("mode = \"sobol\"") && Contains("points = 8") &&
                                       Contains("{ range = [0.04, 0.2], log = true }"));
  CHECK(study(sweep, {"simulation.seed=8"}).design != loaded.design);
  CHECK(study(sweep).design == loaded.design);
}

TEST_CASE("every point is validated before anything runs; errors name the point",
          "[scenario_loader][sweep]") {
  SECTION("a value out of range") {
    const std::string sweep = R"(
[sweep]
[sweep.parameters]
"provider.opening_cash" = [0.0, 1e6]
"contract.outcome_share" = [0.03, 1.5]
)";
    REQUIRE_THROWS_WITH(study(sweep),
                        Contains("sweep point 1 of 0..3") &&
                            Contains("provider.opening_cash = 0, contract.outcome_share = 1.5") &&
                            Contains(at_line_of(sweep, "\"contract.outcome_share\"")) &&
                            Contains("contract.outcome_share = 1.5 is outside [0, 1]"));
  }
  SECTION("a rule between keys broken at one point") {
    // 36 months are whole quarters but not whole... they are whole years; 30 are not.
    const std::string sweep = R"(
[sweep]
[sweep.parameters]
"contract.assessment" = ["quarterly", "annual"]
)";
    REQUIRE_THROWS_WITH(study(sweep, {"simulation.horizon_months=30"}),
                        Contains("sweep point 1 of 0..1 (contract.assessment = \"annual\")") &&
                            Contains("not a multiple of the assessment period, 12 months"));
  }
  SECTION("a text where a number belongs") {
    const std::string sweep = R"(
[sweep]
[sweep.parameters]
"provider.opening_cash" = ["lots"]
)";
    REQUIRE_THROWS_WITH(study(sweep),
                        Contains("sweep point 0") && Contains("provider.opening_cash"));
  }
}

TEST_CASE("sweep mistakes are errors naming the line and the rule", "[scenario_loader][sweep]") {
  const auto fails = [](const std::string& sweep, std::string_view snippet,
                        const std::string& message,
                        const std::vector<std::string>& overrides = {}) {
    INFO(sweep);
    REQUIRE_THROWS_WITH(study(sweep, overrides),
                        Contains(at_line_of(sweep, snippet)) && Contains(message));
  };
  fails("\n[sweep]\nmdoe = \"grid\"\n[sweep.parameters]\n\"provider.opening_cash\" = [0.0]\n",
        "mdoe", "unknown key 'sweep.mdoe' (did you mean 'mode'?)");
  fails("\n[sweep]\nmode = \"grd\"\n[sweep.parameters]\n\"provider.opening_cash\" = [0.0]\n",
        "mode", "sweep.mode = \"grd\" must be one of grid, zip, lhs, sobol (did you mean 'grid'?)");
  fails("\n[sweep]\nmode = \"grid\"\n", "[sweep]",
        "sweep.parameters must be a table of swept keys");
  fails("\n[sweep]\n[sweep.parameters]\n\"contract.outcom_share\" = [0.02]\n",
        "\"contract.outcom_share\"",
        "unknown key 'contract.outcom_share' (did you mean 'outcome_share'?)");
  fails("\n[sweep]\n[sweep.parameters]\n\"simulation.runs\" = [100, 200]\n", "\"simulation.runs\"",
        "simulation.runs cannot be swept");
  fails("\n[sweep]\n[sweep.parameters]\n\"indicator.eip.id\" = [\"a\", \"b\"]\n",
        "\"indicator.eip.id\"", "indicator.eip.id cannot be swept");
  fails("\n[sweep]\n[sweep.parameters]\n\"contract.structures\" = [\"bonus\"]\n",
        "\"contract.structures\"", "is a list and cannot be swept");
  fails("\n[sweep]\n[sweep.parameters]\n\"indicator.nope.target\" = [0.5]\n",
        "\"indicator.nope.target\"", "no [[indicator]] has id 'nope'");
  fails("\n[sweep]\n[sweep.parameters]\n\"provider.opening_cash\" = []\n",
        "\"provider.opening_cash\"", "must be a non-empty list of values");
  fails("\n[sweep]\n[sweep.parameters]\n\"provider.opening_cash\" = [true]\n",
        "\"provider.opening_cash\"", "is not a number, a text or a list of numbers");
  // A list per point is read (a phased share); the point's validation refuses it elsewhere.
  fails("\n[sweep]\n[sweep.parameters]\n\"provider.opening_cash\" = [[1.0]]\n",
        "\"provider.opening_cash\"", "sweep point 0 of 0..0 (provider.opening_cash = [1])");
  // Two writers of one value: the later would silently win.
  fails(
      "\n[sweep]\n[sweep.parameters]\n\"indicator.*.target\" = [0.7]\n\"indicator.eip.target\" = "
      "[0.6]\n",
      "\"indicator.eip.target\"", "sets a value that indicator.*.target");

  // lhs
  fails("\n[sweep]\nmode = \"lhs\"\n[sweep.parameters]\n\"provider.opening_cash\" = [0.0, 1.0]\n",
        "[sweep]", "sweep.points is missing");
  fails("\n[sweep]\npoints = 5\n[sweep.parameters]\n\"provider.opening_cash\" = [0.0, 1.0]\n",
        "points", "sweep.points is only used with mode = \"lhs\" or \"sobol\"");
  fails(
      "\n[sweep]\nmode = \"lhs\"\npoints = 5\n[sweep.parameters]\n\"provider.opening_cash\" = "
      "[2.0, 1.0]\n",
      "[2.0, 1.0]", "low must be below high");
  fails(
      "\n[sweep]\nmode = \"lhs\"\npoints = 5\n[sweep.parameters]\n\"provider.opening_cash\" = "
      "{ range = [0.0, 1.0], log = true }\n",
      "[0.0, 1.0]", "a log range needs low > 0");
  fails(
      "\n[sweep]\nmode = \"lhs\"\npoints = 5\n[sweep.parameters]\n\"provider.opening_cash\" = "
      "[0.0, 1.0, 2.0]\n",
      "[0.0, 1.0, 2.0]", "must be [low, high] or { range = [low, high], log = true }");
  fails(
      "\n[sweep]\nmode = \"lhs\"\npoints = 0\n[sweep.parameters]\n\"provider.opening_cash\" = "
      "[0.0, 1.0]\n",
      "points", "sweep.points = 0 is outside [1, 1000000]");
  // sobol
  fails("\n[sweep]\nmode = \"sobol\"\n[sweep.parameters]\n\"provider.opening_cash\" = [0.0, 1.0]\n",
        "[sweep]", "sweep.points is missing: mode = \"sobol\" needs the number of base rows N");
  fails(
      "\n[sweep]\nmode = \"sobol\"\npoints = 4\n[sweep.parameters]\n\"provider.opening_cash\" = "
      "[0.0, 1.0, 2.0]\n",
      "[0.0, 1.0, 2.0]",
      "must be [low, high] or { range = [low, high], log = true } for mode = \"sobol\"");
  fails(
      "\n[sweep]\nmode = \"sobol\"\npoints = 400000\n[sweep.parameters]\n\"provider.opening_cash\" "
      "= "
      "[0.0, 1.0]\n",
      "[sweep]",
      "sweep sobol has 400000 x (1 + 2) = 1200000 points, more than the limit of 1000000");
}

TEST_CASE("sweep warnings are given once each", "[scenario_loader][sweep]") {
  // Both points are outside the guidance's 2-4 %; the base's two indicators
  // (fewer than 6) warn at every point but are reported once.
  const LoadedStudy loaded = study(R"(
[sweep]
[sweep.parameters]
"contract.outcome_share" = [0.05, 0.06]
)");
  const auto count = [&](std::string_view text) {
    return std::count_if(loaded.warnings.begin(), loaded.warnings.end(),
                         [&](const std::string& w) { return w.find(text) != std::string::npos; });
  };
  CHECK(count("0.05") == 1);
  CHECK(count("0.06") == 1);
  CHECK(count("indicators") == 1);
}

TEST_CASE("the stopping rule: target half-width, min_runs and max_runs",
          "[scenario_loader][stopping]") {
  const auto settings = [](const std::vector<std::string>& overrides) {
    return study("", overrides).scenarios.front().simulation;
  };
  SECTION("off by default: exactly `runs` runs") {
    const auto s = settings({});
    CHECK_FALSE(s.stops_on_precision());
    CHECK(s.most_runs() == 2000);
  }
  SECTION("defaults: max_runs = runs, min_runs = 10,000 capped at max_runs") {
    const auto s = settings({"simulation.target_halfwidth=0.01"});
    CHECK(s.stops_on_precision());
    CHECK(s.target_halfwidth == 0.01);
    CHECK(s.max_runs == 2000);
    CHECK(s.min_runs == 2000);
    CHECK(s.most_runs() == 2000);
    const auto large = settings({"simulation.target_halfwidth=0.01", "simulation.runs=50000"});
    CHECK(large.min_runs == 10000);
    CHECK(large.max_runs == 50000);
  }
  SECTION("explicit") {
    const auto s = settings({"simulation.target_halfwidth=0.005", "simulation.min_runs=3000",
                             "simulation.max_runs=90000"});
    CHECK(s.min_runs == 3000);
    CHECK(s.max_runs == 90000);
    CHECK(s.most_runs() == 90000);
  }
  SECTION("errors") {
    REQUIRE_THROWS_WITH(
        settings({"simulation.min_runs=3000"}),
        Contains("simulation.min_runs is only used with simulation.target_halfwidth"));
    REQUIRE_THROWS_WITH(settings({"simulation.target_halfwidth=0"}),
                        Contains("simulation.target_halfwidth = 0 is outside (0, 0.5]"));
    REQUIRE_THROWS_WITH(settings({"simulation.target_halfwidth=0.01", "simulation.min_runs=5000",
                                  "simulation.max_runs=4000"}),
                        Contains("simulation.min_runs = 5000 is above simulation.max_runs = 4000"));
  }
  SECTION("the resolved text keeps the rule") {
    const LoadedStudy loaded =
        study("", {"simulation.target_halfwidth=0.005", "simulation.max_runs=90000"});
    const LoadedStudy again = load_study_text(loaded.resolved_toml, "resolved.toml");
    CHECK(again.scenarios.front().simulation.target_halfwidth == 0.005);
    CHECK(again.scenarios.front().simulation.max_runs == 90000);
    CHECK(again.scenarios.front().simulation.min_runs == 10000);
  }
}
