// Reading a results file back: its statistics and metadata (not the per-run
// group), checked against the layout of analysis/results_layout.h.
#pragma once

#include <filesystem>

#include "results_data.h"

namespace shortfall {

// Reads the statistics and metadata back (not the per-run group). Never
// crashes or hangs on a damaged file: a file with an envelope is checked
// against its size and checksum before HDF5 sees it; a file without one (format
// 1.0, or not shortfall's) is first read in a child process
// (analysis/results_read_guard.h), so that a crash inside HDF5 becomes a
// ResultsFileError. Throws ResultsFileError naming the file and what is wrong.
ResultsData read_results_file(const std::filesystem::path& path);

// read_results_file without the statistics: every scenario's row holds its
// shape and runs_done only, so a file of many points costs little memory.
// With the same checks; read a row with read_scenario_statistics.
ResultsData read_results_header(const std::filesystem::path& path);

// Scenario `scenario`'s statistics from a file whose header (`meta`, and
// `scenario_count` rows, of which `row` is this scenario's) was read, and so
// vouched for, by read_results_header: `row` filled in. Throws
// ResultsFileError.
ScenarioResults read_scenario_statistics(const std::filesystem::path& path,
                                         const ResultsMetadata& meta, std::size_t scenario_count,
                                         std::size_t scenario, ScenarioResults row);

// Reads every part of the file read_results_file and read_shard_blocks
// read, in this process, with neither of read_results_file's defences: a
// damaged file may crash HDF5 here. For the child process of
// read_results_file and for the fuzz target, which must see crashes to find
// them (tests/fuzz). Throws ResultsFileError.
ResultsData read_results_file_unguarded(const std::filesystem::path& path);

}  // namespace shortfall
