// Writing a results file (docs/model.md section 7): the layout of
// analysis/results_layout.h, written atomically (analysis/atomic_file.h)
// behind its envelope (analysis/results_envelope.h).
#pragma once

#include <filesystem>

#include "results_data.h"
#include "saved_states.h"

namespace shortfall {

// Writes `data` to `path` atomically: the file is written under a temporary
// name in the same folder and renamed over `path` only when complete, so an
// existing file is never left damaged. With `kept_runs` the group `runs`
// holds the per-run records and cash paths of every scenario; with `states`
// the group `state` holds the merged states (analysis/saved_states.h). With
// `rows` the statistics come from it, a scenario at a time, and the rows of
// data.scenarios give only each scenario's shape and runs_done.
// Throws ResultsFileError (I/O) on failure, leaving `path` untouched.
void write_results_file(const std::filesystem::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs = nullptr,
                        const SavedStatesSource* states = nullptr,
                        const ScenarioRowSource* rows = nullptr);

// The name write_results_file writes under before renaming over `path`:
// `.<name>.tmp-<pid>` in the same folder (hidden, one per process).
std::filesystem::path results_temporary_path(const std::filesystem::path& path);

namespace results_detail {

// write_results_file, plus the group `shard` holding `shard_blocks` when
// that is given. For write_shard_file (analysis/shard_part.h), which checks
// data.shard first; use that.
void write_results_file(const std::filesystem::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs, const ShardBlocksSource* shard_blocks,
                        const SavedStatesSource* states, const ScenarioRowSource* rows = nullptr);

}  // namespace results_detail

}  // namespace shortfall
