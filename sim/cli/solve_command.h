// `shortfall solve SCENARIO.toml --vary KEY --between LO HI --target P`
// (README, "Answering the decision"; docs/model.md, "Solving for a safe
// design"): for each structure, the value of KEY in [LO, HI] where
// P(shortfall) crosses P, with its 95 % interval by test inversion, every
// point on the scenario's own random futures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shortfall {

struct SolveRequest {
  std::string scenario_path;
  std::string key;                   // --vary
  std::vector<std::string> between;  // --between LO HI, as typed
  std::string target;                // --target, as typed
  std::vector<std::string> structures;  // --structure (repeatable); none: every structure
  std::optional<std::string> tolerance;
  std::string statistic;  // --statistic; "": P(shortfall), or a network's P(any shortfall)
  std::string provider;   // --provider: whose P(shortfall) in a network
  bool json = false;
  std::string output_path;  // -o: keep the evaluated points as a results file
  std::optional<std::int64_t> runs;
  std::optional<std::string> seed;
  int threads = 0;
  std::vector<std::string> overrides;  // --set
  bool resume = false;
  bool force = false;
  bool quiet = false;  // no progress
};

// Runs the solve and prints its answers. Returns 0, or 2 when interrupted
// (the finished evaluations saved; --resume continues). Throws InputError or
// ScenarioError for bad input (exit 1) before anything is simulated or
// written, RunFailure for a failure while running.
int solve_for_target(const SolveRequest& request, const std::string& command_line);

}  // namespace shortfall
