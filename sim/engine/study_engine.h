// The engine over a whole study: every design point's blocks of runs, in
// bounded memory, with precision-based stopping and a clean stop on request.
//
// Scenarios are opened in order, at most a window of them at a time, so
// memory is bounded by a few scenarios, not the sweep. A scenario's blocks
// may finish in any order; they are merged in block order, and the stopping
// rule is decided after each merged block, so where a scenario stops, and
// every statistic, is the same for any thread count. A scenario is finalised
// (its quantiles computed) on the thread that completes it, and handed to the
// caller, which saves it; then its memory is freed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "analysis/scenario_results.h"
#include "analysis/tally.h"
#include "models/scenario.h"
#include "sim/engine/shard.h"

namespace shortfall {

enum class StopDecision {
  go_on,       // run the next block
  target_met,  // every structure's half-width is within the target (after min_runs)
  runs_done,   // `runs` (or max_runs) reached; the target, if any, was not met
};

// docs/model.md and docs/sweeps.md: after `runs` merged runs with `shortfalls[s]`
// short runs under structure s, stop or go on? Without a target, stop at
// exactly `runs`; with one, stop at the first block boundary at or past
// min_runs where every 95 % Wilson half-width is at most the target, or at
// max_runs. Decided on counts only, so it is exact and reproducible.
StopDecision stopping_decision(const SimulationSettings& settings, std::int64_t runs,
                               std::span<const std::int64_t> shortfalls);

// The 95 % Wilson interval's half-width of `shortfalls` short runs in `runs`.
double wilson_halfwidth(std::int64_t shortfalls, std::int64_t runs);

struct StudyEngineOptions {
  int threads = 0;  // 0: all cores
  bool keep_runs = false;
  // Keep every block of a scenario's tally (decompose pairs per-run values);
  // otherwise the tally keeps only its merged state, whose size does not
  // grow with the runs. keep_runs keeps them too.
  bool keep_blocks = false;
  // The blocks to simulate, scenario by scenario in order (a shard's work,
  // sim/engine/shard.h; possibly none). Not set: every block of every scenario.
  std::optional<std::vector<ScenarioShare>> shares;
  // [scenario]: already finished (a resumed run); skipped. Empty: none.
  std::vector<bool> finished;
  // Finished blocks of a scenario saved by an interrupted run: merged instead
  // of simulated again. May be empty.
  std::function<std::vector<BlockTally>(int scenario)> saved_blocks;
  // The merged state of a scenario's first blocks, saved by an interrupted
  // run (on_unfinished_state): taken as those blocks. May be empty.
  std::function<std::optional<ScenarioTally>(int scenario)> saved_state;
  // A scenario is done: its statistics, whether the target was met, and its
  // tally (for --keep-runs). Called from worker threads, for different
  // scenarios at once, in any order: must be thread-safe.
  std::function<void(int scenario, ScenarioResults&& results, bool target_met,
                     const ScenarioTally& tally)>
      on_scenario_done;
  // A share that is not the whole scenario is done when its blocks are
  // merged: its tally goes here unfinalised (`shortfall merge` finalises it
  // with the other shards' blocks). Same threading rules as on_scenario_done.
  std::function<void(int scenario, const ScenarioTally& part)> on_part_done;
  // Run-structures merged (progress), and run-structures that will not be
  // needed because a scenario stopped early on precision. Thread-safe, cheap.
  std::function<void(std::int64_t)> on_progress;
  std::function<void(std::int64_t)> on_work_dropped;
  // Set (e.g. by a signal handler) to stop issuing work: blocks in flight
  // finish, then simulate_study returns.
  const std::atomic<bool>* stop_requested = nullptr;
  // After a stop, so the caller can save the finished work of every
  // scenario not yet done: the merged state of the blocks merged so far
  // (when the tally keeps no blocks, and has runs), then every block
  // finished but not merged, or every block when the tally keeps them. In
  // block order, on the calling thread.
  std::function<void(int scenario, const ScenarioTally& merged)> on_unfinished_state;
  std::function<void(int scenario, const BlockTally& block)> on_unfinished_block;
};

// Simulates every scenario not already finished. Returns false when stopped
// by `stop_requested` before all were done.
bool simulate_study(std::span<const Scenario> scenarios, const StudyEngineOptions& options);

}  // namespace shortfall
