// What read_results_file (analysis/results_reader.h) does before HDF5 parses
// a byte of a file in this process.
//
// HDF5 1.10 trusts the bytes it parses: on some damaged files it crashes
// (SIGSEGV inside H5Fopen or H5Dread) or loops for ever (H5HG_read), about 3
// in 500 randomly corrupted results files (docs/reliability.md). So a file
// is read here only when its bytes are vouched for: by its envelope's size
// and checksum (analysis/results_envelope.h), or, for a file without one
// (format 1.0, or not shortfall's), by a child process that read the whole
// file cleanly first (analysis/child_process_check.h), where a crash or a
// hang does no harm. Internal to analysis/.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "results_envelope.h"

namespace shortfall {

// Vouches for the file at `path` as above. Returns its envelope, or nullopt
// for a file without one that the child read cleanly. Throws
// ResultsFileError beginning with `name` ("results file '<path>'") when the
// envelope does not match, the child failed, crashed or ran out of time.
//
// The child's time limit is a minute and a second per 10 MB, far beyond what
// a sound file takes; the environment variable SHORTFALL_READ_CHECK_SECONDS
// (1 to 86400) replaces it, for a slow file system or a test.
std::optional<Envelope> vouch_for_results_file(const std::filesystem::path& path,
                                               const std::string& name);

}  // namespace shortfall
