// What a results file holds, in memory: the metadata, the swept keys, the
// statistics of every scenario and, for a shard's part, which scenarios it
// holds. Written by analysis/results_writer.h, read by
// analysis/results_reader.h; the layout on disk is analysis/results_layout.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "decomposition.h"
#include "scenario_results.h"
#include "solve_record.h"
#include "tally.h"

namespace shortfall {

// Major.minor. Readers refuse a major version they do not know. 1.1 added
// the envelope (analysis/results_envelope.h): a checksummed header in the
// file's first 512 bytes, which HDF5 readers skip; 1.0 files have none.
// 1.2: the engine's own samplers (docs/model.md section 8; the numbers
// moved within Monte Carlo error) and the root attribute `isa`. Parts and
// checkpoints of different versions are never combined. 1.3: quantiles
// and CVaR from a mergeable sketch (docs/model.md, "Quantiles from a
// sketch"; the numbers moved within its stated accuracy), the root
// attributes quantile_method, quantile_relative_accuracy and
// quantile_absolute_accuracy, and parts carrying merged states.
inline constexpr int k_format_version_major = 1;
inline constexpr int k_format_version_minor = 3;
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
  // The instruction-set path(s) that computed the runs (sim/engine/isa.h):
  // "avx512", or "avx2,avx512" for a merge of parts run on different CPUs.
  // Every path gives the same bits. Empty in files before 1.2.
  std::string isa;
  // How the quantiles and CVaR were computed: "sketch" (since 1.3), every
  // reported value within max(relative x |value|, absolute) pounds of the
  // exact one (analysis/quantile_sketch.h). Empty and 0 in older files,
  // whose quantiles are exact.
  std::string quantile_method;
  double quantile_relative_accuracy = 0.0;
  double quantile_absolute_accuracy = 0.0;
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
// root attribute `shard = "K/N"` and a group `shard` (analysis/shard_part.h).
struct ShardInfo {
  int index = 0;           // K, from 1; 0: not a shard's part
  int count = 0;           // N
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
  // [scenario], `shortfall decompose -o` only: written as the group
  // `decomposition` (analysis/decomposition_hdf5.h); the reader leaves it empty.
  std::vector<Decomposition> decompositions;
  // Filled by the reader: the file holds the `runs` group (--keep-runs).
  bool has_kept_runs = false;
  ShardInfo shard;
  // A file of `shortfall solve`: its request and answers (the group `solve`).
  std::optional<SolveRecord> solve;
};

// The per-run records of scenario s for --keep-runs, asked for once per
// scenario in order; the reference need only stay valid until the next call,
// so a sweep's runs can come from disk one scenario at a time.
using KeptRunsSource = std::function<const ScenarioTally&(std::size_t scenario)>;

// Scenario s's statistics, asked for once per scenario in order, so a file
// can be written holding one row at a time (`merge` of many parts).
using ScenarioRowSource = std::function<ScenarioResults(std::size_t scenario)>;

// A shard's blocks of scenario s, serialised (analysis/tally_serialization.h)
// and framed as records one after the other (analysis/record_framing.h):
// what shard_blocks_bytes (analysis/shard_part.h) returns.
using ShardBlocksSource = std::function<std::vector<std::byte>(int scenario)>;

// A results file that cannot be read, is not ours, or is of an unknown major
// version. The message names the file.
class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace shortfall
