// The results file (INTERFACE.md "Results files"): HDF5 written through the C
// API so that netCDF-4 readers (ncdump, xarray with h5netcdf) see named
// dimensions with no extra code.
//
// What netCDF-4 needs from a plain HDF5 file, and how this file gives it:
// - every dimension is a dimension scale (H5DSset_scale) that is also its
//   coordinate variable (a 1-D dataset named as the dimension), created
//   before any variable that uses it; every variable has each axis attached
//   (H5DSattach_scale), so no reader invents phony_dim_* names;
// - links and attributes have their creation order tracked and indexed, as
//   netCDF-4 writes them, so readers list them in the order written;
// - text attributes are scalar fixed-length null-terminated UTF-8 strings,
//   which netCDF reads as ordinary text (NC_CHAR) attributes and h5netcdf as
//   str; text variables (structure, indicator ids and names, swept text keys)
//   are variable-length strings, netCDF-4's NC_STRING;
// - the format is capped at the HDF5 1.8 object layout (libver bounds V18),
//   which every netCDF-4 build reads, and allows attributes beyond 64 KiB
//   (the scenario text) through dense attribute storage.
#include "results_file.h"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <variant>

#include <fmt/format.h>

#include "byte_codec.h"
#include "child_process_check.h"
#include "hdf5_handles.h"
#include "results_envelope.h"

namespace shortfall {

namespace {

namespace fs = std::filesystem;

std::string format_version_text() {
  return std::to_string(k_format_version_major) + "." + std::to_string(k_format_version_minor);
}

// ---------------------------------------------------------------------------
// Names of the layout. Writer and reader share these tables.

constexpr const char* k_runs_group = "runs";
constexpr const char* k_shard_group = "shard";
constexpr const char* k_swept_key_marker = "swept_key";  // int32 attribute on swept-key variables
// A network's (scenario, structure) probability that any provider is short.
constexpr const char* k_any_shortfall = "p_any_shortfall";

enum class Dim { scenario, structure, provider, month, quantile, indicator, run };

const char* dim_name(Dim dim) {
  switch (dim) {
    case Dim::scenario:
      return "scenario";
    case Dim::structure:
      return "structure";
    case Dim::provider:
      return "provider";
    case Dim::month:
      return "month";
    case Dim::quantile:
      return "quantile";
    case Dim::indicator:
      return "indicator";
    case Dim::run:
      return "run";
  }
  return "?";
}

// A statistic at the root: dimensions (scenario, structure, ...inner) and the
// ScenarioResults member holding one scenario's row, flattened row-major.
struct StatisticVariable {
  const char* name;
  std::vector<Dim> inner;  // the axes after (scenario, structure)
  std::vector<double> ScenarioResults::*field;
  const char* long_name;
  const char* units;
};

const std::vector<StatisticVariable>& statistic_variables() {
  using R = ScenarioResults;
  static const std::vector<StatisticVariable> variables{
      {"p_shortfall", {}, &R::p_shortfall, "probability of a cash shortfall", "1"},
      {"p_shortfall_ci_low",
       {},
       &R::p_shortfall_ci_low,
       "lower end of the 95 % Wilson interval of p_shortfall",
       "1"},
      {"p_shortfall_ci_high",
       {},
       &R::p_shortfall_ci_high,
       "upper end of the 95 % Wilson interval of p_shortfall",
       "1"},
      {"p_shortfall_diff",
       {},
       &R::p_shortfall_diff,
       "paired difference of p_shortfall against the first structure",
       "1"},
      {"p_shortfall_diff_se",
       {},
       &R::p_shortfall_diff_se,
       "standard error of the paired difference p_shortfall_diff",
       "1"},
      {"shortfall_by_month",
       {Dim::month},
       &R::shortfall_by_month,
       "share of runs with a first shortfall at or before the month",
       "1"},
      {"cash_quantiles",
       {Dim::month, Dim::quantile},
       &R::cash_quantiles,
       "quantiles of cash at the end of the month",
       "GBP"},
      {"min_cash_quantiles",
       {Dim::quantile},
       &R::min_cash_quantiles,
       "quantiles of the minimum cash over the horizon",
       "GBP"},
      {"end_cash_quantiles",
       {Dim::quantile},
       &R::end_cash_quantiles,
       "quantiles of cash at the end of the horizon",
       "GBP"},
      {"min_cash_mean", {}, &R::min_cash_mean, "mean of the minimum cash over the horizon", "GBP"},
      {"min_cash_cvar05",
       {},
       &R::min_cash_cvar05,
       "mean of the worst 5 % of minimum cash (CVaR 5 %)",
       "GBP"},
      {"support_mean",
       {},
       &R::support_mean,
       "mean support needed to stay above the threshold",
       "GBP"},
      {"support_p95", {}, &R::support_p95, "95th percentile of support needed", "GBP"},
      {"first_shortfall_month_mean",
       {},
       &R::first_shortfall_month_mean,
       "mean first shortfall month among runs with a shortfall (NaN when none)",
       "month"},
      {"earned_fraction_mean",
       {},
       &R::earned_fraction_mean,
       "mean share of the outcome pot earned",
       "1"},
      {"outcome_received_mean",
       {},
       &R::outcome_received_mean,
       "mean outcome money received as cash within the horizon",
       "GBP"},
      {"receivable_mean", {}, &R::receivable_mean, "mean settlement due after the horizon", "GBP"},
      {"commissioner_cost_mean",
       {},
       &R::commissioner_cost_mean,
       "mean cost to the commissioner",
       "GBP"},
      {"indicator_achievement_mean",
       {Dim::indicator},
       &R::indicator_achievement_mean,
       "mean achievement per indicator",
       "1"},
  };
  return variables;
}

// A per-run record of the `runs` group, dimensions (scenario, structure, run).
using RunField = std::variant<bool RunOutcome::*, int RunOutcome::*, double RunOutcome::*>;

struct RunRecordVariable {
  const char* name;
  RunField field;
  const char* long_name;
  const char* units;
};

const std::vector<RunRecordVariable>& run_record_variables() {
  using O = RunOutcome;
  static const std::vector<RunRecordVariable> variables{
      {"shortfall", &O::shortfall, "1 when cash fell below the threshold in some month", "1"},
      {"first_shortfall_month", &O::first_shortfall_month,
       "first month with a shortfall (0 for none)", "month"},
      {"months_in_shortfall", &O::months_in_shortfall, "number of months in shortfall", "month"},
      {"min_cash", &O::min_cash, "minimum cash over the horizon", "GBP"},
      {"end_cash", &O::end_cash, "cash at the end of the horizon", "GBP"},
      {"support", &O::support, "support needed to stay above the threshold", "GBP"},
      {"earned", &O::earned, "outcome money earned", "GBP"},
      {"received", &O::received, "outcome money received as cash within the horizon", "GBP"},
      {"receivable", &O::receivable, "settlements due after the horizon", "GBP"},
      {"earned_fraction", &O::earned_fraction, "share of the outcome pot earned", "1"},
      {"commissioner_cost", &O::commissioner_cost, "cost to the commissioner", "GBP"},
  };
  return variables;
}

// "blocks_000017": a shard's blocks of scenario 17.
std::string shard_blocks_name(int scenario) {
  std::string digits = std::to_string(scenario);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return "blocks_" + digits;
}

// Names a swept key may not take: they are the file's own variables.
bool is_reserved_name(std::string_view name) {
  static const std::array<std::string_view, 10> fixed{
      "scenario",  "structure",      "withhold_fraction", "month",        "quantile",
      "indicator", "indicator_name", "runs_done",         "target_met", k_runs_group};
  if (name == "provider" || name == k_any_shortfall) return true;
  if (name == k_shard_group) return true;
  if (std::find(fixed.begin(), fixed.end(), name) != fixed.end()) return true;
  for (const StatisticVariable& variable : statistic_variables())
    if (name == variable.name) return true;
  return false;
}

// ---------------------------------------------------------------------------
// Types: the file stores little-endian standard types; memory uses native.

template <class T>
struct H5Types;
template <>
struct H5Types<double> {
  static hid_t memory() { return H5T_NATIVE_DOUBLE; }
  static hid_t stored() { return H5T_IEEE_F64LE; }
};
template <>
struct H5Types<std::int64_t> {
  static hid_t memory() { return H5T_NATIVE_INT64; }
  static hid_t stored() { return H5T_STD_I64LE; }
};
template <>
struct H5Types<std::uint64_t> {
  static hid_t memory() { return H5T_NATIVE_UINT64; }
  static hid_t stored() { return H5T_STD_U64LE; }
};
template <>
struct H5Types<std::int32_t> {
  static hid_t memory() { return H5T_NATIVE_INT32; }
  static hid_t stored() { return H5T_STD_I32LE; }
};
template <>
struct H5Types<std::int8_t> {
  static hid_t memory() { return H5T_NATIVE_INT8; }
  static hid_t stored() { return H5T_STD_I8LE; }
};
template <>
struct H5Types<std::uint8_t> {
  static hid_t memory() { return H5T_NATIVE_UINT8; }
  static hid_t stored() { return H5T_STD_U8LE; }
};

// Fixed-length, null-terminated UTF-8 text of `length` characters.
H5Handle fixed_text_type(std::size_t length) {
  H5Handle type = H5Handle::datatype(H5Tcopy(H5T_C_S1), "copying the string type");
  require(H5Tset_size(type.get(), length + 1), "sizing a string type");
  require(H5Tset_strpad(type.get(), H5T_STR_NULLTERM), "setting string padding");
  require(H5Tset_cset(type.get(), H5T_CSET_UTF8), "setting string encoding");
  return type;
}

H5Handle variable_text_type() {
  H5Handle type = H5Handle::datatype(H5Tcopy(H5T_C_S1), "copying the string type");
  require(H5Tset_size(type.get(), H5T_VARIABLE), "making a variable-length string type");
  require(H5Tset_cset(type.get(), H5T_CSET_UTF8), "setting string encoding");
  return type;
}

H5Handle scalar_space() {
  return H5Handle::dataspace(H5Screate(H5S_SCALAR), "creating a scalar dataspace");
}

H5Handle simple_space(std::span<const hsize_t> dims) {
  return H5Handle::dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             "creating a dataspace");
}

// ---------------------------------------------------------------------------
// Writing helpers.

void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  const std::string what = "writing attribute '" + name + "'";
  H5Handle type = fixed_text_type(value.size());
  H5Handle space = scalar_space();
  H5Handle attribute = H5Handle::attribute(
      H5Acreate2(object, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), what);
  require(H5Awrite(attribute.get(), type.get(), value.c_str()), what);
}

