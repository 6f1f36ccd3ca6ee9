// `shortfall run`: a study from its scenario file to its results file, safe
// against interruption (docs/resume.md).
//
// Finished scenarios go to a checkpoint folder beside the results file as
// they finish; the results file is written from them at the end, atomically.
// `--resume` continues from the folder, `--extend` reruns a finished file's
// study with more runs, and SIGINT / SIGTERM stop cleanly with exit code 2.
// How a run starts is the run plan's decision (run_plan.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shortfall {

struct RunRequest {
  std::string scenario_path;
  std::string output_path;  // empty: <scenario stem>.h5 in the current folder
  std::string extend_path;  // --extend FILE
  std::optional<std::int64_t> runs;
  std::optional<std::string> target_halfwidth;  // --extend FILE --target-halfwidth H
  std::optional<std::string> seed;
  std::optional<std::string> shard;  // --shard K/N
  int threads = 0;
  bool keep_runs = false;
  bool force = false;
  bool quiet = false;
  bool resume = false;
  bool no_state = false;  // --no-state: no group `state` in the results file
  std::vector<std::string> overrides;
  std::vector<std::string> sweeps;  // --sweep KEY=V1,V2,...
};

// Returns the exit code: 0 done, 2 interrupted (finished work saved). Throws
// InputError / ScenarioError for bad input (options that do not go together
// included) and RunFailure for failures while running, each with a message
// ready to print.
int run_study(const RunRequest& request, const std::string& command_line);

}  // namespace shortfall
