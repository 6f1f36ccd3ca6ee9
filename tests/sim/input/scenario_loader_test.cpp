// sim/input/scenario_loader.h: every key reads to the right field, defaults fill the
// gaps, the resolved TOML loads back to the identical Scenario, and every
// malformed input is an error naming the file, the line, the key and what is
// allowed (docs/scenario-keys.md).
#include "sim/input/scenario_loader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "scenario_compare.h"

namespace shortfall {
namespace {

using Catch::Contains;

// A complete scenario: every key set, none left to its default.
constexpr std::string_view k_complete = R"(title = "Struggling trust: bonus or withhold"

[simulation]
runs = 5000
horizon_months = 24
seed = 42

[provider]
opening_cash = 2.0e6
shortfall_threshold = -1.0e6
stress_start_cash = 8.0e6
stress_penalty = 0.4
underlying_deficit = 0.02
fixed_cost_share = 0.7
cost_growth = 0.021
cost_noise = 0.01
overdraft_rate = 0.035

[demand]
volatility = 0.03
persistence = 0.7
growth = 0.01
seasonality = [0.99, 1.00, 0.99, 0.98, 0.96, 1.01, 1.03, 1.03, 0.97, 1.02, 1.01, 1.01]

[contract]
annual_value = 200.0e6
basis = "capitation"
income_growth = 0.021
outcome_share = [0.02, 0.03]
structures = ["bonus", "withhold", 0.5, "advance"]
assessment = "quarterly"
settlement_lag_months = 2
payment_rule = "linear"
withhold_effort_effect = 0.1
risk_share = { corridor = 0.02, commissioner_share = 0.5 }

[performance]
correlation = [[1.0, 0.3, 0.2],
               [0.3, 1.0, 0.1],
               [0.2, 0.1, 1.0]]

[[indicator]]
id = "care_plan_review"
name = "Care plan reviewed within 12 months"
measure = "Care planning"
weight = 0.5
direction = "higher"
baseline = 0.78
target = 0.80
floor = 0.70
cases_per_month = 150
volatility = 0.08
reversion = 0.2
trend = 0.05

[[indicator]]
id = "eip_two_weeks"
name = "Early intervention in psychosis within 2 weeks"
measure = "Access"
weight = 0.25
direction = "higher"
baseline = 0.55
target = 0.60
floor = 0.50
cases_per_month = 10
volatility = 0.1
reversion = 0.3
trend = 0.02

[[indicator]]
id = "readmission_30d"
name = "Emergency readmission within 30 days"
measure = "Recovery"
weight = 0.25
direction = "lower"
baseline = 0.12
target = 0.10
floor = 0.15
cases_per_month = 0
volatility = 0.05
reversion = 0.1
trend = -0.03
)";

// Only what has no default: the contract value and one indicator.
constexpr std::string_view k_minimal = R"([contract]
annual_value = 120e6

[[indicator]]
id = "follow_up_7d"
weight = 1
baseline = 0.9
target = 0.95
)";

LoadedScenario load(std::string_view text, const std::vector<std::string>& overrides = {}) {
  return load_scenario_text(text, "x.toml", overrides);
}

// `text` with its only occurrence of `from` replaced, so line numbers stay put.
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const auto at = out.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(out.find(from, at + 1) == std::string::npos);
  out.replace(at, from.size(), to);
  return out;
}

// "x.toml:N:" for the line holding `snippet` (its only occurrence).
std::string at_line_of(std::string_view text, std::string_view snippet) {
  const auto at = text.find(snippet);
  REQUIRE(at != std::string_view::npos);
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  return "x.toml:" + std::to_string(line) + ":";
}

void require_round_trip(const Scenario& scenario) {
  const std::string text = scenario_to_toml(scenario);
  INFO(text);
  require_identical(load(text).scenario, scenario);
}

// Six indicators in three measures, a 3 % share: inside every guidance range.
std::string guidance_compliant() {
  std::string text = "[contract]\nannual_value = 1e8\noutcome_share = 0.03\n";
  for (int i = 0; i < 6; ++i) {
    text += "[[indicator]]\nid = \"i" + std::to_string(i) + "\"\nmeasure = \"m" +
            std::to_string(i % 3) + "\"\nweight = 0.125\nbaseline = 0.5\ntarget = 0.6\n";
  }
  return replaced(text, "id = \"i0\"\nmeasure = \"m0\"\nweight = 0.125",
                  "id = \"i0\"\nmeasure = \"m0\"\nweight = 0.375");
}

}  // namespace

