// What a study's results file says about itself besides its statistics: the
// root attributes (with the provenance of the run) and one coordinate
// variable per swept key. Shared by `run` and `merge`, whose files must be
// identical.
#pragma once

#include <string>
#include <vector>

#include "analysis/results_file.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

// The root attributes of the study's results file, stamped now (provenance.h)
// with `command_line`; complete = 0 and elapsed_seconds = 0 for the caller
// to set.
ResultsMetadata describe_run(const LoadedStudy& study, const std::string& command_line);

// One coordinate variable per swept key, along `scenario`.
std::vector<SweptKey> swept_key_columns(const LoadedStudy& study);

}  // namespace shortfall
