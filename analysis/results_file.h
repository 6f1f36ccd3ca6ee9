// The results file: HDF5 laid out as INTERFACE.md says, readable as
// netCDF-4 (dimensions are HDF5 dimension scales).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario_results.h"
#include "tally.h"

namespace shortfall {

// Major.minor. Readers refuse a major version they do not know. 1.1 added
// the envelope (analysis/results_envelope.h): a checksummed header in the
// file's first 512 bytes, which HDF5 readers skip; 1.0 files have none.
inline constexpr int k_format_version_major = 1;
inline constexpr int k_format_version_minor = 1;
inline constexpr const char* k_format_name = "shortfall-results";

struct ResultsMetadata {
  std::string program_version;
  std::string git_revision;
  std::uint64_t seed = 0;
  std::int64_t runs = 0;  // runs asked per scenario
  int horizon_months = 0;
  std::string created_utc;
  std::string scenario_toml;  // the resolved scenario, TOML text
  std::string command_line;
  int complete = 0;
  double elapsed_seconds = 0.0;
  std::string host;
  std::string format_version;  // filled by the reader, "1.0"

  std::vector<std::string> structure_names;
  std::vector<double> withhold_fraction;
  std::vector<std::string> indicator_ids;
  std::vector<std::string> indicator_names;
  // A network's provider ids (the `provider` dimension); empty for a
  // single-provider file, which has no such dimension.
  std::vector<std::string> provider_ids;
};

// A swept key: one coordinate variable along `scenario`, named as the key.
struct SweptKey {
  std::string key;
  bool is_text = false;
  std::vector<double> numbers;     // !is_text
  std::vector<std::string> texts;  // is_text
};

// A shard's part of a study (`run --shard K/N`), as `shortfall merge` needs
// it: which scenarios the shard finished (their statistics are the file's),
// and which it holds blocks of (scenarios it did part of, and with
// --keep-runs every scenario it did). A part file is a results file with the
// root attribute `shard = "K/N"` and a group `shard`.
struct ShardInfo {
  int index = 0;  // K, from 1; 0: not a shard's part
  int count = 0;  // N
  bool keep_runs = false;  // the blocks of every scenario are in the part
  std::vector<int> whole_scenarios;
  std::vector<int> block_scenarios;
};

struct ResultsData {
  ResultsMetadata meta;
  std::vector<SweptKey> swept_keys;
  std::vector<ScenarioResults> scenarios;  // [scenario]
  // [scenario], 1 when precision-based stopping met its target; empty (and
  // not written) when the run did not stop on precision.
  std::vector<int> target_met;
  // Filled by the reader: the file holds the `runs` group (--keep-runs).
  bool has_kept_runs = false;
  ShardInfo shard;
};

// The per-run records of scenario s for --keep-runs, asked for once per
// scenario in order; the reference need only stay valid until the next call,
// so a sweep's runs can come from disk one scenario at a time.
using KeptRunsSource = std::function<const ScenarioTally&(std::size_t scenario)>;

// A results file that cannot be read, is not ours, or is of an unknown major
// version. The message names the file.
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `data` to `path` atomically: the file is written under a temporary
// name in the same folder and renamed over `path` only when complete, so an
// existing file is never left damaged. With `kept_runs` the group `runs`
// holds the per-run records and cash paths of every scenario.
// Throws ResultsFileError (I/O) on failure, leaving `path` untouched.
void write_results_file(const std::filesystem::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs = nullptr);

// A shard's blocks of scenario s, serialised (analysis/tally_serialization.h)
// one after the other, each preceded by its size as u64 little-endian.
using ShardBlocksSource = std::function<std::vector<std::byte>(int scenario)>;

// A shard's part file: `data` (with data.shard filled) and the blocks of
// every scenario in data.shard.block_scenarios. Atomic like
// write_results_file.
void write_shard_file(const std::filesystem::path& path, const ResultsData& data,
                      const ShardBlocksSource& blocks);

// The blocks a shard's part file holds for `scenario` (as written). Read the
// file with read_results_file first: that is what checks it.
std::vector<std::byte> read_shard_blocks(const std::filesystem::path& path, int scenario);

// The serialised blocks within what read_shard_blocks returned, in order.
// Throws ResultsFileError naming `path` and the scenario when a block's size
// runs past the end.
std::vector<std::span<const std::byte>> split_shard_blocks(std::span<const std::byte> bytes,
                                                           const std::filesystem::path& path,
                                                           int scenario);

// The name write_results_file writes under before renaming over `path`:
// `.<name>.tmp-<pid>` in the same folder (hidden, one per process).
std::filesystem::path results_temporary_path(const std::filesystem::path& path);

// Reads the statistics and metadata back (not the per-run group). Never
// crashes or hangs on a damaged file: a file with an envelope is checked
// against its size and checksum before HDF5 sees it; a file without one (format
// 1.0, or not shortfall's) is first read in a child process
// (analysis/child_process_check.h), so that a crash inside HDF5 becomes a
// ResultsFileError. Throws ResultsFileError naming the file and what is wrong.
ResultsData read_results_file(const std::filesystem::path& path);

// Reads every part of the file read_results_file and read_shard_blocks
// read, in this process, with neither of read_results_file's defences: a
// damaged file may crash HDF5 here. For the child process of
// read_results_file and for the fuzz target, which must see crashes to find
// them (tests/fuzz). Throws ResultsFileError.
ResultsData read_results_file_unguarded(const std::filesystem::path& path);

}  // namespace shortfall
