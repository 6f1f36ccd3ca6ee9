// The on-disk state that lets an interrupted run resume.
//
// HDF5 1.10 is not crash-safe: a results file being written when the
// process dies may be unreadable. So resuming never depends on the results
// file. A run keeps its finished work in a folder beside it,
// `<results file>.checkpoint/` (`out.h5.checkpoint/`), and writes the
// results file from that work; the folder is removed once the results file
// is final.
//
// Crash safety (docs/resume.md). Every file in the folder is written
// atomically (analysis/atomic_file.h) under a temporary name,
// `.tmp-<pid>-<counter>-<name>`, so `kill -9` at any moment leaves each file
// either absent or whole; the leftovers of a killed process are deleted when
// the checkpoint is opened. There is deliberately no fsync per file: a
// process crash keeps the page cache, and syncing thousands of block files
// would cost more than the work they save. After an operating system crash a
// file may be empty or damaged; every file carries a checksum, a damaged
// result, runs or block file is treated as missing (reported in warnings()),
// and its work is recomputed. A damaged manifest or scenario text makes
// open() fail: the run starts afresh.
//
// One process uses a checkpoint at a time (its threads may save at once):
// opening deletes every temporary file, including those of another live
// writer.
//
// The layout of the folder and the bytes of its files: docs/resume.md,
// "The saved state's format".
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/scenario_results.h"
#include "analysis/tally.h"
#include "analysis/tally_serialization.h"

namespace shortfall {

// The layout above and the binary header: the manifest's first line and
// every file's header carry it, and a checkpoint of another version is not
// opened. Callers include it in RunIdentity::format_version.
inline constexpr std::uint32_t k_checkpoint_format_version = 1;

// What a run is: a checkpoint made for one run is never continued by another.
struct RunIdentity {
  std::string scenario_toml;  // the resolved scenario (or sweep) text
  std::uint64_t seed = 0;
  bool keep_runs = false;
  int scenario_count = 0;  // design points
  // The program's results + checkpoint format, e.g. "results 1.1; checkpoint 1".
  std::string format_version;
};

struct FinishedScenario {
  ScenarioResults results;
  bool target_met = false;  // precision-based stopping reached its target
};

class Checkpoint {
 public:
  // "<file>.checkpoint"
  static std::filesystem::path folder_for(const std::filesystem::path& results_file);
  // A new, empty checkpoint: an existing folder at `folder` is removed first.
  // Throws RunFailure when the folder cannot be removed or written, and
  // std::invalid_argument when the format version spans lines or the
  // scenario count is negative (the manifest could not hold them).
  static Checkpoint create(const std::filesystem::path& folder, const RunIdentity& identity);
  // An existing checkpoint of the same run. Throws InputError (sim/engine/errors.h) naming the folder and
  // what differs: the seed (both values), keep_runs, the scenario count, the format version (both),
  // or the scenario text (the first differing line number and both lines). A missing or unreadable
  // manifest is an InputError too.
  static Checkpoint open(const std::filesystem::path& folder, const RunIdentity& expected);
  // Why the checkpoint in `folder` is not one open() would accept for
  // `expected`, in open()'s words; nothing when it is. Only reads.
  static std::optional<std::string> difference(const std::filesystem::path& folder,
                                               const RunIdentity& expected);
  // The folder holds a manifest: there is something open() can read.
  static bool exists(const std::filesystem::path& folder);

  Checkpoint(Checkpoint&&) noexcept;
  Checkpoint& operator=(Checkpoint&&) noexcept;
  ~Checkpoint();

  const std::filesystem::path& folder() const;

  // All save_* are thread-safe (distinct scenarios are saved from different threads at once) and
  // atomic. A scenario outside [0, scenario_count) is std::out_of_range; an I/O failure (disk
  // full, permission) is RunFailure naming the file and the system's reason.
  void save_scenario(int scenario, const FinishedScenario& finished);
  // The work of a finished scenario or shard share that is written out later: with --keep-runs
  // its blocks in order (the per-run records), otherwise its merged state (a shard's part of a
  // scenario). Save it before save_scenario: the result file is what marks the scenario finished.
  void save_kept_runs(int scenario, const ScenarioTally& tally);
  void save_kept_runs(int scenario, std::span<const BlockTally> blocks);
  // The merged state of the first blocks of a scenario still running (saved when a run is
  // interrupted); replaces the one saved before.
  void save_state(int scenario, const ScenarioTally& merged);
  // A finished block of a scenario still running (saved when a run is interrupted). Saving a block
  // with the same first run again replaces it.
  void save_block(int scenario, const BlockTally& block);

  // Scenarios with a whole, valid result file (and, with keep_runs, a whole, valid runs file),
  // ascending. Damaged ones are skipped (and reported in warnings()).
  std::vector<int> finished_scenarios() const;
  FinishedScenario load_scenario(int scenario) const;          // throws RunFailure if damaged
  // What save_kept_runs saved; throws RunFailure if damaged. load_kept_runs wants blocks only.
  std::vector<SavedWork> load_saved_work(int scenario) const;
  std::vector<BlockTally> load_kept_runs(int scenario) const;
  // The merged state a finished scenario saved with save_kept_runs; nothing when it saved blocks
  // or no runs file (a checkpoint of an earlier version). Throws RunFailure if damaged.
  std::optional<ScenarioTally> load_finished_state(int scenario) const;
  // The saved state of an unfinished scenario, if any and intact (a damaged one is reported in
  // warnings() and its runs recomputed).
  std::optional<ScenarioTally> load_state(int scenario) const;
  // Saved blocks of an unfinished scenario, ascending by first_run; damaged ones skipped.
  std::vector<BlockTally> load_blocks(int scenario) const;
  void drop_blocks(int scenario);  // its saved blocks and state, once the scenario is finished
  void remove();                   // the whole folder, once the results file is final
  // Damaged files met so far, one line each, naming the file and what is wrong.
  std::vector<std::string> warnings() const;

 private:
  struct Shared;  // the warnings and their lock, shared by the threads saving and loading
  Checkpoint(std::filesystem::path folder, RunIdentity identity);
  void check_scenario(int scenario) const;
  void warn(std::string message) const;

  std::filesystem::path folder_;
  RunIdentity identity_;
  std::unique_ptr<Shared> shared_;
};

}  // namespace shortfall
