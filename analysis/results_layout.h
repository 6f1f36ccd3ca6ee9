// The layout of a results file (docs/model.md section 7): the names,
// dimensions and shapes of its groups, variables and attributes. One table
// that the writer (analysis/results_writer.cpp), the reader
// (analysis/results_reader.cpp) and the shard part (analysis/shard_part.cpp)
// all use, so a name or a shape is stated once. Internal to analysis/.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "results_data.h"
#include "run_outcome.h"

namespace shortfall {

// "1.1": k_format_version_major.k_format_version_minor.
std::string format_version_text();

// Groups, and the variables that are neither statistics nor per-run records.
inline constexpr const char* k_runs_group = "runs";
inline constexpr const char* k_shard_group = "shard";
inline constexpr const char* k_decomposition_group = "decomposition";  // `decompose -o`
inline constexpr const char* k_withhold_fraction = "withhold_fraction";
inline constexpr const char* k_indicator_name = "indicator_name";
inline constexpr const char* k_runs_done = "runs_done";
inline constexpr const char* k_target_met = "target_met";
// A network's (scenario, structure) probability that any provider is short.
inline constexpr const char* k_any_shortfall = "p_any_shortfall";
// The int32 attribute that marks a swept key's variable.
inline constexpr const char* k_swept_key_marker = "swept_key";
// The shard group's lists of scenarios (analysis/shard_part.h).
inline constexpr const char* k_whole_scenarios = "whole_scenarios";
inline constexpr const char* k_block_scenarios = "block_scenarios";

// The dimensions. Each is a 1-D coordinate variable of its name; `run` is
// inside the group `runs`, the others at the root.
enum class Dim { scenario, structure, provider, month, quantile, indicator, run };

const char* dim_name(Dim dim);

// The lengths of one file's dimensions. A single provider's file has no
// `provider` axis (network false); its statistics still count as one
// provider per structure.
struct Extents {
  hsize_t scenario = 0;
  hsize_t structure = 0;
  hsize_t provider = 1;
  hsize_t month = 0;
  hsize_t indicator = 0;
  hsize_t run = 0;  // the group `runs` only
  bool network = false;

  hsize_t of(Dim dim) const;
  // (structure, provider) pairs, structure-major: the columns of
  // ScenarioResults and of the tallies (TallyShape).
  hsize_t columns() const { return structure * provider; }
};

// The root attributes after `format` and `format_version`, in the order
// written, and the ResultsMetadata member each holds.
using MetadataField = std::variant<std::string ResultsMetadata::*, std::uint64_t ResultsMetadata::*,
                                   std::int64_t ResultsMetadata::*, int ResultsMetadata::*,
                                   double ResultsMetadata::*>;

struct MetadataAttribute {
  const char* name;
  MetadataField field;
  // Absent from files of an earlier minor version: read as empty (text) or 0.
  bool added_later = false;
};

const std::vector<MetadataAttribute>& metadata_attributes();

// A statistic at the root: dimensions (scenario, structure[, provider],
// ...inner) and the ScenarioResults member holding one scenario's row,
// flattened row-major over its columns and `inner`.
struct StatisticVariable {
  const char* name;
  std::vector<Dim> inner;  // the axes after the column axes
  std::vector<double> ScenarioResults::*field;
  const char* long_name;
  const char* units;
  // false: the network's value, one per structure, kept with the first
  // provider of each structure (tally.h); the file has no provider axis for it.
  bool per_provider = true;
};

const std::vector<StatisticVariable>& statistic_variables();

// The file's axes of `variable`: (scenario, structure, provider when the
// file has one and the variable is per provider, ...inner).
std::vector<Dim> statistic_axes(const StatisticVariable& variable, bool network);

// How many values a ScenarioResults row of `variable` holds: every column
// times the inner axes.
std::size_t statistic_row_size(const StatisticVariable& variable, const Extents& extents);

// A per-run record of the `runs` group, dimensions (scenario, structure[,
// provider], run). Flags are stored as int8, counts as int32.
using RunField = std::variant<bool RunOutcome::*, int RunOutcome::*, double RunOutcome::*>;

struct RunRecordVariable {
  const char* name;
  RunField field;
  const char* long_name;
  const char* units;
};

const std::vector<RunRecordVariable>& run_record_variables();

// "blocks_000017": a shard's blocks of scenario 17, in the group `shard`.
std::string shard_blocks_name(int scenario);

// Names a swept key may not take: they are the file's own variables.
bool is_reserved_name(std::string_view name);

}  // namespace shortfall
