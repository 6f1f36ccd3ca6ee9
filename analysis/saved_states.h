// The group `state` of a results file: the merged state of every finished
// scenario's runs, so that `run --extend FILE --runs N` simulates only the
// new runs (docs/resume.md). Readers of the statistics ignore it.
//
//   state/             attribute format_version (int32: the merged state's
//                      format, analysis/tally_serialization.h)
//     state_000017     uint8 [*]: scenario 17's merged state (sums, counts,
//                      quantile sketches), serialised and chunked/deflated;
//                      absent when the file holds none for it (a file with
//                      --keep-runs, a partial file, a file before 1.3)
//
// A state's size does not depend on the number of runs: a few kilobytes to
// a few hundred per scenario (docs/performance.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include <hdf5.h>

#include "tally.h"

namespace shortfall {

// Scenario s's serialised merged state, or no bytes when there is none.
using SavedStatesSource = std::function<std::vector<std::byte>(int scenario)>;

// Writes the group `state` into an open results file. Throws Hdf5Error.
void write_state_group(hid_t file, int scenario_count, const SavedStatesSource& source);

// Scenario s's merged state from a results file already read (and so
// vouched for) by read_results_file; nothing when the file has none. Throws
// ResultsFileError when the state is there but damaged.
std::optional<ScenarioTally> read_saved_state(const std::filesystem::path& path, int scenario);

}  // namespace shortfall