template <class T>
void write_number_attribute(hid_t object, const std::string& name, T value) {
  const std::string what = "writing attribute '" + name + "'";
  H5Handle space = scalar_space();
  H5Handle attribute = H5Handle::attribute(
      H5Acreate2(object, name.c_str(), H5Types<T>::stored(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      what);
  require(H5Awrite(attribute.get(), H5Types<T>::memory(), &value), what);
}

void write_description(hid_t object, const std::string& long_name, const char* units) {
  write_text_attribute(object, "long_name", long_name);
  if (units != nullptr) write_text_attribute(object, "units", units);
}

// Storage of a new variable: contiguous, or chunked and compressed.
struct Storage {
  std::vector<hsize_t> chunk;  // empty: contiguous
};

H5Handle create_dataset(hid_t location, const std::string& name, hid_t stored_type,
                        std::span<const hsize_t> dims, const Storage& storage = {}) {
  const std::string what = "creating variable '" + name + "'";
  H5Handle space = simple_space(dims);
  H5Handle creation = H5Handle::plist(H5Pcreate(H5P_DATASET_CREATE), what);
  require(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  H5Handle access = H5Handle::plist(H5Pcreate(H5P_DATASET_ACCESS), what);
  const bool has_elements =
      std::all_of(dims.begin(), dims.end(), [](hsize_t extent) { return extent > 0; });
  if (!storage.chunk.empty() && has_elements) {
    require(
        H5Pset_chunk(creation.get(), static_cast<int>(storage.chunk.size()), storage.chunk.data()),
        what);
    require(H5Pset_shuffle(creation.get()), what);
    require(H5Pset_deflate(creation.get(), 4), what);
    // Blocks of runs do not line up with chunks: keep the chunk being filled
    // in memory so it is compressed once, not re-read per block.
    std::size_t chunk_bytes = H5Tget_size(stored_type);
    for (hsize_t extent : storage.chunk) chunk_bytes *= extent;
    const std::size_t cache_bytes = std::max<std::size_t>(std::size_t{1} << 20, 2 * chunk_bytes);
    require(H5Pset_chunk_cache(access.get(), 521, cache_bytes, 1.0), what);
  }
  return H5Handle::dataset(H5Dcreate2(location, name.c_str(), stored_type, space.get(), H5P_DEFAULT,
                                      creation.get(), access.get()),
                           what);
}

// Writes `data` (count elements, row-major) into the box at `start`.
void write_box(hid_t dataset, hid_t memory_type, std::span<const hsize_t> start,
               std::span<const hsize_t> count, const void* data, const std::string& what) {
  hsize_t elements = 1;
  for (hsize_t extent : count) elements *= extent;
  if (elements == 0) return;
  H5Handle file_space = H5Handle::dataspace(H5Dget_space(dataset), what);
  require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
  H5Handle memory_space = simple_space(count);
  require(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
          what);
}

void write_all(hid_t dataset, hid_t memory_type, std::size_t elements, const void* data,
               const std::string& what) {
  if (elements == 0) return;
  require(H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
}

void write_texts(hid_t dataset, const std::vector<std::string>& texts, const std::string& what) {
  std::vector<const char*> pointers;
  pointers.reserve(texts.size());
  for (const std::string& text : texts) pointers.push_back(text.c_str());
  H5Handle type = variable_text_type();
  write_all(dataset, type.get(), pointers.size(), pointers.data(), what);
}

// ---------------------------------------------------------------------------
// Checks of the data before anything touches the disk.

[[noreturn]] void refuse_to_write(const fs::path& path, const std::string& why) {
  throw ResultsFileError("cannot write results file '" + path.string() + "': " + why);
}

std::size_t inner_size(const std::vector<Dim>& inner, int months, int indicators) {
  std::size_t size = 1;
  for (Dim dim : inner) {
    if (dim == Dim::month) size *= static_cast<std::size_t>(months);
    if (dim == Dim::quantile) size *= static_cast<std::size_t>(k_quantile_count);
    if (dim == Dim::indicator) size *= static_cast<std::size_t>(indicators);
  }
  return size;
}

void check_writable(const fs::path& path, const ResultsData& data) {
  const ResultsMetadata& meta = data.meta;
  const auto providers = std::max<std::size_t>(meta.provider_ids.size(), 1);
  const auto structures = meta.structure_names.size();
  const auto columns = structures * providers;  // (structure, provider) pairs, TallyShape
  const auto indicators = meta.indicator_ids.size();
  const int months = meta.horizon_months;
  const auto scenario_count = data.scenarios.size();

  if (path.filename().empty()) refuse_to_write(path, "the path names no file");
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::error_code error;
  if (!fs::is_directory(folder, error))
    refuse_to_write(path, "the folder '" + folder.string() + "' does not exist");
  if (structures == 0) refuse_to_write(path, "no payment structures");
  if (months < 1) refuse_to_write(path, "horizon_months = " + std::to_string(months) + " < 1");
  if (meta.withhold_fraction.size() != structures)
    refuse_to_write(path, "withhold_fraction has " + std::to_string(meta.withhold_fraction.size()) +
                              " values for " + std::to_string(structures) + " structures");
  if (meta.indicator_names.size() != indicators)
    refuse_to_write(path, "indicator_name has " + std::to_string(meta.indicator_names.size()) +
                              " values for " + std::to_string(indicators) + " indicators");

  for (std::size_t s = 0; s < scenario_count; ++s) {
    const ScenarioResults& row = data.scenarios[s];
    const std::string where = "scenario " + std::to_string(s) + ": ";
    if (row.structure_count != static_cast<int>(columns) || row.month_count != months ||
        row.indicator_count != static_cast<int>(indicators) ||
        row.provider_count != static_cast<int>(providers))
      refuse_to_write(path, where + "shape (" + std::to_string(row.structure_count) +
                                " structure-providers, " + std::to_string(row.month_count) +
                                " months, " + std::to_string(row.indicator_count) +
                                " indicators) differs from (" + std::to_string(columns) + ", " +
                                std::to_string(months) + ", " + std::to_string(indicators) + ")");
    if (row.p_any_shortfall.size() != structures)
      refuse_to_write(path, where + "'p_any_shortfall' holds " +
                                std::to_string(row.p_any_shortfall.size()) + " values, expected " +
                                std::to_string(structures));
    for (const StatisticVariable& variable : statistic_variables()) {
      const std::size_t expected =
          columns * inner_size(variable.inner, months, static_cast<int>(indicators));
      const std::size_t actual = (row.*variable.field).size();
      if (actual != expected)
        refuse_to_write(path, where + "'" + variable.name + "' holds " + std::to_string(actual) +
                                  " values, expected " + std::to_string(expected));
    }
  }

  std::vector<std::string_view> keys;
  for (const SweptKey& swept : data.swept_keys) {
    const std::string& key = swept.key;
    if (key.empty() || key.find('/') != std::string::npos || key == "." || is_reserved_name(key))
      refuse_to_write(path, "swept key '" + key + "' cannot name a variable");
    if (std::find(keys.begin(), keys.end(), key) != keys.end())
      refuse_to_write(path, "swept key '" + key + "' appears twice");
    keys.push_back(key);
    const std::size_t values = swept.is_text ? swept.texts.size() : swept.numbers.size();
    if (values != scenario_count)
      refuse_to_write(path, "swept key '" + key + "' has " + std::to_string(values) +
                                " values for " + std::to_string(scenario_count) + " scenarios");
  }

  if (!data.target_met.empty() && data.target_met.size() != scenario_count)
    refuse_to_write(path, "target_met has " + std::to_string(data.target_met.size()) +
                              " values for " + std::to_string(scenario_count) + " scenarios");
}

// The kept runs of one scenario must be whole consecutive blocks of the
// file's shape: checked as each scenario is written (the write is to a
// temporary file, so a failure leaves nothing behind).
void check_kept_runs(const fs::path& path, const ResultsData& data, std::size_t s,
                     const ScenarioTally& tally) {
  const auto structures =
      data.meta.structure_names.size() * std::max<std::size_t>(data.meta.provider_ids.size(), 1);
  const int months = data.meta.horizon_months;
  const std::string where = "kept runs of scenario " + std::to_string(s) + ": ";
  std::int64_t next_run = tally.first_run();
  for (const BlockTally& block : tally.blocks()) {
    const TallyShape& shape = block.shape();
    const auto runs = static_cast<std::size_t>(block.run_count());
    if (!shape.keep_runs) refuse_to_write(path, where + "a block was tallied without keep_runs");
    if (shape.structures != static_cast<int>(structures) || shape.months != months)
      refuse_to_write(path, where + "a block's shape differs from the file's");
    if (block.first_run() != next_run)
      refuse_to_write(path, where + "blocks are not consecutive from the tally's first run");
    if (block.outcomes.size() != structures * runs ||
        block.cash_by_month.size() != structures * static_cast<std::size_t>(months) * runs)
      refuse_to_write(path, where + "a block holds fewer records than its run count");
    next_run += block.run_count();
  }
}

// ---------------------------------------------------------------------------
// The writer.

class ResultsWriter {
 public:
  ResultsWriter(hid_t file, const ResultsData& data, const fs::path& path)
      : file_(file), data_(data), path_(path) {}

  void write(const KeptRunsSource* kept_runs, const ShardBlocksSource* shard_blocks = nullptr) {
    write_root_attributes();
    write_dimensions();
    write_swept_keys();
    write_statistics();
    if (kept_runs != nullptr) write_kept_runs(*kept_runs);
    if (shard_blocks != nullptr) write_shard(*shard_blocks);
  }

 private:
  hsize_t scenarios() const { return data_.scenarios.size(); }
  hsize_t structures() const { return data_.meta.structure_names.size(); }
  // A network file has a `provider` axis after `structure`; a single
  // provider's has none. Results and tallies hold (structure, provider)
  // columns, structure-major, which is that axis order.
  bool network() const { return !data_.meta.provider_ids.empty(); }
  hsize_t providers() const { return network() ? data_.meta.provider_ids.size() : 1; }
  hsize_t columns() const { return structures() * providers(); }
  std::vector<Dim> column_axes() const {
    return network() ? std::vector<Dim>{Dim::structure, Dim::provider}
                     : std::vector<Dim>{Dim::structure};
  }
  // The file's indices of column c along column_axes().
  std::vector<hsize_t> column_start(hsize_t column) const {
    return network() ? std::vector<hsize_t>{column / providers(), column % providers()}
                     : std::vector<hsize_t>{column};
  }
  // (scenario, ...column axes..., then `tail`).
  std::vector<Dim> axes(const std::vector<Dim>& tail) const {
    std::vector<Dim> dims{Dim::scenario};
    const auto middle = column_axes();
    dims.insert(dims.end(), middle.begin(), middle.end());
    dims.insert(dims.end(), tail.begin(), tail.end());
    return dims;
  }
  hsize_t months() const { return static_cast<hsize_t>(data_.meta.horizon_months); }
  hsize_t indicators() const { return data_.meta.indicator_ids.size(); }

  hid_t scale(Dim dim) const {
    switch (dim) {
      case Dim::scenario:
        return scenario_scale_.get();
      case Dim::structure:
        return structure_scale_.get();
      case Dim::provider:
        return provider_scale_.get();
      case Dim::month:
        return month_scale_.get();
      case Dim::quantile:
        return quantile_scale_.get();
      case Dim::indicator:
        return indicator_scale_.get();
      case Dim::run:
        return run_scale_.get();
    }
    return H5I_INVALID_HID;
  }
  hsize_t extent(Dim dim) const {
    switch (dim) {
      case Dim::scenario:
        return scenarios();
      case Dim::structure:
        return structures();
      case Dim::provider:
        return providers();
      case Dim::month:
        return months();
      case Dim::quantile:
        return k_quantile_count;
      case Dim::indicator:
        return indicators();
      case Dim::run:
        return run_extent_;
    }
    return 0;
  }

  // Creates a variable over `dims` and attaches each axis's scale.
  H5Handle create_variable(hid_t location, const std::string& name, hid_t stored_type,
                           const std::vector<Dim>& dims, const Storage& storage = {}) {
    std::vector<hsize_t> extents;
    for (Dim dim : dims) extents.push_back(extent(dim));
    H5Handle dataset = create_dataset(location, name, stored_type, extents, storage);
    for (std::size_t axis = 0; axis < dims.size(); ++axis)
      require(H5DSattach_scale(dataset.get(), scale(dims[axis]), static_cast<unsigned>(axis)),
              "attaching dimension '" + std::string(dim_name(dims[axis])) + "' to '" + name + "'");
    return dataset;
  }

  // A dimension: a 1-D coordinate variable made a dimension scale.
  H5Handle create_dimension(hid_t location, Dim dim, hid_t stored_type) {
    const std::string name = dim_name(dim);
    const hsize_t extents[] = {extent(dim)};
    H5Handle dataset = create_dataset(location, name, stored_type, extents);
    require(H5DSset_scale(dataset.get(), name.c_str()), "making '" + name + "' a dimension scale");
    return dataset;
  }

  void write_root_attributes() {
    const ResultsMetadata& meta = data_.meta;
    write_text_attribute(file_, "format", k_format_name);
    write_text_attribute(file_, "format_version", format_version_text());
    write_text_attribute(file_, "program_version", meta.program_version);
    write_text_attribute(file_, "git_revision", meta.git_revision);
    write_number_attribute<std::uint64_t>(file_, "seed", meta.seed);
    write_number_attribute<std::int64_t>(file_, "runs", meta.runs);
    write_number_attribute<std::int32_t>(file_, "horizon_months", meta.horizon_months);
    write_text_attribute(file_, "created_utc", meta.created_utc);
    write_text_attribute(file_, "scenario_toml", meta.scenario_toml);
    write_text_attribute(file_, "command_line", meta.command_line);
    write_number_attribute<std::int32_t>(file_, "complete", meta.complete);
    write_number_attribute<double>(file_, "elapsed_seconds", meta.elapsed_seconds);
    write_text_attribute(file_, "host", meta.host);
    if (data_.shard.index > 0) {
      write_text_attribute(file_, "shard",
                           std::to_string(data_.shard.index) + "/" + std::to_string(data_.shard.count));
    }
  }

  // The group `shard`: which scenarios the shard finished, and the blocks of
  // those it holds per-run values of, one byte array per scenario.
  void write_shard(const ShardBlocksSource& source) {
    const std::string what = "writing group 'shard'";
    H5Handle group =
        H5Handle::group(H5Gcreate2(file_, k_shard_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), what);
    write_number_attribute<std::int32_t>(group.get(), "index", data_.shard.index);
    write_number_attribute<std::int32_t>(group.get(), "count", data_.shard.count);
    write_number_attribute<std::int32_t>(group.get(), "keep_runs", data_.shard.keep_runs ? 1 : 0);
    for (const auto& [name, list] : {std::pair{"whole_scenarios", &data_.shard.whole_scenarios},
                                     std::pair{"block_scenarios", &data_.shard.block_scenarios}}) {
      const hsize_t extent[] = {list->size()};
      H5Handle dataset = create_dataset(group.get(), name, H5T_STD_I32LE, extent);
      write_all(dataset.get(), H5T_NATIVE_INT32, list->size(), list->data(), what);
    }
    for (const int scenario : data_.shard.block_scenarios) {
      const std::vector<std::byte> bytes = source(scenario);
      const hsize_t extent[] = {bytes.size()};
      H5Handle dataset = create_dataset(group.get(), shard_blocks_name(scenario), H5T_STD_U8LE, extent);
      write_all(dataset.get(), H5T_NATIVE_UCHAR, bytes.size(), bytes.data(), what);
    }
  }

  // Scales first: netCDF-4 readers expect a dimension to exist before the
  // variables that use it.
  void write_dimensions() {
    const ResultsMetadata& meta = data_.meta;
    H5Handle text = variable_text_type();

    scenario_scale_ = create_dimension(file_, Dim::scenario, H5T_STD_I64LE);
    std::vector<std::int64_t> scenario_index(scenarios());
    for (std::size_t s = 0; s < scenario_index.size(); ++s)
      scenario_index[s] = static_cast<std::int64_t>(s);
    write_all(scenario_scale_.get(), H5T_NATIVE_INT64, scenario_index.size(), scenario_index.data(),
              "writing 'scenario'");
    write_description(scenario_scale_.get(), "design point of the sweep", "1");

    structure_scale_ = create_dimension(file_, Dim::structure, text.get());
    write_texts(structure_scale_.get(), meta.structure_names, "writing 'structure'");
    write_description(structure_scale_.get(), "payment structure", nullptr);

    if (network()) {
      provider_scale_ = create_dimension(file_, Dim::provider, text.get());
      write_texts(provider_scale_.get(), meta.provider_ids, "writing 'provider'");
      write_description(provider_scale_.get(), "provider id, in the scenario's order", nullptr);
    }

    month_scale_ = create_dimension(file_, Dim::month, H5T_STD_I32LE);
    std::vector<std::int32_t> month_number(months());
    for (std::size_t t = 0; t < month_number.size(); ++t)
      month_number[t] = static_cast<std::int32_t>(t + 1);
    write_all(month_scale_.get(), H5T_NATIVE_INT32, month_number.size(), month_number.data(),
              "writing 'month'");
    write_description(month_scale_.get(), "month of the horizon, 1 first", "month");

    quantile_scale_ = create_dimension(file_, Dim::quantile, H5T_IEEE_F64LE);
    write_all(quantile_scale_.get(), H5T_NATIVE_DOUBLE, k_reported_quantiles.size(),
              k_reported_quantiles.data(), "writing 'quantile'");
    write_description(quantile_scale_.get(), "probability level of the quantile", "1");

    indicator_scale_ = create_dimension(file_, Dim::indicator, text.get());
    write_texts(indicator_scale_.get(), meta.indicator_ids, "writing 'indicator'");
    write_description(indicator_scale_.get(), "indicator id", nullptr);

    H5Handle fraction =
        create_variable(file_, "withhold_fraction", H5T_IEEE_F64LE, {Dim::structure});
    write_all(fraction.get(), H5T_NATIVE_DOUBLE, meta.withhold_fraction.size(),
              meta.withhold_fraction.data(), "writing 'withhold_fraction'");
    write_description(fraction.get(), "share of the outcome money withheld from the start", "1");

    H5Handle names = create_variable(file_, "indicator_name", text.get(), {Dim::indicator});
    write_texts(names.get(), meta.indicator_names, "writing 'indicator_name'");
    write_description(names.get(), "indicator name", nullptr);
  }

  void write_swept_keys() {
    for (const SweptKey& swept : data_.swept_keys) {
      const std::string what = "writing swept key '" + swept.key + "'";
      if (swept.is_text) {
        H5Handle text = variable_text_type();
        H5Handle dataset = create_variable(file_, swept.key, text.get(), {Dim::scenario});
        write_texts(dataset.get(), swept.texts, what);
        write_description(dataset.get(), "swept scenario key " + swept.key, nullptr);
        write_number_attribute<std::int32_t>(dataset.get(), k_swept_key_marker, 1);
      } else {
        H5Handle dataset = create_variable(file_, swept.key, H5T_IEEE_F64LE, {Dim::scenario});
        write_all(dataset.get(), H5T_NATIVE_DOUBLE, swept.numbers.size(), swept.numbers.data(),
                  what);
        write_description(dataset.get(), "swept scenario key " + swept.key, nullptr);
        write_number_attribute<std::int32_t>(dataset.get(), k_swept_key_marker, 1);
      }
    }
  }

  // Each scenario's row goes straight from its ScenarioResults into the
  // variable's hyperslab.
  void write_statistics() {
    for (const StatisticVariable& variable : statistic_variables()) {
      // A network's indicators are the network's, recorded once per
      // structure with its first provider (tally.h): no provider axis.
      const bool per_provider = variable.field != &ScenarioResults::indicator_achievement_mean;
      std::vector<Dim> dims = per_provider ? axes(variable.inner) : std::vector<Dim>{Dim::scenario, Dim::structure};
      if (!per_provider) dims.insert(dims.end(), variable.inner.begin(), variable.inner.end());
      H5Handle dataset = create_variable(file_, variable.name, H5T_IEEE_F64LE, dims);
      write_description(dataset.get(), variable.long_name, variable.units);

      std::vector<hsize_t> start(dims.size(), 0);
      std::vector<hsize_t> count;
      for (Dim dim : dims) count.push_back(extent(dim));
      count[0] = 1;
      std::vector<double> first_provider_rows;
      for (hsize_t s = 0; s < scenarios(); ++s) {
        start[0] = s;
        const std::vector<double>& row = data_.scenarios[s].*variable.field;
        const double* values = row.data();
        if (!per_provider && network()) {
          const std::size_t width = row.size() / columns();
          first_provider_rows.clear();
          for (hsize_t structure = 0; structure < structures(); ++structure) {
            const auto from = row.begin() + static_cast<std::ptrdiff_t>(structure * providers() * width);
            first_provider_rows.insert(first_provider_rows.end(), from, from + static_cast<std::ptrdiff_t>(width));
          }
          values = first_provider_rows.data();
        }
        write_box(dataset.get(), H5T_NATIVE_DOUBLE, start, count, values,
                  std::string("writing '") + variable.name + "'");
      }
    }

    if (network()) {
      H5Handle any = create_variable(file_, k_any_shortfall, H5T_IEEE_F64LE, {Dim::scenario, Dim::structure});
      write_description(any.get(), "probability that any provider of the network has a cash shortfall", "1");
      const std::vector<hsize_t> count{1, structures()};
      for (hsize_t s = 0; s < scenarios(); ++s) {
        write_box(any.get(), H5T_NATIVE_DOUBLE, std::vector<hsize_t>{s, 0}, count,
                  data_.scenarios[s].p_any_shortfall.data(), "writing 'p_any_shortfall'");
      }
    }

    H5Handle runs_done = create_variable(file_, "runs_done", H5T_STD_I64LE, {Dim::scenario});
    std::vector<std::int64_t> done;
    for (const ScenarioResults& row : data_.scenarios) done.push_back(row.runs_done);
    write_all(runs_done.get(), H5T_NATIVE_INT64, done.size(), done.data(), "writing 'runs_done'");
    write_description(runs_done.get(), "runs done in the scenario", "1");

    if (!data_.target_met.empty()) {
      H5Handle met = create_variable(file_, "target_met", H5T_STD_I8LE, {Dim::scenario});
      std::vector<std::int8_t> flags(data_.target_met.begin(), data_.target_met.end());
      write_all(met.get(), H5T_NATIVE_INT8, flags.size(), flags.data(), "writing 'target_met'");
      write_description(met.get(),
                        "1 when precision-based stopping met simulation.target_halfwidth, 0 when "
                        "it stopped at max_runs",
                        "1");
    }
  }

  // The `runs` group. Its `run` extent is the largest run count of any
  // scenario; a scenario with fewer runs has the rest of its rows filled with
  // NaN (double variables and cash) or 0 (shortfall and the month counts).
  // Scenario by scenario, so only one scenario's runs are in memory at once.
  void write_kept_runs(const KeptRunsSource& source) {
    run_extent_ = 0;
    for (const ScenarioResults& row : data_.scenarios)
      run_extent_ = std::max(run_extent_, static_cast<hsize_t>(row.runs_done));

    H5Handle creation = H5Handle::plist(H5Pcreate(H5P_GROUP_CREATE), "creating group 'runs'");
    require(
        H5Pset_link_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating group 'runs'");
    require(
        H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating group 'runs'");
    H5Handle group =
        H5Handle::group(H5Gcreate2(file_, k_runs_group, H5P_DEFAULT, creation.get(), H5P_DEFAULT),
                        "creating group 'runs'");
    write_text_attribute(group.get(), "description",
                         "per-run records; runs beyond a scenario's runs_done are NaN or 0");

    run_scale_ = create_dimension(group.get(), Dim::run, H5T_STD_I64LE);
    write_run_index();
    write_description(run_scale_.get(), "run number within the scenario", "1");

    const hsize_t record_chunk = std::min<hsize_t>(std::max<hsize_t>(run_extent_, 1), 4096);
    Storage record_storage{{1, 1, record_chunk}};
    if (network()) record_storage.chunk.insert(record_storage.chunk.begin() + 1, 1);
    std::vector<H5Handle> records;
    for (const RunRecordVariable& variable : run_record_variables()) {
      std::visit(
          [&](auto field) {
            records.push_back(create_run_record(group.get(), variable, field, record_storage));
          },
          variable.field);
    }
    const hsize_t cash_chunk = std::min<hsize_t>(std::max<hsize_t>(run_extent_, 1), 1024);
    Storage cash_storage{{1, 1, cash_chunk, months()}};
    if (network()) cash_storage.chunk.insert(cash_storage.chunk.begin() + 1, 1);
    H5Handle cash = create_variable(group.get(), "cash", H5T_IEEE_F64LE, axes({Dim::run, Dim::month}),
                                    cash_storage);
    write_description(cash.get(), "cash at the end of the month", "GBP");

    for (hsize_t s = 0; s < scenarios(); ++s) {
      const ScenarioTally& tally = source(static_cast<std::size_t>(s));
      check_kept_runs(path_, data_, static_cast<std::size_t>(s), tally);
      if (tally.runs() != data_.scenarios[s].runs_done)
        refuse_to_write(path_, "kept runs of scenario " + std::to_string(s) + ": " +
                                   std::to_string(tally.runs()) + " runs, but runs_done = " +
                                   std::to_string(data_.scenarios[s].runs_done));
      const auto& variables = run_record_variables();
      for (std::size_t v = 0; v < variables.size(); ++v) {
        std::visit(
            [&](auto field) { write_run_record(records[v].get(), variables[v], field, s, tally); },
            variables[v].field);
      }
      write_cash_paths(cash.get(), s, tally);
    }
  }

  // Where a block's first run goes on the run axis: runs count from the
  // tally's first run (0 unless the tally is a shard's).
  static hsize_t run_offset(const ScenarioTally& tally, const BlockTally& block) {
    return static_cast<hsize_t>(block.first_run() - tally.first_run());
  }

  // 0..N-1, written in pieces so a long run axis never needs a full copy.
  void write_run_index() {
    constexpr hsize_t k_piece = 65536;
    std::vector<std::int64_t> index;
    for (hsize_t first = 0; first < run_extent_; first += k_piece) {
      const hsize_t count = std::min(k_piece, run_extent_ - first);
      index.resize(count);
      for (hsize_t j = 0; j < count; ++j) index[j] = static_cast<std::int64_t>(first + j);
      const hsize_t start[] = {first};
      const hsize_t counts[] = {count};
      write_box(run_scale_.get(), H5T_NATIVE_INT64, start, counts, index.data(), "writing 'run'");
    }
  }

  // Value written where a scenario has fewer runs than the run axis.
  template <class Stored>
  static Stored missing_value() {
    if constexpr (std::is_floating_point_v<Stored>)
      return std::numeric_limits<Stored>::quiet_NaN();
    else
      return Stored{0};
  }

  // The file type of a per-run field: flags as int8, counts as int32.
  template <class Member>
  using StoredType =
      std::conditional_t<std::is_same_v<Member, bool>, std::int8_t,
                         std::conditional_t<std::is_same_v<Member, int>, std::int32_t, double>>;

  template <class Member>
  H5Handle create_run_record(hid_t group, const RunRecordVariable& variable,
                             Member RunOutcome::*, const Storage& storage) {
    using Stored = StoredType<Member>;
    H5Handle dataset = create_variable(group, variable.name, H5Types<Stored>::stored(),
                                       axes({Dim::run}), storage);
    write_description(dataset.get(), variable.long_name, variable.units);
    return dataset;
  }

  // One scenario's rows of a per-run variable, written block by block from
  // the tally's RunOutcome records through a block-sized buffer.
  template <class Member>
  void write_run_record(hid_t dataset, const RunRecordVariable& variable,
                        Member RunOutcome::*field, hsize_t s, const ScenarioTally& tally) {
    using Stored = StoredType<Member>;
    const std::string what = std::string("writing 'runs/") + variable.name + "'";
    std::vector<Stored> buffer;
    for (hsize_t structure = 0; structure < columns(); ++structure) {
      for (const BlockTally& block : tally.blocks()) {
        const auto runs = static_cast<std::size_t>(block.run_count());
        buffer.resize(runs);
        const RunOutcome* outcomes = block.outcomes.data() + structure * runs;
        for (std::size_t j = 0; j < runs; ++j) buffer[j] = static_cast<Stored>(outcomes[j].*field);
        write_box(dataset, H5Types<Stored>::memory(), run_start(s, structure, run_offset(tally, block)),
                  run_count(runs), buffer.data(), what);
      }
      fill_missing_runs(dataset, s, structure, static_cast<hsize_t>(tally.runs()), 1,
                        H5Types<Stored>::memory(), missing_value<Stored>(), what);
    }
  }

  // Cash paths: a block stores [structure][month][run]; the file wants
  // (run, month) per structure, so each block is transposed through a
  // block-sized buffer.
  void write_cash_paths(hid_t dataset, hsize_t s, const ScenarioTally& tally) {
    const std::string what = "writing 'runs/cash'";
    const std::size_t month_count = months();
    std::vector<double> buffer;
    for (hsize_t structure = 0; structure < columns(); ++structure) {
      for (const BlockTally& block : tally.blocks()) {
        const auto runs = static_cast<std::size_t>(block.run_count());
        buffer.resize(runs * month_count);
        const double* paths = block.cash_by_month.data() + structure * month_count * runs;
        for (std::size_t t = 0; t < month_count; ++t)
          for (std::size_t j = 0; j < runs; ++j) buffer[j * month_count + t] = paths[t * runs + j];
        auto start = run_start(s, structure, run_offset(tally, block));
        auto count = run_count(runs);
        start.push_back(0);
        count.push_back(month_count);
        write_box(dataset, H5T_NATIVE_DOUBLE, start, count, buffer.data(), what);
      }
      fill_missing_runs(dataset, s, structure, static_cast<hsize_t>(tally.runs()), month_count,
                        H5T_NATIVE_DOUBLE, missing_value<double>(), what);
    }
  }

  // Where runs from `first` of column `structure` of scenario s go, and the
  // box of `runs` of them, in a (scenario, ...column axes..., run) variable.
  std::vector<hsize_t> run_start(hsize_t s, hsize_t structure, hsize_t first) const {
    std::vector<hsize_t> start{s};
    const auto column = column_start(structure);
    start.insert(start.end(), column.begin(), column.end());
    start.push_back(first);
    return start;
  }
  std::vector<hsize_t> run_count(hsize_t runs) const {
    std::vector<hsize_t> count(1 + column_axes().size(), 1);
    count.push_back(runs);
    return count;
  }

  // Fills runs [first_missing, N) of one (scenario, structure) row; each run
  // holds `per_run` values.
  template <class Stored>
  void fill_missing_runs(hid_t dataset, hsize_t s, hsize_t structure, hsize_t first_missing,
                         hsize_t per_run, hid_t memory_type, Stored value,
                         const std::string& what) {
    constexpr hsize_t k_piece_runs = 4096;
    if (first_missing >= run_extent_) return;
    const std::vector<Stored> fill(std::min(k_piece_runs, run_extent_ - first_missing) * per_run,
                                   value);
    for (hsize_t first = first_missing; first < run_extent_; first += k_piece_runs) {
      const hsize_t runs = std::min(k_piece_runs, run_extent_ - first);
      std::vector<hsize_t> start = run_start(s, structure, first);
      std::vector<hsize_t> count = run_count(runs);
      if (per_run > 1) {
        start.push_back(0);
        count.push_back(per_run);
      }
      write_box(dataset, memory_type, start, count, fill.data(), what);
    }
  }

  hid_t file_;
  const ResultsData& data_;
  const fs::path& path_;  // for messages
  H5Handle scenario_scale_, structure_scale_, provider_scale_, month_scale_, quantile_scale_,
      indicator_scale_;
  H5Handle run_scale_;
  hsize_t run_extent_ = 0;
};

H5Handle create_results_file(const fs::path& path) {
  const std::string what = "creating the file";
  H5Handle creation = H5Handle::plist(H5Pcreate(H5P_FILE_CREATE), what);
  require(H5Pset_link_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  require(H5Pset_attr_creation_order(creation.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          what);
  // Room for the envelope (results_envelope.h), written once the file is closed.
  require(H5Pset_userblock(creation.get(), k_envelope_bytes), what);
  H5Handle access = H5Handle::plist(H5Pcreate(H5P_FILE_ACCESS), what);
  // The HDF5 1.8 object layout: readable by every netCDF-4 build, and
  // allows large attributes (the scenario text) in dense storage.
  require(H5Pset_libver_bounds(access.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), what);
  // H5Fclose fails, instead of silently leaving the file open, if any object
  // is still open: the rename must only see a finished file.
  require(H5Pset_fclose_degree(access.get(), H5F_CLOSE_SEMI), what);
  return H5Handle::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, creation.get(), access.get()), what);
}

// ---------------------------------------------------------------------------
// Reading helpers. Every size comes from a dataspace and is checked against
// what the layout expects before any buffer is sized from it.

constexpr std::size_t k_max_text_bytes = std::size_t{64} << 20;  // the scenario text and the like
constexpr hsize_t k_max_variable_elements = hsize_t{1} << 28;    // 2 GiB of doubles

std::vector<hsize_t> extents_of(hid_t dataset, const std::string& name) {
  const std::string what = "reading the shape of '" + name + "'";
  H5Handle space = H5Handle::dataspace(H5Dget_space(dataset), what);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > H5S_MAX_RANK) throw Hdf5Error(what + ": not a simple dataspace");
  std::vector<hsize_t> extents(static_cast<std::size_t>(rank));
  require(H5Sget_simple_extent_dims(space.get(), extents.data(), nullptr), what);
  return extents;
}

std::string shape_text(std::span<const hsize_t> extents) {
  std::string text = "(";
  for (std::size_t axis = 0; axis < extents.size(); ++axis) {
    if (axis > 0) text += ", ";
    text += std::to_string(extents[axis]);
  }
  return text + ")";
}

H5Handle open_variable(hid_t location, const std::string& name) {
  if (!require_tri(H5Lexists(location, name.c_str(), H5P_DEFAULT),
                   "looking for variable '" + name + "'"))
    throw Hdf5Error("variable '" + name + "' is missing");
  return H5Handle::dataset(H5Dopen2(location, name.c_str(), H5P_DEFAULT),
                           "opening variable '" + name + "'");
}

// Opens `name` and checks that its shape is exactly `expected`.
H5Handle open_variable(hid_t location, const std::string& name,
                       const std::vector<hsize_t>& expected) {
  H5Handle dataset = open_variable(location, name);
  const std::vector<hsize_t> actual = extents_of(dataset.get(), name);
  if (actual != expected)
    throw Hdf5Error("variable '" + name + "' has shape " + shape_text(actual) + ", expected " +
                    shape_text(expected));
  return dataset;
}

// The length of a 1-D variable, bounded.
hsize_t length_of(hid_t location, const std::string& name) {
  H5Handle dataset = open_variable(location, name);
  const std::vector<hsize_t> extents = extents_of(dataset.get(), name);
  if (extents.size() != 1)
    throw Hdf5Error("variable '" + name + "' has shape " + shape_text(extents) +
                    ", expected one dimension");
  if (extents[0] > k_max_variable_elements)
    throw Hdf5Error("variable '" + name + "' claims an implausible length " +
                    std::to_string(extents[0]));
  return extents[0];
}

template <class T>
std::vector<T> read_box(hid_t dataset, std::span<const hsize_t> start,
                        std::span<const hsize_t> count, const std::string& what) {
  hsize_t elements = 1;
  for (hsize_t extent : count) elements *= extent;
  std::vector<T> values(elements);
  if (elements == 0) return values;
  H5Handle file_space = H5Handle::dataspace(H5Dget_space(dataset), what);
  require(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                              nullptr),
          what);
  H5Handle memory_space = simple_space(count);
  require(H5Dread(dataset, H5Types<T>::memory(), memory_space.get(), file_space.get(), H5P_DEFAULT,
                  values.data()),
          what);
  return values;
}

template <class T>
std::vector<T> read_vector(hid_t location, const std::string& name, hsize_t length) {
  H5Handle dataset = open_variable(location, name, {length});
  const hsize_t start[] = {0};
  const hsize_t count[] = {length};
  return read_box<T>(dataset.get(), start, count, "reading '" + name + "'");
}

// The memory type to read stored text with: the stored type itself, in
// native byte order. HDF5 converts neither between character sets nor, for
// fixed-length text, between sizes, so the file's own choices are kept; the
// text is cut at the first null.
H5Handle text_memory_type(hid_t stored, const std::string& what) {
  return H5Handle::datatype(H5Tget_native_type(stored, H5T_DIR_DEFAULT), what);
}

// Text of a 1-D variable, stored as variable- or fixed-length strings.
std::vector<std::string> read_texts(hid_t location, const std::string& name, hsize_t length) {
  const std::string what = "reading '" + name + "'";
  H5Handle dataset = open_variable(location, name, {length});
  std::vector<std::string> texts;
  if (length == 0) return texts;
  H5Handle stored = H5Handle::datatype(H5Dget_type(dataset.get()), what);
  if (H5Tget_class(stored.get()) != H5T_STRING)
    throw Hdf5Error("variable '" + name + "' is not text");
  texts.reserve(length);
  if (require_tri(H5Tis_variable_str(stored.get()), what)) {
    H5Handle memory = text_memory_type(stored.get(), what);
    std::vector<char*> pointers(length, nullptr);
    require(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
            what);
    for (char* pointer : pointers) {
      texts.emplace_back(pointer != nullptr ? pointer : "");
      H5free_memory(pointer);
    }
  } else {
    const std::size_t size = H5Tget_size(stored.get());
    if (size == 0 || size > k_max_text_bytes / length)
      throw Hdf5Error("variable '" + name + "' has an implausible string size");
    H5Handle memory = text_memory_type(stored.get(), what);
    std::vector<char> buffer(size * length);
    require(H5Dread(dataset.get(), memory.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
            what);
    for (hsize_t i = 0; i < length; ++i) {
      const char* text = buffer.data() + i * size;
      texts.emplace_back(text, strnlen(text, size));
    }
  }
  return texts;
}

std::optional<H5Handle> open_attribute(hid_t object, const std::string& name) {
  const std::string what = "looking for attribute '" + name + "'";
  if (!require_tri(H5Aexists(object, name.c_str()), what)) return std::nullopt;
  H5Handle attribute = H5Handle::attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT),
                                           "opening attribute '" + name + "'");
  H5Handle space = H5Handle::dataspace(H5Aget_space(attribute.get()), what);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw Hdf5Error("attribute '" + name + "' is not a single value");
  return attribute;
}

H5Handle require_attribute(hid_t object, const std::string& name) {
  std::optional<H5Handle> attribute = open_attribute(object, name);
  if (!attribute) throw Hdf5Error("attribute '" + name + "' is missing");
  return std::move(*attribute);
}

std::string read_text_value(hid_t attribute, const std::string& name) {
  const std::string what = "reading attribute '" + name + "'";
  H5Handle stored = H5Handle::datatype(H5Aget_type(attribute), what);
  if (H5Tget_class(stored.get()) != H5T_STRING)
    throw Hdf5Error("attribute '" + name + "' is not text");
  if (require_tri(H5Tis_variable_str(stored.get()), what)) {
    H5Handle memory = text_memory_type(stored.get(), what);
    char* pointer = nullptr;
    require(H5Aread(attribute, memory.get(), &pointer), what);
    std::string text = pointer != nullptr ? pointer : "";
    H5free_memory(pointer);
    return text;
  }
  const std::size_t size = H5Tget_size(stored.get());
  if (size == 0 || size > k_max_text_bytes)
    throw Hdf5Error("attribute '" + name + "' has an implausible size");
  H5Handle memory = text_memory_type(stored.get(), what);
  std::vector<char> buffer(size);
  require(H5Aread(attribute, memory.get(), buffer.data()), what);
  return std::string(buffer.data(), strnlen(buffer.data(), size));
}

std::string read_text_attribute(hid_t object, const char* name) {
  H5Handle attribute = require_attribute(object, name);
  return read_text_value(attribute.get(), name);
}

template <class T>
T read_number_attribute(hid_t object, const char* name) {
  H5Handle attribute = require_attribute(object, name);
  H5Handle stored = H5Handle::datatype(H5Aget_type(attribute.get()), "reading attribute");
  const H5T_class_t kind = H5Tget_class(stored.get());
  if (kind != H5T_INTEGER && kind != H5T_FLOAT)
    throw Hdf5Error(std::string("attribute '") + name + "' is not a number");
  T value{};
  require(H5Aread(attribute.get(), H5Types<T>::memory(), &value),
          std::string("reading attribute '") + name + "'");
  return value;
}

// The major version of "M.m", or nullopt when the text is not of that form.
std::optional<int> major_version(std::string_view version) {
  int major = 0;
  const char* end = version.data() + version.size();
  const auto [next, error] = std::from_chars(version.data(), end, major);
  if (error != std::errc{} || next == version.data()) return std::nullopt;
  if (next != end && *next != '.') return std::nullopt;
  return major;
}

// Names of the root's links in the order they were written (name order when
// the file does not track creation order).
std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t position = 0;
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect, &names) >= 0)
    return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  position = 0;
  require(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, collect, &names),
          "listing the variables");
  return names;
}

