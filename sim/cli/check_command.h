// `shortfall check SCENARIO.toml`: validate without running.
#pragma once

#include <string>
#include <vector>

namespace shortfall {

// Validates the study, prints its warnings (stderr), the resolved scenario,
// the design, the work, the memory it needs and an estimate of the run time
// from a short calibration (stdout). Returns the exit code (0); throws
// ScenarioError / InputError for bad input.
int check_study(const std::string& path, const std::vector<std::string>& overrides, int threads);

}  // namespace shortfall
