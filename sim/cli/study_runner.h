// `shortfall run`: a study from its scenario file to its results file, safe
// against interruption (docs/resume.md).
//
// Finished scenarios go to a checkpoint folder beside the results file as
// they finish; the results file is written from them at the end, atomically.
// `--resume` continues from the folder, `--extend` reruns a finished file's
// study with more runs, and SIGINT / SIGTERM stop cleanly with exit code 2.
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
  std::optional<std::string> seed;
  std::optional<std::string> shard;  // --shard K/N
  int threads = 0;
  bool keep_runs = false;
  bool force = false;
  bool quiet = false;
  bool resume = false;
  std::vector<std::string> overrides;
};

// Returns the exit code: 0 done, 2 interrupted (finished work saved). Throws
// InputError / ScenarioError for bad input and RunFailure for failures while
// running, each with a message ready to print.
int run_study(const RunRequest& request, const std::string& command_line);

struct MergeRequest {
  std::string output_path;
  std::vector<std::string> parts;
  int threads = 0;
  bool force = false;
  bool quiet = false;
};

// `shortfall merge -o FILE PART...`: the parts of `run --shard K/N` joined
// into the file one process would have written. Refuses (InputError, naming
// the file) parts of different studies, seeds or formats, duplicates, and
// missing shards (named K/N).
int merge_shard_files(const MergeRequest& request, const std::string& command_line);

// `shortfall check`: validates, prints the resolved scenario, the design, the
// work and an estimate of the run time from a short calibration.
int check_study(const std::string& path, const std::vector<std::string>& overrides, int threads);

}  // namespace shortfall
