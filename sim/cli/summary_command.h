// `shortfall summary FILE`: the summary table of a results file.
#pragma once

#include <string>

namespace shortfall {

// Prints every row of the table to stdout, and to stderr a warning when the
// file is one shard's part or from a run that did not finish. Returns the
// exit code (0); throws InputError when the file cannot be read.
int print_summary(const std::string& path);

}  // namespace shortfall
