// Warnings that a study's answer is certain: a scenario without randomness
// (every run the same), or a structure whose P(shortfall) is 0 or 1 at
// every design point. Neither is an error, but a 0.0% [0.0%, 0.0%] or a
// 100.0% read without them looks like a finding. `check` and `run` print the
// first with the guidance warnings; `run` prints the second after its results.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/results_data.h"
#include "models/scenario.h"

namespace shortfall {

// Whether any draw of a run can change its path: demand volatility, cost
// noise, indicator volatility or sampling noise (cases_per_month > 0), of any
// provider, segment or alliance-wide indicator (docs/model.md).
bool has_randomness(const Scenario& scenario);

// One line, "SOURCE: warning: ... has no randomness ...", when no scenario
// of the study has any; else empty.
std::vector<std::string> no_randomness_warnings(std::span<const Scenario> scenarios,
                                                std::string_view source);

// One line per structure (per structure and provider in a network) whose
// P(shortfall) is 0 at every design point that has runs, or 1 at every one,
// "SOURCE: warning: P(shortfall) of withhold is 0 at every design point ...";
// empty when each varies somewhere, or nothing has run.
std::vector<std::string> certain_answer_warnings(const ResultsData& results,
                                                 std::string_view source);

}  // namespace shortfall