TEST_CASE("a complete scenario loads every key", "[scenario_loader]") {
  const Scenario s = load(k_complete).scenario;
  CHECK(s.title == "Struggling trust: bonus or withhold");
  CHECK(s.simulation.runs == 5000);
  CHECK(s.simulation.horizon_months == 24);
  CHECK(s.simulation.seed == 42);
  CHECK(s.provider.opening_cash == 2.0e6);
  CHECK(s.provider.shortfall_threshold == -1.0e6);
  CHECK(s.provider.stress_start_cash == 8.0e6);
  CHECK(s.provider.stress_penalty == 0.4);
  CHECK(s.provider.underlying_deficit == 0.02);
  CHECK(s.provider.fixed_cost_share == 0.7);
  CHECK(s.provider.cost_growth == 0.021);
  CHECK(s.provider.cost_noise == 0.01);
  CHECK(s.provider.overdraft_rate == 0.035);
  CHECK(s.demand.volatility == 0.03);
  CHECK(s.demand.persistence == 0.7);
  CHECK(s.demand.growth == 0.01);
  CHECK(s.demand.seasonality[0] == 0.99);
  CHECK(s.demand.seasonality[6] == 1.03);
  CHECK(s.contract.annual_value == 200.0e6);
  CHECK(s.contract.basis == Basis::capitation);
  CHECK(s.contract.income_growth == 0.021);
  CHECK(s.contract.outcome_share == std::vector<double>{0.02, 0.03});
  CHECK(s.contract.outcome_share_in_year(5) == 0.03);
  REQUIRE(s.structure_count() == 4);
  CHECK(s.contract.structures[0].name == "bonus");
  CHECK(s.contract.structures[0].withhold_fraction == 0.0);
  CHECK(s.contract.structures[1].name == "withhold");
  CHECK(s.contract.structures[2].name == "hybrid_0.5");
  CHECK(s.contract.structures[2].withhold_fraction == 0.5);
  CHECK(s.contract.structures[3].name == "advance");
  CHECK(s.contract.structures[3].advance);
  CHECK(s.contract.structures[3].withhold_fraction == 1.0);
  CHECK(s.contract.assessment_months == 3);
  CHECK(s.contract.settlement_lag_months == 2);
  CHECK(s.contract.payment_rule == PaymentRule::linear);
  CHECK(s.contract.withhold_effort_effect == 0.1);
  REQUIRE(s.contract.risk_share);
  CHECK(s.contract.risk_share->corridor == 0.02);
  CHECK(s.contract.risk_share->commissioner_share == 0.5);
  REQUIRE(s.indicator_count() == 3);
  const Indicator& care = s.indicators[0];
  CHECK(care.id == "care_plan_review");
  CHECK(care.name == "Care plan reviewed within 12 months");
  CHECK(care.measure == "Care planning");
  CHECK(care.weight == 0.5);
  CHECK(care.direction == Direction::higher);
  CHECK(care.baseline == 0.78);
  CHECK(care.target == 0.80);
  CHECK(care.floor == 0.70);
  CHECK(care.cases_per_month == 150);
  CHECK(care.volatility == 0.08);
  CHECK(care.reversion == 0.2);
  CHECK(care.trend == 0.05);
  const Indicator& readmission = s.indicators[2];
  CHECK(readmission.direction == Direction::lower);
  CHECK(readmission.floor == 0.15);
  CHECK(readmission.trend == -0.03);
  REQUIRE(s.correlation.rows() == 3);
  CHECK(s.correlation(0, 1) == 0.3);
  CHECK(s.correlation(2, 0) == 0.2);
  CHECK(s.correlation(1, 2) == 0.1);
  CHECK(s.correlation(2, 2) == 1.0);
  CHECK(s.shock_key == 0);
}

TEST_CASE("missing keys take their documented defaults", "[scenario_loader]") {
  const Scenario s = load(k_minimal).scenario;
  CHECK(s.title.empty());
  CHECK(s.simulation.runs == 10000);
  CHECK(s.simulation.horizon_months == 36);
  CHECK(s.simulation.seed == 20170401);
  // Cash defaults are one month of income (120e6 / 12) above the threshold.
  CHECK(s.provider.opening_cash == 10e6);
  CHECK(s.provider.shortfall_threshold == 0.0);
  CHECK(s.provider.stress_start_cash == 10e6);
  CHECK(s.provider.stress_penalty == 0.0);
  CHECK(s.provider.underlying_deficit == 0.0);
  CHECK(s.provider.fixed_cost_share == 0.75);
  CHECK(s.provider.cost_growth == 0.0);
  CHECK(s.provider.cost_noise == 0.0);
  CHECK(s.provider.overdraft_rate == 0.0);
  CHECK(s.demand.volatility == 0.0);
  CHECK(s.demand.persistence == 0.0);
  CHECK(s.demand.growth == 0.0);
  for (const double lambda : s.demand.seasonality) CHECK(lambda == 1.0);
  CHECK(s.contract.annual_value == 120e6);
  CHECK(s.contract.basis == Basis::block);
  CHECK(s.contract.income_growth == 0.0);
  CHECK(s.contract.outcome_share == std::vector<double>{0.03});
  REQUIRE(s.structure_count() == 2);
  CHECK(s.contract.structures[0].name == "bonus");
  CHECK(s.contract.structures[1].name == "withhold");
  CHECK(s.contract.assessment_months == 3);
  CHECK(s.contract.settlement_lag_months == 0);
  CHECK(s.contract.payment_rule == PaymentRule::threshold);
  CHECK(s.contract.withhold_effort_effect == 0.0);
  CHECK_FALSE(s.contract.risk_share);
  REQUIRE(s.indicator_count() == 1);
  const Indicator& follow_up = s.indicators[0];
  CHECK(follow_up.name == "follow_up_7d");
  CHECK(follow_up.measure == "follow_up_7d");
  CHECK(follow_up.weight == 1.0);
  CHECK(follow_up.direction == Direction::higher);
  CHECK(follow_up.floor == 0.0);  // unused by the threshold rule: the far end of the scale
  CHECK(follow_up.cases_per_month == 0);
  CHECK(follow_up.volatility == 0.0);
  CHECK(follow_up.reversion == 0.0);
  CHECK(follow_up.trend == 0.0);
  CHECK(s.correlation.rows() == 1);
  CHECK(s.correlation(0, 0) == 1.0);
}

