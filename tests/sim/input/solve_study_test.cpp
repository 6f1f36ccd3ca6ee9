// sim/input/solve_study.h: what `solve` may vary, the file written back
// with its overrides, and a batch of points as a study.
#include "sim/input/solve_study.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/input/scenario_loader.h"

namespace shortfall {
namespace {

using Catch::Contains;
namespace fs = std::filesystem;

// No stress_start_cash: it follows the shortfall threshold (S + V/12).
constexpr std::string_view k_trust = R"(title = "trust"
[provider]
opening_cash = 4.0e6

[contract]
annual_value = 120.0e6
structures = ["bonus", "withhold"]

[[indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
)";

fs::path written(const std::string& name, std::string_view text) {
  const fs::path folder = fs::temp_directory_path() / "solve_study_test";
  fs::create_directories(folder);
  const fs::path path = folder / name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("a numeric key a sweep accepts may be varied", "[solve_study]") {
  const std::string text(k_trust);
  const VariedKey cash = varied_key(text, "provider.opening_cash");
  CHECK_FALSE(cash.integer);
  CHECK(cash.unit == "GBP");
  const VariedKey days = varied_key(text, "provider.opening_cash_days");
  CHECK(days.unit == "days");
  const VariedKey lag = varied_key(text, "contract.settlement_lag_months");
  CHECK(lag.integer);
  CHECK(lag.allowed.high == 24);
  const VariedKey share = varied_key(text, "contract.outcome_share");  // a list or a number
  CHECK(share.allowed.contains(0.04));
  CHECK_FALSE(varied_key(text, "indicator.eip.target").integer);
}

TEST_CASE("a key solve cannot vary is refused naming --vary", "[solve_study]") {
  const std::string text(k_trust);
  REQUIRE_THROWS_WITH(varied_key(text, "provider.opening_csh"),
                      "--vary provider.opening_csh: unknown key 'provider.opening_csh' (did you "
                      "mean 'opening_cash'?)");
  REQUIRE_THROWS_WITH(varied_key(text, "contract.basis"),
                      Contains("contract.basis is not a number (it takes \"block\", "
                               "\"capitation\", \"episodic\")"));
  REQUIRE_THROWS_WITH(varied_key(text, "title"), Contains("title cannot be varied"));
  REQUIRE_THROWS_WITH(varied_key(text, "simulation.horizon_months"),
                      Contains("simulation.horizon_months cannot be varied"));
  REQUIRE_THROWS_WITH(varied_key(text, "contract.structures"),
                      "--vary contract.structures: contract.structures is a list: solve varies one "
                      "number");
  REQUIRE_THROWS_WITH(varied_key(text, "indicator.nope.target"), Contains("no [[indicator]] has id 'nope'"));
}

TEST_CASE("the points of a batch are a sweep of the key on the scenario's own futures",
          "[solve_study]") {
  const std::vector<double> points{1.0e6, 2.5e6, 4.0e6};
  const LoadedStudy study = load_study_text(
      points_study_text(k_trust, "provider.opening_cash", points), "batch.toml");
  REQUIRE(study.scenarios.size() == 3);
  for (std::size_t p = 0; p < points.size(); ++p) {
    CHECK(study.scenarios[p].provider.opening_cash == points[p]);
    CHECK(study.scenarios[p].shock_key == 0);  // a single scenario's futures
  }
  CHECK(study.swept_keys == std::vector<std::string>{"provider.opening_cash"});
}

TEST_CASE("the file written back with its overrides reads as the same scenario", "[solve_study]") {
  // Every shipped scenario without a sweep, with and without overrides.
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SHORTFALL_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    const LoadedStudy study = load_study_file(entry.path());
    if (!study.mode.empty()) continue;
    INFO(entry.path().string());
    const std::string text = solve_base_text(entry.path(), {});
    CHECK(load_study_text(text, "back.toml").resolved_toml == study.resolved_toml);
    ++checked;
  }
  CHECK(checked >= 5);
  const fs::path path = written("trust.toml", k_trust);
  const std::vector<std::string> overrides{"provider.opening_cash_days=12.5",
                                           "simulation.seed=\"18446744073709551615\""};
  const std::string text = solve_base_text(path, overrides);
  CHECK(load_study_text(text, "back.toml").resolved_toml ==
        load_study_file(path, overrides).resolved_toml);
}

TEST_CASE("points start from the file, so a key's derived default follows the varied key",
          "[solve_study]") {
  // stress_start_cash defaults to S + V/12: varying S moves it, as a sweep of
  // the file does; the resolved text would have frozen it at V/12.
  const fs::path path = written("follow.toml", k_trust);
  const std::string text = solve_base_text(path, {});
  const std::vector<double> thresholds{-2.0e6, 1.0e6};
  const LoadedStudy study =
      load_study_text(points_study_text(text, "provider.shortfall_threshold", thresholds), "b.toml");
  CHECK(study.scenarios[0].provider.stress_start_cash == -2.0e6 + 10.0e6);
  CHECK(study.scenarios[1].provider.stress_start_cash == 1.0e6 + 10.0e6);
}

}  // namespace shortfall
