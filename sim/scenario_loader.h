// The only place that reads TOML: scenario text -> validated Scenario.
//
// Every key has a documented default and range (docs/scenario-keys.md). A
// misspelt key, a wrong type or a value out of range throws ScenarioError
// whose message names the file, the line, the key, the value and what is
// allowed, e.g.
//   scenarios/x.toml:14: unknown key 'provider.opening_csh' (did you mean 'opening_cash'?)
//   scenarios/x.toml:22: contract.outcome_share = 1.3 is outside [0, 1]
// Values outside the NHS guidance are warnings, not errors.
#pragma once

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

// Invalid input: the message is complete and ready to print.
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedScenario {
  Scenario scenario;
  std::vector<std::string> warnings;  // guidance warnings, each naming file and key
  std::string resolved_toml;          // every key with its value, defaults filled in
};

// `overrides` are --set arguments "KEY=VALUE": KEY a dotted scalar key
// (`provider.opening_cash`, `indicator.eip_two_weeks.target`,
// `indicator.*.volatility`), VALUE in TOML syntax (a bare word is taken as a
// string). Overrides apply before validation; errors in them name "--set".
LoadedScenario load_scenario_file(const std::filesystem::path& path,
                                  std::span<const std::string> overrides = {});
LoadedScenario load_scenario_text(std::string_view text, std::string_view source_name,
                                  std::span<const std::string> overrides = {});

// The scenario as TOML text that loads back to the identical Scenario
// (numbers written so that they round-trip exactly).
std::string scenario_to_toml(const Scenario& scenario);

}  // namespace shortfall