TEST_CASE("the resolved TOML loads back to the identical scenario", "[scenario_loader]") {
  SECTION("complete") {
    const LoadedScenario loaded = load(k_complete);
    require_identical(load(loaded.resolved_toml).scenario, loaded.scenario);
  }
  SECTION("defaults") {
    const LoadedScenario loaded = load(k_minimal);
    require_identical(load(loaded.resolved_toml).scenario, loaded.scenario);
  }
  SECTION("awkward doubles, a common correlation and a large seed") {
    Scenario s = load(k_complete,
                      {"performance.correlation=-0.2", "simulation.seed=\"18446744073709551615\""})
                     .scenario;
    s.title = "tab\there \"quoted\" \\ back";
    s.provider.opening_cash = 1e-300;
    s.provider.shortfall_threshold = -0.1;
    s.provider.stress_start_cash = 2e6;
    s.contract.annual_value = 200000000.0;
    s.contract.income_growth = 0.1 + 0.2;  // 0.30000000000000004
    s.demand.volatility = 5e-324;          // the smallest subnormal
    s.indicators[1].trend = -1.7976931348623157e308;
    s.contract.structures = {PaymentStructure::from_fraction(0.1 + 0.2),
                             PaymentStructure::paid_in_advance()};
    CHECK(s.simulation.seed == 18446744073709551615ULL);
    CHECK(s.correlation(0, 2) == -0.2);
    require_round_trip(s);
  }
}

TEST_CASE("shipped scenarios load and round-trip", "[scenario_loader]") {
  const std::filesystem::path folder = std::filesystem::path(SHORTFALL_SOURCE_DIR) / "scenarios";
  if (!std::filesystem::exists(folder)) return;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    const LoadedStudy loaded = load_study_file(entry.path());
    const LoadedStudy again = load_study_text(loaded.resolved_toml, "resolved.toml");
    REQUIRE(again.scenarios.size() == loaded.scenarios.size());
    for (std::size_t p = 0; p < loaded.scenarios.size(); ++p) {
      require_identical(again.scenarios[p], loaded.scenarios[p]);
    }
  }
}

TEST_CASE("cash in days stays days in the resolved text, so a deficit sweep reads back the same",
          "[scenario_loader]") {
  // Each point's pounds come from its own deficit: (1 + d) V / 365 a day.
  const std::string text = replaced(std::string(k_complete), "opening_cash = 2.0e6", "opening_cash_days = 30") +
                           "\n[sweep]\nmode = \"grid\"\n[sweep.parameters]\n"
                           "\"provider.underlying_deficit\" = [0.0, 0.05]\n";
  const LoadedStudy loaded = load_study_text(text, "x.toml");
  REQUIRE(loaded.scenarios.size() == 2);
  const double value = loaded.scenarios[0].contract.annual_value;
  CHECK(loaded.scenarios[0].provider.opening_cash == Approx(30.0 * value / 365.0).epsilon(1e-12));
  CHECK(loaded.scenarios[1].provider.opening_cash == Approx(30.0 * 1.05 * value / 365.0).epsilon(1e-12));
  CHECK_THAT(loaded.resolved_toml, Contains("opening_cash_days = 30"));
  const LoadedStudy again = load_study_text(loaded.resolved_toml, "resolved.toml");
  REQUIRE(again.scenarios.size() == 2);
  for (std::size_t p = 0; p < 2; ++p) require_identical(again.scenarios[p], loaded.scenarios[p]);
}

TEST_CASE("withhold fractions are named by shortest decimal", "[scenario_loader]") {
  CHECK(PaymentStructure::from_fraction(0.0).name == "bonus");
  CHECK(PaymentStructure::from_fraction(1.0).name == "withhold");
  CHECK(PaymentStructure::from_fraction(0.5).name == "hybrid_0.5");
  CHECK(PaymentStructure::from_fraction(0.25).name == "hybrid_0.25");
  CHECK(PaymentStructure::from_fraction(0.1 + 0.2).name == "hybrid_0.30000000000000004");
  CHECK(PaymentStructure::from_fraction(0.25).withhold_fraction == 0.25);
  CHECK_FALSE(PaymentStructure::from_fraction(0.25).advance);
  CHECK_THROWS(PaymentStructure::from_fraction(1.5));
}

TEST_CASE("unknown and unsupported keys are errors that name them", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("top level, with a suggestion") {
    const auto text = replaced(c, "title =", "titel =");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:1:") &&
                                        Contains("unknown key 'titel' (did you mean 'title'?)"));
  }
  SECTION("a misspelt table") {
    const auto text = replaced(c, "[demand]", "[demmand]");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[demmand]")) &&
                                        Contains("unknown key 'demmand' (did you mean 'demand'?)"));
  }
  SECTION("in a table, with a suggestion") {
    const auto text = replaced(c, "opening_cash = 2.0e6", "opening_csh = 2.0e6");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "opening_csh")) &&
                                        Contains("unknown key 'provider.opening_csh' (did you "
                                                 "mean 'opening_cash'?)"));
  }
  SECTION("in a table, too far from any key to suggest") {
    const auto text = replaced(c, "persistence = 0.7", "persistence = 0.7\nbanana = 3");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "banana")) &&
                                        Contains("unknown key 'demand.banana'") &&
                                        !Contains("did you mean"));
  }
  SECTION("in an indicator, named by its id") {
    const auto text = replaced(c, "weight = 0.5\n", "wieght = 0.5\n");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "wieght")) &&
                            Contains("unknown key 'indicator.care_plan_review.wieght' (did you "
                                     "mean 'weight'?)"));
  }
  SECTION("in the risk share") {
    const auto text = replaced(c, "{ corridor = 0.02", "{ corridr = 0.02");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "corridr")) &&
                                        Contains("unknown key 'contract.risk_share.corridr' (did "
                                                 "you mean 'corridor'?)"));
  }
  SECTION("a [sweep] table where one scenario is expected") {
    const std::string text = std::string(c) + "\n[sweep]\nmode = \"grid\"\n";
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[sweep]")) &&
                                        Contains("the file holds a [sweep]"));
  }
  SECTION("a [network] table next to single-provider tables") {
    const std::string text = std::string(c) + "\n[network]\nmodel = \"prime\"\n";
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[provider]")) &&
                                        Contains("a network file (it has [network]) cannot have "
                                                 "a top-level [provider]"));
  }
  SECTION("[[provider]] elements without [network]") {
    const auto text = replaced(c, "[provider]", "[[provider]]");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "[[provider]]")) &&
                                        Contains("needs a [network] table"));
  }
}