ResultsMetadata read_metadata(hid_t file) {
  ResultsMetadata meta;
  meta.program_version = read_text_attribute(file, "program_version");
  meta.git_revision = read_text_attribute(file, "git_revision");
  meta.seed = read_number_attribute<std::uint64_t>(file, "seed");
  meta.runs = read_number_attribute<std::int64_t>(file, "runs");
  meta.horizon_months = read_number_attribute<std::int32_t>(file, "horizon_months");
  meta.created_utc = read_text_attribute(file, "created_utc");
  meta.scenario_toml = read_text_attribute(file, "scenario_toml");
  meta.command_line = read_text_attribute(file, "command_line");
  meta.complete = read_number_attribute<std::int32_t>(file, "complete");
  meta.elapsed_seconds = read_number_attribute<double>(file, "elapsed_seconds");
  meta.host = read_text_attribute(file, "host");
  return meta;
}

ResultsData read_contents(hid_t file, const std::string& format_version) {
  ResultsData data;
  data.meta = read_metadata(file);
  ResultsMetadata& meta = data.meta;
  meta.format_version = format_version;

  const hsize_t scenario_count = length_of(file, "scenario");
  const hsize_t structures = length_of(file, "structure");
  const hsize_t months = length_of(file, "month");
  const hsize_t indicators = length_of(file, "indicator");
  if (months != static_cast<hsize_t>(std::max(meta.horizon_months, 0)))
    throw Hdf5Error("dimension 'month' has length " + std::to_string(months) +
                    " but horizon_months = " + std::to_string(meta.horizon_months));
  if (length_of(file, "quantile") != static_cast<hsize_t>(k_quantile_count))
    throw Hdf5Error("dimension 'quantile' does not have " + std::to_string(k_quantile_count) +
                    " levels");
  // cash_quantiles (or indicator_achievement_mean) is the largest variable;
  // bounding their product bounds every buffer sized from these lengths.
  hsize_t largest = 1;
  for (hsize_t factor :
       {scenario_count, structures, months, hsize_t{k_quantile_count}, indicators}) {
    if (factor != 0 && largest > k_max_variable_elements / factor)
      throw Hdf5Error("dimensions " +
                      shape_text(std::array{scenario_count, structures, months, indicators}) +
                      " are implausibly large");
    largest *= std::max<hsize_t>(factor, 1);
  }

  meta.structure_names = read_texts(file, "structure", structures);
  meta.withhold_fraction = read_vector<double>(file, "withhold_fraction", structures);
  meta.indicator_ids = read_texts(file, "indicator", indicators);
  meta.indicator_names = read_texts(file, "indicator_name", indicators);
  // A network's file has a provider axis; statistics then hold (structure,
  // provider) columns, as the tallies do.
  const bool network = require_tri(H5Lexists(file, "provider", H5P_DEFAULT), "looking for 'provider'");
  hsize_t providers = 1;
  if (network) {
    providers = length_of(file, "provider");
    if (providers == 0 || providers > k_max_variable_elements / std::max<hsize_t>(largest, 1))
      throw Hdf5Error("dimension 'provider' has an implausible length " + std::to_string(providers));
    meta.provider_ids = read_texts(file, "provider", providers);
  }
  const hsize_t columns = structures * providers;

  for (const std::string& name : link_names(file)) {
    if (is_reserved_name(name)) continue;
    H5Handle object =
        H5Handle::object(H5Oopen(file, name.c_str(), H5P_DEFAULT), "opening '" + name + "'");
    if (H5Iget_type(object.get()) != H5I_DATASET ||
        !require_tri(H5Aexists(object.get(), k_swept_key_marker), "reading '" + name + "'"))
      continue;
    object.reset();
    SweptKey swept;
    swept.key = name;
    H5Handle probe = open_variable(file, name, {scenario_count});
    H5Handle stored = H5Handle::datatype(H5Dget_type(probe.get()), "reading '" + name + "'");
    swept.is_text = H5Tget_class(stored.get()) == H5T_STRING;
    if (swept.is_text)
      swept.texts = read_texts(file, name, scenario_count);
    else
      swept.numbers = read_vector<double>(file, name, scenario_count);
    data.swept_keys.push_back(std::move(swept));
  }

  data.scenarios.resize(scenario_count);
  const std::vector<std::int64_t> runs_done =
      read_vector<std::int64_t>(file, "runs_done", scenario_count);
  for (hsize_t s = 0; s < scenario_count; ++s) {
    ScenarioResults& row = data.scenarios[s];
    row.runs_done = runs_done[s];
    row.structure_count = static_cast<int>(columns);
    row.month_count = static_cast<int>(months);
    row.indicator_count = static_cast<int>(indicators);
    row.provider_count = static_cast<int>(providers);
  }
  data.has_kept_runs = require_tri(H5Lexists(file, k_runs_group, H5P_DEFAULT), "looking for 'runs'");
  if (require_tri(H5Lexists(file, k_shard_group, H5P_DEFAULT), "looking for 'shard'")) {
    H5Handle group = H5Handle::group(H5Gopen2(file, k_shard_group, H5P_DEFAULT), "opening group 'shard'");
    data.shard.index = read_number_attribute<std::int32_t>(group.get(), "index");
    data.shard.count = read_number_attribute<std::int32_t>(group.get(), "count");
    data.shard.keep_runs = read_number_attribute<std::int32_t>(group.get(), "keep_runs") != 0;
    for (const auto& [name, list] : {std::pair{"whole_scenarios", &data.shard.whole_scenarios},
                                     std::pair{"block_scenarios", &data.shard.block_scenarios}}) {
      for (const std::int32_t s : read_vector<std::int32_t>(group.get(), name, length_of(group.get(), name))) {
        if (s < 0 || static_cast<hsize_t>(s) >= scenario_count)
          throw Hdf5Error("shard/" + std::string(name) + " names scenario " + std::to_string(s) +
                          " of " + std::to_string(scenario_count));
        list->push_back(s);
      }
    }
  }
  if (require_tri(H5Lexists(file, "target_met", H5P_DEFAULT), "looking for 'target_met'")) {
    for (const std::int8_t met : read_vector<std::int8_t>(file, "target_met", scenario_count))
      data.target_met.push_back(met);
  }
  for (const StatisticVariable& variable : statistic_variables()) {
    const bool per_provider =
        network && variable.field != &ScenarioResults::indicator_achievement_mean;
    std::vector<hsize_t> shape{scenario_count, structures};
    if (per_provider) shape.push_back(providers);
    for (Dim dim : variable.inner) {
      if (dim == Dim::month) shape.push_back(months);
      if (dim == Dim::quantile) shape.push_back(k_quantile_count);
      if (dim == Dim::indicator) shape.push_back(indicators);
    }
    H5Handle dataset = open_variable(file, variable.name, shape);
    std::vector<hsize_t> start(shape.size(), 0);
    std::vector<hsize_t> count = shape;
    count[0] = 1;
    for (hsize_t s = 0; s < scenario_count; ++s) {
      start[0] = s;
      data.scenarios[s].*variable.field = read_box<double>(
          dataset.get(), start, count, std::string("reading '") + variable.name + "'");
    }
    if (network && !per_provider) {
      // Back to [structure][provider][indicator]: the first provider's rows
      // hold the network's indicators, the others have none (NaN).
      for (ScenarioResults& row : data.scenarios) {
        std::vector<double>& values = row.*variable.field;
        std::vector<double> by_column(columns * indicators, std::numeric_limits<double>::quiet_NaN());
        for (hsize_t structure = 0; structure < structures; ++structure) {
          std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(structure * indicators), indicators,
                      by_column.begin() + static_cast<std::ptrdiff_t>(structure * providers * indicators));
        }
        values = std::move(by_column);
      }
    }
  }
  for (hsize_t s = 0; s < scenario_count; ++s) {
    ScenarioResults& row = data.scenarios[s];
    if (network) {
      H5Handle dataset = open_variable(file, k_any_shortfall, {scenario_count, structures});
      row.p_any_shortfall = read_box<double>(dataset.get(), std::vector<hsize_t>{s, 0},
                                             std::vector<hsize_t>{1, structures}, "reading 'p_any_shortfall'");
    } else {
      row.p_any_shortfall = row.p_shortfall;  // one provider: any provider is that one
    }
  }
  return data;
}

}  // namespace

