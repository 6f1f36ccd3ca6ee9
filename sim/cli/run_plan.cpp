#include "sim/cli/run_plan.h"

#include <stdexcept>

#include <fmt/format.h>

#include "sim/cli/output_path.h"

namespace shortfall {

namespace {

RunPlan refused(std::string message) { return {RunStart::refused, std::move(message), false}; }

RunPlan starting(RunStart start, const RunAsked& asked) {
  return {start, "", !asked.extend && !asked.shard};
}

// --extend: the saved state of an interrupted run of the same extension
// continues; any other is abandoned.
RunPlan extension(const RunAsked& asked, const OutputOnDisk& disk) {
  switch (disk.saved_state) {
    case SavedState::this_run:
      return starting(RunStart::continue_extension, asked);
    case SavedState::another_run:
    case SavedState::none:
      return starting(RunStart::extend, asked);
    case SavedState::unchecked:
      break;
  }
  throw std::logic_error("plan_run: --extend over a saved state that was not compared");
}

// --resume over a saved state: only this run's continues.
RunPlan resumption(const RunAsked& asked, const OutputOnDisk& disk) {
  switch (disk.saved_state) {
    case SavedState::this_run:
      return starting(RunStart::resume, asked);
    case SavedState::another_run:
      return refused(disk.saved_state_difference);
    case SavedState::none:
    case SavedState::unchecked:
      break;
  }
  throw std::logic_error("plan_run: --resume over a saved state that was not compared");
}

// --resume of a results file with no saved state: nothing to do when the
// file is this study's, finished; refused otherwise.
RunPlan resumption_of_file(const RunAsked& asked, const OutputOnDisk& disk) {
  if (!disk.results) throw std::logic_error("plan_run: --resume over a results file not read");
  const ResultsFileFacts& file = *disk.results;
  const std::string output = disk.output.string();
  if (file.seed != asked.seed) {
    return refused(
        fmt::format("{}: cannot resume: the file was made with seed {}, this run has seed {}",
                    output, file.seed, asked.seed));
  }
  if (file.scenario_toml != asked.scenario_toml) {
    return refused(fmt::format(
        "{}: cannot resume: the file was made from a different scenario (compare its scenario_toml "
        "attribute with `shortfall check`)",
        output));
  }
  if (!file.complete) {
    return refused(fmt::format(
        "{}: cannot resume: the run that wrote it did not finish and its saved state {} is gone; "
        "start over with --force",
        output, disk.saved_state_folder.string()));
  }
  return starting(RunStart::already_complete, asked);
}

}  // namespace

bool plan_needs_lock(const RunAsked& asked, bool results_file) {
  return !results_file || asked.force || asked.resume || asked.extend;
}

bool plan_compares_saved_state(const RunAsked& asked) { return asked.resume || asked.extend; }

bool plan_reads_results_file(const RunAsked& asked, bool results_file, SavedState saved_state) {
  return asked.resume && !asked.extend && results_file && saved_state == SavedState::none;
}

RunPlan plan_run(const RunAsked& asked, const OutputOnDisk& disk) {
  if (!plan_needs_lock(asked, disk.results_file)) {
    return refused(existing_output_message(disk.output));
  }
  if (!disk.other_writer.empty()) return refused(disk.other_writer);

  if (asked.extend) return extension(asked, disk);
  const bool saved = disk.saved_state != SavedState::none;
  if (asked.resume && saved) return resumption(asked, disk);
  if (asked.resume && disk.results_file) return resumption_of_file(asked, disk);
  // Left by an interrupted run, and not continued: not discarded unasked.
  if (saved && !asked.force) {
    return refused(fmt::format(
        "{}: {} holds the saved state of an interrupted run: continue it with --resume, or start "
        "over with --force",
        disk.output.string(), disk.saved_state_folder.string()));
  }
  // --force removes any saved state; --resume with nothing to resume starts.
  return starting(RunStart::fresh, asked);
}

}  // namespace shortfall