TEST_CASE("wrong types are errors that say what was expected", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("a string for a number") {
    const auto text = replaced(c, "opening_cash = 2.0e6", "opening_cash = \"abc\"");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "opening_cash")) &&
                            Contains("provider.opening_cash = \"abc\" must be a number"));
  }
  SECTION("a fraction for an integer") {
    const auto text = replaced(c, "runs = 5000", "runs = 5000.5");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:4:") &&
                                        Contains("simulation.runs = 5000.5 must be an integer"));
  }
  SECTION("a float for cases per month") {
    const auto text = replaced(c, "cases_per_month = 150", "cases_per_month = 1.5");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "cases_per_month = 1.5")) &&
                            Contains("indicator.care_plan_review.cases_per_month = 1.5 must be an "
                                     "integer"));
  }
  SECTION("a table where a section's key is expected") {
    const auto text = replaced(c, "basis = \"capitation\"", "basis = 3");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "basis = 3")) &&
                                        Contains("contract.basis = 3 must be one of block, "
                                                 "capitation, episodic"));
  }
  SECTION("a misspelt choice") {
    const auto text = replaced(c, "assessment = \"quarterly\"", "assessment = \"quartely\"");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "quartely")) &&
                            Contains("contract.assessment = \"quartely\" must be one of "
                                     "monthly, quarterly, annual (did you mean "
                                     "'quarterly'?)"));
  }
  SECTION("a bad direction") {
    const auto text = replaced(c, "direction = \"lower\"", "direction = \"down\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "\"down\"")) &&
                                        Contains("indicator.readmission_30d.direction = \"down\" "
                                                 "must be one of higher, lower"));
  }
  SECTION("a seed that is not a number") {
    const auto text = replaced(c, "seed = 42", "seed = \"42x\"");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:6:") &&
                                        Contains("simulation.seed = \"42x\"") &&
                                        Contains("[0, 2^64)"));
  }
  SECTION("a negative seed") {
    const auto text = replaced(c, "seed = 42", "seed = -1");
    REQUIRE_THROWS_WITH(
        load(text), Contains("x.toml:6:") && Contains("simulation.seed = -1 is outside [0, 2^64)"));
  }
}

TEST_CASE("values out of range are errors with the value and the range", "[scenario_loader]") {
  const std::string_view c = k_complete;
  struct Case {
    std::string_view from;
    std::string_view to;
    std::string_view message;
  };
  const std::vector<Case> cases{
      {"runs = 5000", "runs = 0", "simulation.runs = 0 is outside [1, 1000000000]"},
      {"horizon_months = 24", "horizon_months = 1212",
       "simulation.horizon_months = 1212 is outside [1, 1200]"},
      {"outcome_share = [0.02, 0.03]", "outcome_share = 1.3",
       "contract.outcome_share = 1.3 is outside [0, 1]"},
      {"outcome_share = [0.02, 0.03]", "outcome_share = [0.02, -0.03]",
       "contract.outcome_share[2] = -0.03 is outside [0, 1]"},
      {"annual_value = 200.0e6", "annual_value = 0",
       "contract.annual_value = 0 is outside (0, inf)"},
      {"income_growth = 0.021", "income_growth = -1",
       "contract.income_growth = -1 is outside (-1, 1]"},
      {"settlement_lag_months = 2", "settlement_lag_months = 25",
       "contract.settlement_lag_months = 25 is outside [0, 24]"},
      {"withhold_effort_effect = 0.1", "withhold_effort_effect = 6",
       "contract.withhold_effort_effect = 6 is outside [-5, 5]"},
      {"commissioner_share = 0.5", "commissioner_share = 1.5",
       "contract.risk_share.commissioner_share = 1.5 is outside [0, 1]"},
      {"corridor = 0.02", "corridor = -0.02",
       "contract.risk_share.corridor = -0.02 is outside [0, inf)"},
      {"underlying_deficit = 0.02", "underlying_deficit = 1",
       "provider.underlying_deficit = 1 is outside (-1, 1)"},
      {"fixed_cost_share = 0.7", "fixed_cost_share = 1.1",
       "provider.fixed_cost_share = 1.1 is outside [0, 1]"},
      {"cost_noise = 0.01", "cost_noise = -0.01", "provider.cost_noise = -0.01 is outside [0, 1)"},
      {"overdraft_rate = 0.035", "overdraft_rate = 2",
       "provider.overdraft_rate = 2 is outside [0, 1]"},
      {"stress_penalty = 0.4", "stress_penalty = 21",
       "provider.stress_penalty = 21 is outside [0, 20]"},
      {"cost_growth = 0.021", "cost_growth = -1.5",
       "provider.cost_growth = -1.5 is outside (-1, 1]"},
      {"opening_cash = 2.0e6", "opening_cash = inf",
       "provider.opening_cash = inf is outside (-inf, inf)"},
      {"volatility = 0.03", "volatility = -0.03", "demand.volatility = -0.03 is outside [0, inf)"},
      {"persistence = 0.7", "persistence = -1", "demand.persistence = -1 is outside (-1, 1]"},
      {"growth = 0.01", "growth = 1.5", "demand.growth = 1.5 is outside (-1, 1]"},
      {"baseline = 0.78", "baseline = 1.0",
       "indicator.care_plan_review.baseline = 1 is outside (0, 1)"},
      {"target = 0.60", "target = 1.2", "indicator.eip_two_weeks.target = 1.2 is outside [0, 1]"},
      {"weight = 0.5", "weight = -0.5",
       "indicator.care_plan_review.weight = -0.5 is outside [0, 1]"},
      {"cases_per_month = 10", "cases_per_month = -10",
       "indicator.eip_two_weeks.cases_per_month = -10 is outside [0, 1000000]"},
      {"volatility = 0.1", "volatility = -0.1",
       "indicator.eip_two_weeks.volatility = -0.1 is outside [0, inf)"},
      {"reversion = 0.3", "reversion = 1.3",
       "indicator.eip_two_weeks.reversion = 1.3 is outside [0, 1]"},
      {"trend = 0.02", "trend = nan", "indicator.eip_two_weeks.trend = nan is outside (-inf, inf)"},
      {"floor = 0.50", "floor = -0.5", "indicator.eip_two_weeks.floor = -0.5 is outside [0, 1]"},
  };
  for (const auto& [from, to, message] : cases) {
    const auto text = replaced(c, from, to);
    INFO(to);
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, to)) && Contains(std::string(message)));
  }
}