fs::path results_temporary_path(const fs::path& path) {
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  return path.parent_path() / name;
}

namespace {

// Writes under a temporary name and renames over `path` when complete.
void write_atomically(const fs::path& path, const ResultsData& data, const KeptRunsSource* kept_runs,
                      const ShardBlocksSource* shard_blocks) {
  check_writable(path, data);
  silence_hdf5_error_printing();
  const fs::path temporary = results_temporary_path(path);
  // Only a temporary file this call created is removed: whatever else may
  // sit under that name is not ours.
  bool created = false;
  const auto remove_temporary = [&] {
    std::error_code ignored;
    if (created) fs::remove(temporary, ignored);
  };
  const auto fail = [&](const std::string& why) {
    remove_temporary();
    throw ResultsFileError("cannot write results file '" + path.string() + "': " + why);
  };
  try {
    {
      H5Handle file = create_results_file(temporary);
      created = true;
      {
        ResultsWriter writer(file.get(), data, path);
        writer.write(kept_runs, shard_blocks);
      }  // every object closed before the file
      file.close("closing the file");
    }
    seal_with_envelope(temporary, format_version_text());
    fs::rename(temporary, path);
  } catch (const Hdf5Error& error) {
    fail(error.what());
  } catch (const fs::filesystem_error& error) {
    fail(error.what());
  } catch (const std::system_error& error) {
    fail(error.what());
  } catch (const EnvelopeError& error) {
    fail(error.what());
  } catch (const std::bad_alloc&) {
    fail("out of memory");
  } catch (...) {
    remove_temporary();
    throw;
  }
}

}  // namespace

