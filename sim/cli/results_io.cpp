#include "sim/cli/results_io.h"

#include <cstddef>
#include <cstdio>

#include "analysis/summary_table.h"
#include "sim/engine/errors.h"

namespace shortfall {

namespace {

// `shortfall run` prints at most this many rows of a sweep's table;
// `shortfall summary` prints them all.
constexpr std::size_t k_run_table_rows = 40;

}  // namespace

ResultsData read_results_input(const std::filesystem::path& path) {
  try {
    return read_results_file(path);
  } catch (const ResultsFileError& error) {
    throw InputError(error.what());
  }
}

void print_run_results(const ResultsData& results, const std::string& title,
                       const std::filesystem::path& output) {
  std::fputs(format_summary_table(results, title, k_run_table_rows).c_str(), stdout);
  std::fprintf(stdout, "\nresults: %s\n", output.c_str());
}

}  // namespace shortfall