TEST_CASE("rules across keys are errors naming the keys", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("horizon not a multiple of the assessment period") {
    const auto text = replaced(c, "horizon_months = 24", "horizon_months = 25");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:5:") &&
                                        Contains("simulation.horizon_months = 25 is not a multiple "
                                                 "of the assessment period, 3 months"));
  }
  SECTION("annual assessment over 18 months") {
    const auto text = replaced(replaced(c, "horizon_months = 24", "horizon_months = 18"),
                               "assessment = \"quarterly\"", "assessment = \"annual\"");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:5:") && Contains("12 months"));
  }
  SECTION("stress start at the shortfall threshold") {
    const auto text = replaced(c, "stress_start_cash = 8.0e6", "stress_start_cash = -1.0e6");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "stress_start_cash")) &&
                                        Contains("provider.stress_start_cash = -1000000 must be "
                                                 "greater than provider.shortfall_threshold = "
                                                 "-1000000"));
  }
  SECTION("weights that do not sum to 1") {
    const auto text = replaced(c, "weight = 0.5", "weight = 0.4");
    // Named at the first [[indicator]]: no single line is wrong.
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "[[indicator]]\nid = \"care_plan_review\"")) &&
                            Contains("indicator.*.weight") && Contains("sum to 0.9") &&
                            Contains("within 1e-9"));
  }
  SECTION("floor above the target of a higher-is-better indicator") {
    const auto text = replaced(c, "floor = 0.70", "floor = 0.90");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "floor = 0.90")) &&
                            Contains("indicator.care_plan_review.floor = 0.9 must be below "
                                     "indicator.care_plan_review.target = 0.8"));
  }
  SECTION("floor below the target of a lower-is-better indicator") {
    const auto text = replaced(c, "floor = 0.15", "floor = 0.05");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "floor = 0.05")) &&
                                        Contains("indicator.readmission_30d.floor = 0.05 must be "
                                                 "above indicator.readmission_30d.target = 0.1"));
  }
  SECTION("floor equal to the target") {
    const auto text = replaced(c, "floor = 0.50", "floor = 0.60");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "floor = 0.60")) &&
                                        Contains("indicator.eip_two_weeks.floor = 0.6 equals "
                                                 "indicator.eip_two_weeks.target = 0.6"));
  }
  SECTION("no floor under the linear rule") {
    const auto text = replaced(c, "floor = 0.50\n", "");
    // Named at the [[indicator]] header, since the key itself is absent.
    REQUIRE_THROWS_WITH(
        load(text), Contains(at_line_of(text, "[[indicator]]\nid = \"eip_two_weeks\"")) &&
                        Contains("indicator.eip_two_weeks.floor is missing") && Contains("linear"));
  }
  SECTION("a floor is not needed under the threshold rule") {
    const auto text = replaced(replaced(c, "floor = 0.50\n", ""), "payment_rule = \"linear\"",
                               "payment_rule = \"threshold\"");
    CHECK(load(text).scenario.indicators[1].floor == 0.0);
  }
}

