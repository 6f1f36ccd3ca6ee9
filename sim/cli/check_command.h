// `shortfall check SCENARIO.toml`: validate without running.
#pragma once

#include <string>
#include <vector>

namespace shortfall {

struct CheckRequest {
  std::string path;
  std::vector<std::string> overrides;  // --set KEY=VALUE
  std::vector<std::string> sweeps;     // --sweep KEY=V1,V2,...
  int threads = 0;                     // --threads N; 0: every core
};

// Validates the study, prints its warnings (stderr), the resolved scenario,
// the design, the work, the memory it needs and an estimate of the run time
// from a short calibration (stdout). Returns the exit code (0); throws
// ScenarioError / InputError for bad input.
// A scenario without randomness, or a late payment, is a warning.
int check_study(const CheckRequest& request);

}  // namespace shortfall
