// The evaluations of `shortfall solve`: each batch of points the search asks
// for is one study (sim/input/solve_study.h) simulated by the engine, so
// threads, MPI ranks, precision-based stopping, progress and interrupts work
// as in `run`.
//
// Saved state: the solve's checkpoint (sim/engine/checkpoint.h) holds its
// evaluations as "scenarios" numbered in the order evaluated. The search
// chooses its points from the counts alone, so a resumed solve replays the
// same points in the same order: a saved evaluation is read instead of
// simulated, and an interrupted batch continues from its saved blocks.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/scenario_results.h"
#include "sim/cli/interrupt.h"
#include "sim/cli/progress.h"
#include "sim/engine/checkpoint.h"

namespace shortfall {

// The solve was stopped by SIGINT or SIGTERM; its finished work is saved.
class SolveStopped : public std::exception {
 public:
  const char* what() const noexcept override { return "stopped"; }
};

struct EvaluatedPoint {
  double x = 0.0;
  ScenarioResults results;
  bool target_met = false;
};

struct SolvePointsSettings {
  std::string scenario;      // solve_base_text: the file with --set, --runs, --seed applied
  std::string key;           // the varied key
  std::string source;        // the scenario file, for messages
  int threads = 0;           // 0: all cores
  bool quiet = false;        // no progress
  std::int64_t work_per_point = 0;  // run-structures of one point at its most runs
  int expected_points = 0;   // the progress bar's first total (it grows if need be)
};

class SolvePoints {
 public:
  // Reads what `checkpoint` holds already (a resumed solve).
  SolvePoints(SolvePointsSettings settings, Checkpoint& checkpoint);

  // The results of `points` (ascending, never asked for before), in order;
  // valid until the next call.
  // Throws SolveStopped on SIGINT / SIGTERM (the finished work and blocks
  // saved), InputError when a point's values overflow (naming it), and
  // what the engine and the checkpoint throw.
  std::span<const EvaluatedPoint> evaluate(std::span<const double> points);

  // Every point evaluated so far, in the order evaluated.
  const std::vector<EvaluatedPoint>& points() const { return points_; }
  // Evaluations read from the saved state instead of simulated.
  int resumed() const { return resumed_; }
  // The search expects `points` more evaluations: the progress bar's total
  // becomes the work done so far and theirs.
  void expect(int points);
  // The progress bar's last line.
  void finish();
  const char* signal_name() const { return interrupt_.signal_name(); }

 private:
  SolvePointsSettings settings_;
  Checkpoint& checkpoint_;
  std::map<int, FinishedScenario> saved_;
  std::vector<EvaluatedPoint> points_;
  int resumed_ = 0;
  std::int64_t counted_work_ = 0;  // of the progress bar's total: done or dropped
  std::int64_t total_work_ = 0;    // the progress bar's total, before precision drops
  InterruptHandler interrupt_;
  std::optional<ProgressReporter> progress_;
};

}  // namespace shortfall