TEST_CASE("seasonality must be 12 positive numbers averaging 1", "[scenario_loader]") {
  const std::string_view c = k_complete;
  const std::string_view seasonality =
      "seasonality = [0.99, 1.00, 0.99, 0.98, 0.96, 1.01, 1.03, 1.03, 0.97, 1.02, 1.01, 1.01]";
  const std::string line = at_line_of(c, seasonality);
  SECTION("a non-positive month") {
    const auto text =
        replaced(c, seasonality, "seasonality = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("demand.seasonality[1] = 0 is outside (0, inf)"));
  }
  SECTION("a mean other than 1") {
    const auto text =
        replaced(c, seasonality, "seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.24]");
    REQUIRE_THROWS_WITH(load(text), Contains(line) &&
                                        Contains("demand.seasonality has mean 1.02") &&
                                        Contains("within 1e-9"));
  }
  SECTION("eleven months") {
    const auto text = replaced(c, seasonality, "seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
    REQUIRE_THROWS_WITH(load(text), Contains(line) && Contains("demand.seasonality = [1, 1") &&
                                        Contains("must be a list of 12 numbers"));
  }
}

TEST_CASE("structures are names or fractions, listed once", "[scenario_loader]") {
  const std::string_view c = k_complete;
  const std::string_view structures = "structures = [\"bonus\", \"withhold\", 0.5, \"advance\"]";
  const std::string line = at_line_of(c, structures);
  SECTION("an unknown name") {
    const auto text = replaced(c, structures, "structures = [\"bonus\", \"withold\"]");
    REQUIRE_THROWS_WITH(load(text), Contains(line) &&
                                        Contains("contract.structures[2] = \"withold\" is not a "
                                                 "structure") &&
                                        Contains("(did you mean 'withhold'?)"));
  }
  SECTION("a duplicate by name") {
    const auto text = replaced(c, structures, "structures = [\"bonus\", \"withhold\", 0]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("contract.structures[3] = 0 is structure 'bonus' "
                                               "again (already contract.structures[1])"));
  }
  SECTION("an empty list") {
    const auto text = replaced(c, structures, "structures = []");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("contract.structures = [] must name at least one"));
  }
  SECTION("a fraction out of range") {
    const auto text = replaced(c, structures, "structures = [\"bonus\", 1.5]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("contract.structures[2] = 1.5 is outside [0, 1]"));
  }
}

TEST_CASE("indicators need valid, unique ids", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("no [[indicator]]") {
    const auto text = std::string(c.substr(0, c.find("[[indicator]]")));
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml: no [[indicator]]"));
  }
  SECTION("a duplicate id") {
    const auto text = replaced(c, "id = \"eip_two_weeks\"", "id = \"care_plan_review\"");
    REQUIRE_THROWS_WITH(load(text),
                        Contains(at_line_of(text, "id = \"care_plan_review\"\nname = \"Early")) &&
                            Contains("indicator[2].id = \"care_plan_review\" is already "
                                     "the id of indicator[1]"));
  }
  SECTION("capitals and dashes in an id") {
    const auto text = replaced(c, "id = \"eip_two_weeks\"", "id = \"EIP-2w\"");
    REQUIRE_THROWS_WITH(load(text), Contains(at_line_of(text, "EIP-2w")) &&
                                        Contains("indicator[2].id = \"EIP-2w\" must be a string "
                                                 "matching [a-z0-9_]+"));
  }
  SECTION("a missing id is named by position") {
    const auto text = replaced(c, "id = \"eip_two_weeks\"\n", "");
    REQUIRE_THROWS_WITH(load(text), Contains("indicator[2].id is missing"));
  }
}

TEST_CASE("the correlation must be a valid correlation", "[scenario_loader]") {
  const std::string_view c = k_complete;
  const std::string_view matrix = R"(correlation = [[1.0, 0.3, 0.2],
               [0.3, 1.0, 0.1],
               [0.2, 0.1, 1.0]])";
  const std::string line = at_line_of(c, matrix);
  SECTION("indefinite") {
    const auto text =
        replaced(c, matrix, "correlation = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("performance.correlation is not positive "
                                               "semi-definite: its smallest eigenvalue is -0.8"));
  }
  SECTION("not square") {
    const auto text = replaced(c, matrix, "correlation = [[1, 0.3, 0.2], [0.3, 1], [0.2, 0.1, 1]]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("performance.correlation row 2 = [0.3, 1] must be a "
                                               "list of 3 numbers"));
  }
  SECTION("the wrong number of rows") {
    const auto text = replaced(c, matrix, "correlation = [[1, 0.3], [0.3, 1]]");
    REQUIRE_THROWS_WITH(
        load(text),
        Contains(line) && Contains("performance.correlation has 2 rows; it must be 3 x 3"));
  }
  SECTION("asymmetric") {
    const auto text =
        replaced(c, matrix, "correlation = [[1, 0.3, 0.2], [0.3, 1, 0.1], [0.2, 0.15, 1]]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("performance.correlation is not symmetric: row 3, "
                                               "column 2 = 0.15 but row 2, column 3 = 0.1"));
  }
  SECTION("a diagonal other than 1") {
    const auto text =
        replaced(c, matrix, "correlation = [[1, 0.3, 0.2], [0.3, 0.9, 0.1], [0.2, 0.1, 1]]");
    REQUIRE_THROWS_WITH(
        load(text),
        Contains(line) && Contains("performance.correlation row 2, column 2 = 0.9 must be 1"));
  }
  SECTION("an entry out of range") {
    const auto text =
        replaced(c, matrix, "correlation = [[1, 1.3, 0.2], [1.3, 1, 0.1], [0.2, 0.1, 1]]");
    REQUIRE_THROWS_WITH(
        load(text), Contains(line) && Contains("performance.correlation row 1, column 2 = 1.3 is "
                                               "outside [-1, 1]"));
  }
  SECTION("a common correlation too negative for three indicators") {
    const auto text = replaced(c, matrix, "correlation = -0.6");
    REQUIRE_THROWS_WITH(
        load(text),
        Contains(line) && Contains("performance.correlation = -0.6 is outside [-0.5, 1]"));
  }
  SECTION("singular but positive semi-definite is accepted") {
    const auto text = replaced(c, matrix, "correlation = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]");
    CHECK(load(text).scenario.correlation.sum() == 9.0);
  }
  SECTION("a common correlation fills the matrix") {
    const auto text = replaced(c, matrix, "correlation = -0.5");
    const Eigen::MatrixXd r = load(text).scenario.correlation;
    CHECK(r(0, 0) == 1.0);
    CHECK(r(0, 1) == -0.5);
    CHECK(r(2, 1) == -0.5);
  }
}

