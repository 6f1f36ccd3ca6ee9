// What `shortfall solve` asks of the scenario language (docs/model.md,
// "Solving for a safe design"): the key it varies, checked against the key
// table and the scenario, and its evaluations written as a study, so that
// every point is read, validated and simulated exactly as a sweep's point
// would be (and an MPI job's other ranks can load the same text).
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "sim/input/scenario_keys.h"

namespace shortfall {

// The scenario file's text with `overrides` (--set, --runs, --seed as keys)
// applied, written back as TOML: what every point of a solve starts from.
// Points start from the file as given, not from its resolved text, as a
// sweep's do, so a key whose default follows another (stress_start_cash
// follows shortfall_threshold when the file leaves it out) still follows the
// varied key. Numbers are written so that they read back exactly. Throws
// ScenarioError as loading the file would.
std::string solve_base_text(const std::filesystem::path& path,
                            std::span<const std::string> overrides);

struct VariedKey {
  std::string key;       // as given: "contract.outcome_share", "provider.trust.opening_cash"
  bool integer = false;  // an integer key: evaluated at integers only
  Interval allowed;      // the row's range (rules between keys are checked by loading)
  std::string_view unit; // the row's unit: "GBP", "days", "months" or ""
};

// The key `solve --vary KEY` may vary in the scenario whose text (resolved,
// or solve_base_text) is `scenario`: a scalar numeric key that a sweep accepts. Throws
// ScenarioError naming "--vary KEY" and what is allowed for an unknown key
// (with "did you mean"), a key that cannot be swept, and a key that is not
// a number.
VariedKey varied_key(std::string_view scenario, const std::string& key);

// The study of `points` (ascending) of `key`: the scenario text (without a
// [sweep]) with a grid [sweep] of the one key, common random numbers on, so
// every point sees shock key 0, the scenario's own random futures.
std::string points_study_text(std::string_view scenario, const std::string& key,
                              std::span<const double> points);

}  // namespace shortfall
