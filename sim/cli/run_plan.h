// How `shortfall run` starts, decided in one place (docs/resume.md).
//
// A run writes its results file through a saved state beside it, the
// checkpoint folder `<file>.checkpoint/`. Whether this run starts afresh,
// continues that saved state, extends a finished file, has nothing to do, or
// must refuse depends on what was asked (--resume, --extend, --force,
// --shard) and on what is on disk. plan_run decides it from a plain
// description of both and touches nothing: look_at_output
// (output_on_disk.h) gathers the description, and `run` (run_command.cpp)
// carries the plan out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace shortfall {

// What was asked, as far as it decides how the run starts.
struct RunAsked {
  bool resume = false;  // --resume
  bool extend = false;  // --extend FILE (the output is FILE)
  bool force = false;   // --force
  bool shard = false;   // --shard K/N
  // The study this run is of, which an existing results file must match.
  std::uint64_t seed = 0;
  std::string scenario_toml;  // resolved
};

// The saved state (checkpoint folder) of the output.
enum class SavedState {
  none,         // no folder, or one without a manifest (it holds no work)
  unchecked,    // present; not compared with this run (only --resume and --extend compare)
  this_run,     // present and of this very run: same scenario text, seed, --keep-runs, ...
  another_run,  // present and of another run, or unreadable: Checkpoint::difference
};

// What --resume without a saved state compares of an existing results file.
struct ResultsFileFacts {
  std::uint64_t seed = 0;
  std::string scenario_toml;  // the resolved scenario text it was made from
  bool complete = false;      // the run that wrote it finished
};

// What is at the output, as plain values.
struct OutputOnDisk {
  std::filesystem::path output;              // the results file's path, for the messages
  std::filesystem::path saved_state_folder;  // its checkpoint folder, for the messages
  bool results_file = false;                 // the results file exists
  // Another process holds the output's lock (output_lock.h): its refusal,
  // naming that process; empty when this process holds the lock. Nothing
  // below is looked at without the lock.
  std::string other_writer;
  SavedState saved_state = SavedState::none;
  // another_run: why, as Checkpoint::open says it (naming the folder and
  // every difference).
  std::string saved_state_difference;
  // Read only when plan_reads_results_file says so.
  std::optional<ResultsFileFacts> results;
};

enum class RunStart {
  fresh,               // a new saved state (an old one is removed): simulate everything
  resume,              // continue this run's saved state
  extend,              // --extend: a new saved state (one of another extension is abandoned)
  continue_extension,  // the same --extend after it was interrupted: continue its saved state
  already_complete,    // --resume of a finished file of this study: print it, exit 0
  refused,             // exit 1 with `message`, change nothing
};

struct RunPlan {
  RunStart start = RunStart::refused;
  // refused: the error, as printed after "shortfall: error: ".
  std::string message;
  // When interrupted, also write the finished scenarios into a results file
  // marked complete = 0. Not for an extension, which leaves the finished
  // file as it was, nor for a shard, whose part file is written only whole.
  bool write_partial_file = false;

  // Continue the saved state on disk, rather than start a new one.
  bool opens_saved_state() const {
    return start == RunStart::resume || start == RunStart::continue_extension;
  }
};

// The plan for `asked` given `disk`. Refusals, in the order they are made:
// an existing results file without --force, --resume or --extend; another
// process writing the output; a saved state left by an interrupted run,
// without --resume or --force; a --resume whose saved state is of another
// run (Checkpoint::open's message); a --resume with no saved state over a
// results file of another seed, of another scenario, or unfinished.
// Precondition: `disk` holds what plan_compares_saved_state and
// plan_reads_results_file ask for (else std::logic_error: a bug, not input).
RunPlan plan_run(const RunAsked& asked, const OutputOnDisk& disk);

// What plan_run reads of the disk, so that nothing else is looked at: the
// lock is not even taken when an existing results file is refused outright;
// the saved state is opened only when it may be continued; and an existing
// results file (which --force may replace even if unreadable) is read only
// by a --resume that finds no saved state.
bool plan_needs_lock(const RunAsked& asked, bool results_file);
bool plan_compares_saved_state(const RunAsked& asked);
bool plan_reads_results_file(const RunAsked& asked, bool results_file, SavedState saved_state);

}  // namespace shortfall