void write_results_file(const fs::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs) {
  write_atomically(path, data, kept_runs, nullptr);
}

void write_shard_file(const fs::path& path, const ResultsData& data, const ShardBlocksSource& blocks) {
  if (data.shard.index < 1 || data.shard.index > data.shard.count)
    refuse_to_write(path, "shard " + std::to_string(data.shard.index) + "/" +
                              std::to_string(data.shard.count) + " is not a shard");
  write_atomically(path, data, nullptr, &blocks);
}

namespace {

// What read_results_file reads, without its defences. `name` is the file as
// messages name it.
ResultsData read_unguarded(const fs::path& path, const std::string& name) {
  silence_hdf5_error_printing();
  if (H5Fis_hdf5(path.c_str()) <= 0) throw ResultsFileError(name + " is not an HDF5 file");
  try {
    H5Handle file =
        H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
    std::optional<H5Handle> format = open_attribute(file.get(), "format");
    if (!format)
      throw ResultsFileError(name + " is not a shortfall results file (no 'format' attribute)");
    const std::string format_name = read_text_value(format->get(), "format");
    if (format_name != k_format_name)
      throw ResultsFileError(name + " is a '" + format_name + "' file, not '" + k_format_name +
                             "'");
    const std::string version = read_text_attribute(file.get(), "format_version");
    const std::optional<int> major = major_version(version);
    if (!major)
      throw ResultsFileError(name + " has an unreadable format_version '" + version + "'");
    if (*major != k_format_version_major)
      throw ResultsFileError(name + " was written by format version " + version +
                             "; this shortfall reads " + std::to_string(k_format_version_major) +
                             ".x");
    return read_contents(file.get(), version);
  } catch (const Hdf5Error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::bad_alloc&) {
    throw ResultsFileError(name + " cannot be read: out of memory");
  }
}

void require_a_file(const fs::path& path, const std::string& name) {
  std::error_code error;
  if (!fs::exists(path, error)) throw ResultsFileError(name + " does not exist");
  if (!fs::is_regular_file(path, error)) throw ResultsFileError(name + " is not a file");
}

// The child's time limit: a minute and a second per 10 MB, far beyond what
// a sound file takes; SHORTFALL_READ_CHECK_SECONDS (1 to 86400) replaces it,
// for a slow file system or a test.
std::chrono::seconds read_check_limit(const fs::path& path) {
  if (const char* text = std::getenv("SHORTFALL_READ_CHECK_SECONDS")) {
    int seconds = 0;
    const char* end = text + std::strlen(text);
    const auto [stop, failure] = std::from_chars(text, end, seconds);
    if (failure == std::errc{} && stop == end && seconds >= 1 && seconds <= 86400)
      return std::chrono::seconds(seconds);
  }
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  return std::chrono::seconds(60 + (error ? 0 : size / (10u << 20)));
}

// A file without an envelope has no checksum to vouch for its bytes: HDF5
// reads it first in a child process, which may crash or hang without harm
// (HDF5 1.10.8 loops for ever in H5HG_read on some damaged files).
void check_in_child(const fs::path& path, const std::string& name) {
  const auto limit = read_check_limit(path);
  ChildCheckOutcome outcome;
  try {
    outcome = check_in_child_process([&path] { (void)read_results_file_unguarded(path); }, limit);
  } catch (const std::system_error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  }
  switch (outcome.kind) {
    case ChildCheckOutcome::Kind::passed:
      return;
    case ChildCheckOutcome::Kind::failed:
      if (outcome.message.starts_with(name)) throw ResultsFileError(outcome.message);
      throw ResultsFileError(name + " cannot be read: " + outcome.message);
    case ChildCheckOutcome::Kind::crashed:
      throw ResultsFileError(name + " cannot be read: the HDF5 library crashed reading it (" +
                             outcome.message + "): the file is damaged");
    case ChildCheckOutcome::Kind::timed_out:
      throw ResultsFileError(name + " cannot be read: reading it did not finish within " +
                             std::to_string(limit.count()) + " s: the file is damaged");
  }
}

}  // namespace

