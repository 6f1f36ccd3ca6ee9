// One study simulated into one results file through its checkpoint: what
// `run` does once the run plan (run_plan.h) has said how to start.
//
// Finished scenarios go to the checkpoint as they finish; the results file
// is written from them at the end, atomically (docs/resume.md). SIGINT /
// SIGTERM stop cleanly: the finished work is saved and execute() returns 2.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "analysis/results_file.h"
#include "sim/engine/checkpoint.h"
#include "sim/engine/shard.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

// The options of `run` that shape the simulation and what it prints.
struct StudyRunSettings {
  int threads = 0;  // 0: all cores
  bool keep_runs = false;
  bool quiet = false;  // no progress, no "resuming" line
  // run --extend: the finished file whose saved states (analysis/saved_states.h)
  // stand for the runs it already has, so only the new runs are simulated.
  std::filesystem::path extending;
  // Write each scenario's merged state (the group `state`); off with --no-state.
  bool write_states = true;
};

class StudyRun {
 public:
  // `study` must outlive the run. With a shard, only its shares of the work.
  StudyRun(const LoadedStudy& study, StudyRunSettings settings, std::filesystem::path output,
           std::string command_line, std::optional<ShardSpec> shard);

  // Simulates what the checkpoint does not hold yet and writes the results
  // file (a shard's part file). Returns 0 when the file is complete, 2 when
  // interrupted (the work is saved; with `write_partial_file` the finished
  // scenarios are also written to a results file marked complete = 0).
  int execute(Checkpoint& checkpoint, bool write_partial_file);

  // The results file's contents as they stand.
  ResultsData assembled(bool complete) const;

 private:
  void write(bool complete, const Checkpoint* checkpoint = nullptr);
  void write_part(ResultsData data, const Checkpoint& checkpoint);
  std::vector<ScenarioShare> shares() const;

  const LoadedStudy& study_;
  StudyRunSettings settings_;
  std::filesystem::path output_;
  std::string command_line_;
  std::optional<ShardSpec> shard_;
  std::vector<ScenarioShare> shares_;
  std::mutex mutex_;
  std::vector<std::optional<ScenarioResults>> results_;
  std::vector<int> target_met_;
  double elapsed_seconds_ = 0.0;
  std::atomic<int> reused_states_{0};  // scenarios continued from the extended file's state
};

}  // namespace shortfall
