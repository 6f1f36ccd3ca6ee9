// `shortfall summary FILE`: the summary table of a results file.
#pragma once

#include <string>

namespace shortfall {

// Prints every row of the table to stdout (`format` "table", the default),
// or the same statistics as tidy CSV or JSON (analysis/summary_export.h),
// and to stderr a warning when the file is one shard's part or from a run
// that did not finish. Returns the exit code (0); throws InputError when the
// file cannot be read.
int print_summary(const std::string& path, const std::string& format = "table");

}  // namespace shortfall