TEST_CASE("files that cannot be read or parsed are errors", "[scenario_loader]") {
  SECTION("empty") {
    REQUIRE_THROWS_WITH(load(""), Contains("x.toml: the scenario is empty"));
    REQUIRE_THROWS_WITH(load("# only a comment\n"), Contains("x.toml: the scenario is empty"));
  }
  SECTION("not TOML") {
    REQUIRE_THROWS_WITH(load("title = \"x\"\nthis is not toml\n"),
                        Contains("x.toml:2: not valid TOML:"));
  }
  SECTION("a path that does not exist") {
    REQUIRE_THROWS_WITH(
        load_scenario_file("/nonexistent/dir/x.toml"),
        Contains("'/nonexistent/dir/x.toml'") && Contains("No such file or directory"));
  }
  SECTION("a directory") {
    REQUIRE_THROWS_WITH(load_scenario_file(std::filesystem::temp_directory_path()),
                        Contains("cannot read scenario file") && Contains("directory"));
  }
  SECTION("a file on disk loads and names itself in messages") {
    const auto path = std::filesystem::temp_directory_path() / "shortfall_loader_test.toml";
    std::ofstream(path) << replaced(k_minimal, "annual_value = 120e6", "annual_value = -1");
    REQUIRE_THROWS_WITH(
        load_scenario_file(path),
        Contains(path.string() + ":2: contract.annual_value = -1 is outside (0, inf)"));
    std::filesystem::remove(path);
  }
}

TEST_CASE("overrides given with --set apply before validation", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("a number, a bare word and a list") {
    const Scenario s = load(c, {"provider.opening_cash=5e6", "contract.basis=block",
                                "contract.structures=[\"withhold\", 0.25]", "title=Renamed"})
                           .scenario;
    CHECK(s.provider.opening_cash == 5e6);
    CHECK(s.contract.basis == Basis::block);
    REQUIRE(s.structure_count() == 2);
    CHECK(s.contract.structures[1].name == "hybrid_0.25");
    CHECK(s.title == "Renamed");
  }
  SECTION("a value that is not UTF-8 is refused (found by the --set fuzz target)") {
    // Taken as a plain string, it reached the resolved text, which then did
    // not load back: --resume and --extend of such a run would fail.
    for (const std::string value : {"caf\xe9", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82"}) {
      CHECK_THROWS_WITH(load(c, {"title=" + value}),
                        Contains("--set title=") && Contains("is not valid UTF-8"));
    }
    const LoadedScenario loaded = load(c, {"title=caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x92\xb7"});
    CHECK(loaded.scenario.title == "caf\xc3\xa9 \xe2\x82\xac\xf0\x9f\x92\xb7");
    CHECK(load(loaded.resolved_toml).resolved_toml == loaded.resolved_toml);
  }
  SECTION("indicator.*.volatility sets every indicator") {
    const Scenario s = load(c, {"indicator.*.volatility=0.2"}).scenario;
    for (const auto& indicator : s.indicators) CHECK(indicator.volatility == 0.2);
  }
  SECTION("indicator.<id>.target sets one indicator") {
    const Scenario s = load(c, {"indicator.eip_two_weeks.target=0.65"}).scenario;
    CHECK(s.indicators[0].target == 0.80);
    CHECK(s.indicators[1].target == 0.65);
    CHECK(s.indicators[2].target == 0.10);
  }
  SECTION("a key missing from the file, and a table missing from the file") {
    const Scenario s = load(k_minimal, {"demand.growth=0.02", "contract.risk_share.corridor=0.01",
                                        "contract.risk_share.commissioner_share=0.5"})
                           .scenario;
    CHECK(s.demand.growth == 0.02);
    REQUIRE(s.contract.risk_share);
    CHECK(s.contract.risk_share->corridor == 0.01);
  }
  SECTION("a rule between keys names the override that broke it") {
    REQUIRE_THROWS_WITH(load(c, {"indicator.care_plan_review.target=0.6"}),
                        Contains(at_line_of(c, "floor = 0.70") +
                                 " indicator.care_plan_review.floor = 0.7 must be below "
                                 "indicator.care_plan_review.target = 0.6 (at --set "
                                 "indicator.care_plan_review.target=0.6)"));
  }
  SECTION("the last of two overrides of one key wins") {
    CHECK(load(c, {"simulation.runs=7", "simulation.runs=9"}).scenario.simulation.runs == 9);
  }
  SECTION("an out-of-range value names the argument") {
    REQUIRE_THROWS_WITH(
        load(c, {"contract.outcome_share=1.3"}),
        Contains("--set contract.outcome_share=1.3: contract.outcome_share = 1.3 is "
                 "outside [0, 1]") &&
            !Contains("x.toml:"));
  }
  SECTION("a value of the wrong type") {
    REQUIRE_THROWS_WITH(
        load(c, {"simulation.runs=many"}),
        Contains("--set simulation.runs=many: simulation.runs = \"many\" must be an "
                 "integer"));
  }
  SECTION("an override of every indicator names the argument") {
    REQUIRE_THROWS_WITH(load(c, {"indicator.*.reversion=2"}),
                        Contains("--set indicator.*.reversion=2: "
                                 "indicator.care_plan_review.reversion = 2 is outside [0, 1]"));
  }
  SECTION("an unknown key, with a suggestion") {
    REQUIRE_THROWS_WITH(load(c, {"provider.opening_csh=1"}),
                        Contains("--set provider.opening_csh=1: unknown key "
                                 "'provider.opening_csh' (did you mean 'opening_cash'?)"));
  }
  SECTION("an unknown table") {
    REQUIRE_THROWS_WITH(load(c, {"providr.opening_cash=1"}),
                        Contains("--set providr.opening_cash=1: unknown key 'providr.opening_cash' "
                                 "(did you mean 'provider'?)"));
  }
  SECTION("an unknown indicator key") {
    REQUIRE_THROWS_WITH(
        load(c, {"indicator.*.volatilty=1"}),
        Contains("unknown key 'indicator.*.volatilty' (did you mean 'volatility'?)"));
  }
  SECTION("an unknown indicator id") {
    REQUIRE_THROWS_WITH(load(c, {"indicator.eip_two_week.target=0.5"}),
                        Contains("--set indicator.eip_two_week.target=0.5: no [[indicator]] has id "
                                 "'eip_two_week' (did you mean 'eip_two_weeks'?)"));
  }
  SECTION("no '='") {
    REQUIRE_THROWS_WITH(load(c, {"provider.opening_cash"}),
                        Contains("--set provider.opening_cash: expected KEY=VALUE"));
  }
  SECTION("a sweep key") {
    REQUIRE_THROWS_WITH(load(c, {"sweep.mode=grid"}),
                        Contains("--set sweep.mode=grid: the [sweep] table cannot be set with --set"));
  }
}

TEST_CASE("values outside the NHS guidance are warnings", "[scenario_loader]") {
  SECTION("inside every range: no warnings") {
    const LoadedScenario loaded = load(guidance_compliant());
    CHECK(loaded.warnings.empty());
  }
  SECTION("an outcome share of 5 %") {
    const std::string text =
        replaced(guidance_compliant(), "outcome_share = 0.03", "outcome_share = 0.05");
    const LoadedScenario loaded = load(text);
    REQUIRE(loaded.warnings.size() == 1);
    CHECK_THAT(loaded.warnings[0],
               Contains("x.toml:3: warning: contract.outcome_share = 0.05 is outside the guidance "
                        "range 2–4 %"));
  }
  SECTION("a phased share warns for each year outside the range") {
    const std::string text =
        replaced(guidance_compliant(), "outcome_share = 0.03", "outcome_share = [0.01, 0.03, 0.2]");
    const LoadedScenario loaded = load(text);
    REQUIRE(loaded.warnings.size() == 2);
    CHECK_THAT(loaded.warnings[0], Contains("contract.outcome_share[1] = 0.01"));
    CHECK_THAT(loaded.warnings[1], Contains("contract.outcome_share[3] = 0.2"));
  }
  SECTION("an override that leaves the range names the argument") {
    const LoadedScenario loaded = load(guidance_compliant(), {"contract.outcome_share=0.05"});
    REQUIRE(loaded.warnings.size() == 1);
    CHECK_THAT(loaded.warnings[0], Contains("--set contract.outcome_share=0.05: warning:"));
  }
  SECTION("two indicators in two measures") {
    const std::string text = R"([contract]
annual_value = 1e8
[[indicator]]
id = "a"
weight = 0.5
baseline = 0.5
target = 0.6
[[indicator]]
id = "b"
weight = 0.5
baseline = 0.5
target = 0.6
)";
    const LoadedScenario loaded = load(text);
    REQUIRE(loaded.warnings.size() == 2);
    CHECK_THAT(loaded.warnings[0], Contains("x.toml:3: warning: the scenario has 2 indicators") &&
                                       Contains("outside the guidance range 6–15"));
    CHECK_THAT(loaded.warnings[1],
               Contains("x.toml:3: warning: the scenario has 2 distinct measures") &&
                   Contains("indicator.*.measure") && Contains("outside the guidance range 3–7"));
  }
}

