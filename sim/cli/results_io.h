// A results file as the commands meet it: read as input (`summary`, `merge`,
// `run --resume` and `--extend`), and printed after `run` and `merge`.
#pragma once

#include <filesystem>
#include <string>

#include "analysis/results_file.h"

namespace shortfall {

// Reads a results file given as input. A file that cannot be read, is not a
// results file or is of an unknown version is bad input: InputError with the
// reader's message, which names the file (exit code 1, not 2).
ResultsData read_results_input(const std::filesystem::path& path);

// What `run` and `merge` print when done: the summary table (at most 40
// rows of a sweep; `shortfall summary` prints them all), then
// "results: FILE".
void print_run_results(const ResultsData& results, const std::string& title,
                       const std::filesystem::path& output);

}  // namespace shortfall
