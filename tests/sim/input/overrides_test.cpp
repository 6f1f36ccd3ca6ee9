// sim/input/overrides.h: a file's value that --set (and so --runs, --seed
// and a sweep) replaces must be valid by itself, and is reported where it
// is, exactly as `check` reports it without the override.
#include "sim/input/overrides.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/input/scenario_loader.h"

namespace shortfall {
namespace {

using Catch::Contains;
using Catch::Equals;

std::string minimal_with(std::string_view simulation, std::string_view contract_extra = "",
                         std::string_view indicator_extra = "") {
  return "[simulation]\n" + std::string(simulation) + "\n[contract]\nannual_value = 120.0e6\n" +
         std::string(contract_extra) +
         "\n[[indicator]]\nid = \"eip\"\nweight = 1.0\nbaseline = 0.6\ntarget = 0.6\n" +
         std::string(indicator_extra);
}

// The message `check` gives for the file alone.
std::string error_of(const std::string& text, std::span<const std::string> overrides = {}) {
  try {
    load_study_text(text, "x.toml", overrides);
  } catch (const ScenarioError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a file's value replaced by --set must still be valid", "[overrides]") {
  const std::string text = minimal_with("runs = -500");
  const std::string alone = error_of(text);
  CHECK(alone == "x.toml:2: simulation.runs = -500 is outside [1, 1000000000]");
  // What `run --runs 2000` does: the override would hide the bad value.
  const std::vector<std::string> runs{"simulation.runs=2000"};
  CHECK(error_of(text, runs) == alone);
}

TEST_CASE("every kind of row checks the value it replaces", "[overrides]") {
  struct Case {
    std::string text;
    std::string set;
    std::string message;
  };
  const std::vector<Case> cases{
      {minimal_with("seed = -3"), "simulation.seed=4",
       "x.toml:2: simulation.seed = -3 is outside [0, 2^64)"},
      {minimal_with("", "outcome_share = [0.02, \"x\"]"), "contract.outcome_share=0.03",
       "x.toml:5: contract.outcome_share[2] = \"x\" must be a number"},
      {minimal_with("", "structures = [\"bonus\", \"bonus\"]"),
       "contract.structures=[\"bonus\"]",
       "x.toml:5: contract.structures[2] = \"bonus\" is structure 'bonus' again (already "
       "contract.structures[1])"},
      {minimal_with("", "basis = \"capitaton\""), "contract.basis=block",
       "x.toml:5: contract.basis = \"capitaton\" must be one of block, capitation, episodic (did "
       "you mean 'capitation'?)"},
      {minimal_with("", "risk_share = { corridor = -1, commissioner_share = 0.5 }"),
       "contract.risk_share.corridor=0.1",
       "x.toml:5: contract.risk_share.corridor = -1 is outside [0, inf)"},
      {minimal_with("", "", "cases_per_month = 2.5"), "indicator.*.cases_per_month=10",
       "x.toml:11: indicator.eip.cases_per_month = 2.5 must be an integer"},
      {"title = 3\n" + minimal_with(""), "title=\"ok\"", "x.toml:1: title = 3 must be a string"},
  };
  for (const auto& c : cases) {
    INFO(c.text << "\n--set " << c.set);
    const std::vector<std::string> overrides{c.set};
    CHECK_THAT(error_of(c.text, overrides), Equals(c.message));
  }
}

TEST_CASE("an indicator's replaced value is named where the file puts it", "[overrides]") {
  constexpr std::string_view network = R"([network]
model = "alliance"

[[provider]]
id = "trust"
[provider.contract]
annual_value = 120.0e6
[[provider.indicator]]
id = "eip"
weight = 1.0
baseline = 0.6
target = 0.6
volatility = -1
)";
  const std::vector<std::string> overrides{"indicator.eip.volatility=0.1"};
  CHECK_THAT(error_of(std::string(network), overrides),
             Equals("x.toml:13: provider.trust.indicator.eip.volatility = -1 is outside [0, inf)"));
}

TEST_CASE("rules between keys apply to the values used, not those replaced", "[overrides]") {
  // stress_start_cash below the threshold is fixed by the override: each
  // value is valid by itself, and the pair used is too.
  const std::string text = "[provider]\nshortfall_threshold = 5.0e6\nstress_start_cash = 1.0e6\n" +
                           minimal_with("");
  CHECK_THAT(error_of(text), Contains("must be greater than provider.shortfall_threshold"));
  const std::vector<std::string> overrides{"provider.stress_start_cash=9e6"};
  CHECK(error_of(text, overrides).empty());
  // An override's value replaced by a later override is not the file's.
  const std::vector<std::string> twice{"simulation.runs=-1", "simulation.runs=10"};
  CHECK(error_of(minimal_with("runs = 5"), twice).empty());
}

TEST_CASE("a sweep's values replace the file's, which must be valid", "[overrides]") {
  const std::string text =
      minimal_with("", "outcome_share = 1.5") +
      "\n[sweep]\n[sweep.parameters]\n\"contract.outcome_share\" = [0.02, 0.03]\n";
  CHECK_THAT(error_of(text), Equals("x.toml:5: contract.outcome_share = 1.5 is outside [0, 1]"));
}

}  // namespace shortfall