TEST_CASE("numbers in integer and float keys convert as documented", "[scenario_loader]") {
  const std::string_view c = k_complete;
  SECTION("an integer where a float is expected") {
    CHECK(load(replaced(c, "annual_value = 200.0e6", "annual_value = 200000000"))
              .scenario.contract.annual_value == 2e8);
  }
  SECTION("an integral float where an integer is expected") {
    CHECK(load(replaced(c, "runs = 5000", "runs = 1e5")).scenario.simulation.runs == 100000);
  }
  SECTION("a seed beyond 2^63 as a string of digits") {
    const auto text = replaced(c, "seed = 42", "seed = \"9223372036854775808\"");
    CHECK(load(text).scenario.simulation.seed == 9223372036854775808ULL);
  }
  SECTION("a seed at 2^64 is out of range") {
    const auto text = replaced(c, "seed = 42", "seed = \"18446744073709551616\"");
    REQUIRE_THROWS_WITH(load(text), Contains("x.toml:6:") && Contains("simulation.seed"));
  }
}


TEST_CASE("simulation.pilot_runs: 10,000 by default and in the resolved text only when given",
          "[scenario_loader][decomposition]") {
  const LoadedScenario plain = load(k_minimal);
  CHECK(plain.scenario.simulation.pilot_runs == 10000);
  CHECK(!plain.scenario.simulation.pilot_runs_given);
  // A scenario that leaves it out keeps the text it had before the key
  // existed: its results files' and checkpoints' identity.
  CHECK(plain.resolved_toml.find("pilot_runs") == std::string::npos);
  require_round_trip(plain.scenario);

  const LoadedScenario given = load(k_minimal, {"simulation.pilot_runs=2500"});
  CHECK(given.scenario.simulation.pilot_runs == 2500);
  CHECK(given.scenario.simulation.pilot_runs_given);
  CHECK(given.resolved_toml.find("\npilot_runs = 2500\n") != std::string::npos);
  require_round_trip(given.scenario);

  CHECK_THROWS_WITH(load("[simulation]\npilot_runs = 0\n" + std::string(k_minimal)),
                    Catch::Contains("x.toml:2: simulation.pilot_runs = 0 is outside [1, 1000000000]"));
}

}  // namespace shortfall
