// sim/input/cash_days.h: opening cash and the shortfall line in days of
// operating cost are the pound keys by another name. The pounds are checked
// against (1 + d) V / 365 a day written out by hand, never against the
// reader's own helper.
#include "sim/input/cash_days.h"

#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/input/scenario_keys.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {
namespace {

using Catch::Contains;

// £150m, 2 % deficit: a day of cost is 1.02 x 150e6 / 365 = £419,178.08.
constexpr std::string_view k_trust = R"([provider]
opening_cash = 4.0e6
underlying_deficit = 0.02
stress_start_cash = 40.0e6

[contract]
annual_value = 150.0e6

[[indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
)";

std::string with_provider_line(std::string_view from, std::string_view to) {
  std::string text(k_trust);
  const std::size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// Relative agreement to a few ulps: the reader multiplies in another order.
bool close(double a, double b) { return std::abs(a - b) <= 1e-14 * std::abs(b); }

}  // namespace

TEST_CASE("the spellings pair each cash key with its days", "[cash_days]") {
  CHECK(other_cash_spelling("opening_cash") == "opening_cash_days");
  CHECK(other_cash_spelling("opening_cash_days") == "opening_cash");
  CHECK(other_cash_spelling("shortfall_threshold_days") == "shortfall_threshold");
  CHECK_FALSE(other_cash_spelling("stress_start_cash").has_value());
  CHECK(is_days_spelling("shortfall_threshold_days"));
  CHECK_FALSE(is_days_spelling("shortfall_threshold"));
  // Both spellings are rows of [provider], so --set, sweeps and the docs know them.
  for (const auto& spelling : k_cash_spellings) {
    CHECK(keys::find(keys::provider, spelling.pounds) != nullptr);
    CHECK(keys::find(keys::provider, spelling.days) != nullptr);
  }
  CHECK(one_day_of_cost(365.0e6, 0.0) == 1.0e6);
  CHECK(close(one_day_of_cost(150.0e6, 0.02), 419178.08219178082));
}

TEST_CASE("days of cost read as pounds and resolve to the days keys", "[cash_days]") {
  const std::string text = with_provider_line("opening_cash = 4.0e6", "opening_cash_days = 40\n"
                                                                      "shortfall_threshold_days = -10");
  const LoadedScenario loaded = load_scenario_text(text, "days.toml");
  const double day = 1.02 * 150.0e6 / 365.0;
  CHECK(close(loaded.scenario.provider.opening_cash, 40.0 * day));
  CHECK(close(loaded.scenario.provider.shortfall_threshold, -10.0 * day));
  // The resolved text keeps the days (so a sweep of the deficit reads back
  // with each point's own pounds), and no pound key beside them.
  CHECK(loaded.resolved_toml.find("opening_cash_days = 40") != std::string::npos);
  CHECK(loaded.resolved_toml.find("shortfall_threshold_days = -10") != std::string::npos);
  CHECK(loaded.resolved_toml.find("opening_cash =") == std::string::npos);
  CHECK(loaded.resolved_toml.find("shortfall_threshold =") == std::string::npos);
  const LoadedScenario again = load_scenario_text(loaded.resolved_toml, "resolved.toml");
  CHECK(again.scenario.provider.opening_cash == loaded.scenario.provider.opening_cash);
  CHECK(again.scenario.provider.shortfall_threshold == loaded.scenario.provider.shortfall_threshold);
  CHECK(again.resolved_toml == loaded.resolved_toml);
  // The deficit in the day is the provider's own.
  const LoadedScenario surplus =
      load_scenario_text(text, "days.toml", std::vector<std::string>{"provider.underlying_deficit=-0.1"});
  CHECK(close(surplus.scenario.provider.opening_cash, 40.0 * 0.9 * 150.0e6 / 365.0));
}

TEST_CASE("a file gives a cash in pounds or in days, not both", "[cash_days]") {
  const std::string both = with_provider_line("opening_cash = 4.0e6",
                                              "opening_cash = 4.0e6\nopening_cash_days = 40");
  REQUIRE_THROWS_WITH(load_scenario_text(both, "both.toml"),
                      Contains("both.toml:3: provider.opening_cash_days and provider.opening_cash "
                               "(at both.toml:2) both give the same cash"));
  const std::string thresholds = with_provider_line(
      "opening_cash = 4.0e6", "shortfall_threshold = 0.0\nshortfall_threshold_days = -5");
  REQUIRE_THROWS_WITH(load_scenario_text(thresholds, "t.toml"),
                      Contains("provider.shortfall_threshold_days and provider.shortfall_threshold"));
  const std::string infinite = with_provider_line("opening_cash = 4.0e6", "opening_cash_days = inf");
  REQUIRE_THROWS_WITH(load_scenario_text(infinite, "inf.toml"),
                      Contains("provider.opening_cash_days = inf is outside"));
}

TEST_CASE("a --set of one spelling replaces the file's other", "[cash_days]") {
  const double day = 1.02 * 150.0e6 / 365.0;
  const LoadedScenario days =
      load_scenario_text(k_trust, "trust.toml", std::vector<std::string>{"provider.opening_cash_days=30"});
  CHECK(close(days.scenario.provider.opening_cash, 30.0 * day));

  const std::string in_days = with_provider_line("opening_cash = 4.0e6", "opening_cash_days = 40");
  const LoadedScenario pounds =
      load_scenario_text(in_days, "days.toml", std::vector<std::string>{"provider.opening_cash=1e6"});
  CHECK(pounds.scenario.provider.opening_cash == 1e6);

  // The replaced value must still be valid, as every replaced value.
  const std::string bad = with_provider_line("opening_cash = 4.0e6", "opening_cash = \"lots\"");
  REQUIRE_THROWS_WITH(
      load_scenario_text(bad, "bad.toml", std::vector<std::string>{"provider.opening_cash_days=30"}),
      Contains("provider.opening_cash = \"lots\""));

  // Two overrides of the same cash: the later would silently win.
  REQUIRE_THROWS_WITH(
      load_scenario_text(k_trust, "trust.toml",
                         std::vector<std::string>{"provider.opening_cash=1e6",
                                                  "provider.opening_cash_days=30"}),
      Contains("--set provider.opening_cash_days=30: provider.opening_cash_days and "
               "provider.opening_cash (at --set provider.opening_cash=1e6) both set the same cash"));
}

TEST_CASE("a sweep of the days replaces the file's pounds at every point", "[cash_days]") {
  const std::string text = std::string(k_trust) + R"(
[sweep]
[sweep.parameters]
"provider.opening_cash_days" = [10, 20.5]
)";
  const LoadedStudy study = load_study_text(text, "sweep.toml");
  REQUIRE(study.scenarios.size() == 2);
  const double day = 1.02 * 150.0e6 / 365.0;
  CHECK(close(study.scenarios[0].provider.opening_cash, 10.0 * day));
  CHECK(close(study.scenarios[1].provider.opening_cash, 20.5 * day));
  // The base keeps the file's pounds; the sweep says days.
  CHECK(study.resolved_toml.find("opening_cash = 4000000.0") != std::string::npos);
  CHECK(study.resolved_toml.find("\"provider.opening_cash_days\" = [10.0, 20.5]") !=
        std::string::npos);
  // The resolved text loads back to the same points.
  const LoadedStudy again = load_study_text(study.resolved_toml, "resolved.toml");
  CHECK(again.scenarios[1].provider.opening_cash == study.scenarios[1].provider.opening_cash);
}

TEST_CASE("in a network each provider counts days of its own value and deficit", "[cash_days]") {
  constexpr std::string_view prime = R"([network]
model = "prime"
lead = "trust"

[[network.subcontract]]
provider = "vcs"
value = 7.3e6

[[provider]]
id = "trust"
opening_cash_days = 10
underlying_deficit = 0.03
[provider.contract]
annual_value = 100.0e6
[[provider.indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6

[[provider]]
id = "vcs"
opening_cash_days = 10
shortfall_threshold_days = -2
)";
  const LoadedScenario loaded = load_scenario_text(prime, "prime.toml");
  const Scenario& s = loaded.scenario;
  // The lead: its contract's value (it pays its subcontractors from it).
  CHECK(close(s.provider_setup(0).provider.opening_cash, 10.0 * 1.03 * 100.0e6 / 365.0));
  // The subcontractor: its subcontract's value, its own deficit (0).
  CHECK(close(s.provider_setup(1).provider.opening_cash, 10.0 * 7.3e6 / 365.0));
  CHECK(close(s.provider_setup(1).provider.shortfall_threshold, -2.0 * 7.3e6 / 365.0));
  const LoadedScenario set = load_scenario_text(
      prime, "prime.toml", std::vector<std::string>{"provider.vcs.opening_cash_days=1"});
  CHECK(close(set.scenario.provider_setup(1).provider.opening_cash, 7.3e6 / 365.0));
}

}  // namespace shortfall
