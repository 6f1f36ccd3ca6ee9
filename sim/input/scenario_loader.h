// The scenario language's entry points: scenario text -> validated Scenario.
//
// Every key has a default and a range in the key table
// (sim/input/scenario_keys.h, docs/scenario-keys.md). A misspelt key, a
// wrong type or a value out of range throws ScenarioError whose message
// names the file, the line, the key, the value and what is allowed, e.g.
//   scenarios/x.toml:14: unknown key 'provider.opening_csh' (did you mean 'opening_cash'?)
//   scenarios/x.toml:22: contract.outcome_share = 1.3 is outside [0, 1]
// Values outside the NHS guidance are warnings, not errors.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario.h"
#include "sim/input/scenario_error.h"
#include "sim/input/sweep_design.h"

namespace shortfall {

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

// A study: the scenarios of one scenario file, one per design point of its
// [sweep] (docs/sweeps.md), or the file's one scenario when it has none.
// Every point is validated before anything runs; an error names the point
// (its index along the results file's `scenario` dimension), its values, the
// key and the rule broken. The base scenario (the file without its sweep)
// must be valid by itself.
struct LoadedStudy {
  std::string title;
  std::string mode;  // "grid", "zip", "lhs" or "sobol"; empty without [sweep]
  bool common_random_numbers = true;
  std::vector<std::string> swept_keys;  // in the file's order
  Design design;                        // [point][swept key]
  std::vector<Scenario> scenarios;      // [point]
  std::vector<std::string> warnings;    // each once
  std::string resolved_toml;            // the base, resolved, then [sweep] as read
};

//
// `sweeps` are --sweep arguments "KEY=V1,V2,...": a grid over the given
// keys, replacing the file's [sweep] for those keys; a swept key that a
// --set fixes leaves the sweep (sim/input/sweep_reader.h). The resolved
// text holds the [sweep] that results, so it loads back to the same study.
LoadedStudy load_study_file(const std::filesystem::path& path,
                            std::span<const std::string> overrides = {},
                            std::span<const std::string> sweeps = {});
LoadedStudy load_study_text(std::string_view text, std::string_view source_name,
                            std::span<const std::string> overrides = {},
                            std::span<const std::string> sweeps = {});

// The title of a scenario text, without validating the rest ("" when the
// text is not TOML or has none): for labelling a results file's summary.
std::string scenario_title(std::string_view text);

// The scenario as TOML text that loads back to the identical Scenario
// (numbers written so that they round-trip exactly).
std::string scenario_to_toml(const Scenario& scenario);

}  // namespace shortfall