ResultsData read_results_file_unguarded(const fs::path& path) {
  const std::string name = "results file '" + path.string() + "'";
  require_a_file(path, name);
  ResultsData data = read_unguarded(path, name);
  for (const int scenario : data.shard.block_scenarios) (void)read_shard_blocks(path, scenario);
  return data;
}

ResultsData read_results_file(const fs::path& path) {
  const std::string name = "results file '" + path.string() + "'";
  require_a_file(path, name);
  std::optional<Envelope> envelope;
  try {
    envelope = verify_envelope(path, k_format_version_major);
  } catch (const EnvelopeError& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::system_error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  }
  if (!envelope) check_in_child(path, name);
  ResultsData data = read_unguarded(path, name);
  // The checksum covers the HDF5 file, not the envelope's own first line.
  if (envelope && envelope->format_version != data.meta.format_version)
    throw ResultsFileError(name + " cannot be read: its header says format version " +
                           envelope->format_version + " but the file inside says " +
                           data.meta.format_version + ": the file is damaged");
  return data;
}

std::vector<std::byte> read_shard_blocks(const fs::path& path, int scenario) {
  const std::string name = "results file '" + path.string() + "'";
  silence_hdf5_error_printing();
  try {
    H5Handle file = H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
    H5Handle group = H5Handle::group(H5Gopen2(file.get(), k_shard_group, H5P_DEFAULT),
                                     "opening group 'shard'");
    const std::string blocks = shard_blocks_name(scenario);
    const hsize_t length = length_of(group.get(), blocks);
    const std::vector<std::uint8_t> bytes = read_vector<std::uint8_t>(group.get(), blocks, length);
    std::vector<std::byte> out(bytes.size());
    if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  } catch (const Hdf5Error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::bad_alloc&) {
    throw ResultsFileError(name + " cannot be read: out of memory");
  }
}

std::vector<std::span<const std::byte>> split_shard_blocks(std::span<const std::byte> bytes,
                                                           const fs::path& path, int scenario) {
  std::vector<std::span<const std::byte>> blocks;
  std::span<const std::byte> rest = bytes;
  while (!rest.empty()) {
    const std::uint64_t size = rest.size() >= 8 ? load_le64(rest.data()) : ~std::uint64_t{0};
    if (size > rest.size() - std::min<std::size_t>(rest.size(), 8)) {
      throw ResultsFileError(
          fmt::format("{}: the blocks of scenario {} are truncated", path.string(), scenario));
    }
    blocks.push_back(rest.subspan(8, size));
    rest = rest.subspan(8 + size);
  }
  return blocks;
}

}  // namespace shortfall
