// The results file writer (docs/model.md section 7): HDF5 written
// through the C API so that netCDF-4 readers (ncdump, xarray with h5netcdf)
// see named dimensions with no extra code.
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
#include "results_writer.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cstdint>
#include <limits>
#include <new>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>

#include "atomic_file.h"
#include "decomposition_hdf5.h"
#include "hdf5_handles.h"
#include "hdf5_io.h"
#include "results_envelope.h"
#include "results_layout.h"
#include "shard_part_hdf5.h"
#include "solve_record_hdf5.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------
// Checks of the data, before anything touches the disk.

[[noreturn]] void refuse_to_write(const fs::path& path, const std::string& why) {
  throw ResultsFileError("cannot write results file '" + path.string() + "': " + why);
}

// The file's dimensions for `data` (the run axis is set when the runs are
// written).
Extents extents_of_data(const ResultsData& data) {
  Extents extents;
  extents.scenario = data.scenarios.size();
  extents.structure = data.meta.structure_names.size();
  extents.network = !data.meta.provider_ids.empty();
  extents.provider = extents.network ? data.meta.provider_ids.size() : 1;
  extents.month = static_cast<hsize_t>(data.meta.horizon_months);
  extents.indicator = data.meta.indicator_ids.size();
  return extents;
}

// A row's statistics hold the values the file's shape asks for.
void check_row_statistics(const fs::path& path, const ScenarioResults& row, std::size_t s,
                          const Extents& extents) {
  const std::string where = "scenario " + std::to_string(s) + ": ";
  if (row.p_any_shortfall.size() != extents.structure)
    refuse_to_write(path, where + "'p_any_shortfall' holds " +
                              std::to_string(row.p_any_shortfall.size()) + " values, expected " +
                              std::to_string(extents.structure));
  for (const StatisticVariable& variable : statistic_variables()) {
    const std::size_t expected = statistic_row_size(variable, extents);
    const std::size_t actual = (row.*variable.field).size();
    if (actual != expected)
      refuse_to_write(path, where + "'" + variable.name + "' holds " + std::to_string(actual) +
                                " values, expected " + std::to_string(expected));
  }
}

// With rows_streamed the rows of data.scenarios give the shape and runs_done
// only; their statistics come from a ScenarioRowSource and are checked as
// they are written.
void check_writable(const fs::path& path, const ResultsData& data, bool rows_streamed) {
  const ResultsMetadata& meta = data.meta;
  const auto providers = std::max<std::size_t>(meta.provider_ids.size(), 1);
  const auto structures = meta.structure_names.size();
  const auto columns = structures * providers;  // (structure, provider) pairs, TallyShape
  const auto indicators = meta.indicator_ids.size();
  const int months = meta.horizon_months;
  const auto scenario_count = data.scenarios.size();
  const Extents extents = extents_of_data(data);

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
    if (!rows_streamed) check_row_statistics(path, row, s, extents);
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

  if (data.solve && (data.solve->answers.size() != structures ||
                     data.solve->evaluation.size() != scenario_count))
    refuse_to_write(path, "the solve's answers are not one per structure and its evaluation "
                          "order one per scenario");
  if (!data.target_met.empty() && data.target_met.size() != scenario_count)
    refuse_to_write(path, "target_met has " + std::to_string(data.target_met.size()) +
                              " values for " + std::to_string(scenario_count) + " scenarios");
  if (const auto mismatch = decomposition_mismatch(data, extents)) refuse_to_write(path, *mismatch);
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

// The netCDF (CF) description of a variable.
void write_description(hid_t object, const std::string& long_name, const char* units) {
  write_text_attribute(object, "long_name", long_name);
  if (units != nullptr) write_text_attribute(object, "units", units);
}

// ---------------------------------------------------------------------------
// The writer.

class ResultsWriter {
 public:
  ResultsWriter(hid_t file, const ResultsData& data, const fs::path& path,
                const ScenarioRowSource* rows = nullptr)
      : file_(file), data_(data), path_(path), extents_(extents_of_data(data)), rows_(rows) {}

  void write(const KeptRunsSource* kept_runs, const ShardBlocksSource* shard_blocks = nullptr,
             const SavedStatesSource* states = nullptr) {
    write_root_attributes();
    write_dimensions();
    write_swept_keys();
    write_statistics();
    if (kept_runs != nullptr) write_kept_runs(*kept_runs);
    if (shard_blocks != nullptr) write_shard_group(file_, data_.shard, *shard_blocks);
    if (states != nullptr) write_state_group(file_, static_cast<int>(scenarios()), *states);
    if (data_.solve) write_solve_group(file_, *data_.solve, structure_scale_.get(), scenario_scale_.get());
    if (!data_.decompositions.empty())
      write_decomposition_group(file_, data_, extents_, [this](Dim dim) { return scale(dim); });
  }

 private:
  hsize_t scenarios() const { return extents_.scenario; }
  hsize_t structures() const { return extents_.structure; }
  // A network file has a `provider` axis after `structure`; a single
  // provider's has none. Results and tallies hold (structure, provider)
  // columns, structure-major, which is that axis order.
  bool network() const { return extents_.network; }
  hsize_t providers() const { return extents_.provider; }
  hsize_t columns() const { return extents_.columns(); }
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
  hsize_t months() const { return extents_.month; }

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

  // Creates a variable over `dims` and attaches each axis's scale.
  H5Handle create_variable(hid_t location, const std::string& name, hid_t stored_type,
                           const std::vector<Dim>& dims, const Storage& storage = {}) {
    std::vector<hsize_t> extents;
    for (Dim dim : dims) extents.push_back(extents_.of(dim));
    H5Handle dataset = create_dataset(location, name, stored_type, extents, storage);
    for (std::size_t axis = 0; axis < dims.size(); ++axis)
      require(H5DSattach_scale(dataset.get(), scale(dims[axis]), static_cast<unsigned>(axis)),
              "attaching dimension '" + std::string(dim_name(dims[axis])) + "' to '" + name + "'");
    return dataset;
  }

  // A dimension: a 1-D coordinate variable made a dimension scale.
  H5Handle create_dimension(hid_t location, Dim dim, hid_t stored_type) {
    const std::string name = dim_name(dim);
    const hsize_t extents[] = {extents_.of(dim)};
    H5Handle dataset = create_dataset(location, name, stored_type, extents);
    require(H5DSset_scale(dataset.get(), name.c_str()), "making '" + name + "' a dimension scale");
    return dataset;
  }

  void write_root_attributes() {
    write_text_attribute(file_, "format", k_format_name);
    write_text_attribute(file_, "format_version", format_version_text());
    for (const MetadataAttribute& attribute : metadata_attributes()) {
      std::visit(
          [&](auto field) {
            const auto& value = data_.meta.*field;
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
              write_text_attribute(file_, attribute.name, value);
            else
              write_number_attribute(file_, attribute.name, value);
          },
          attribute.field);
    }
    if (data_.shard.index > 0) {  // a shard's part (analysis/shard_part.h)
      write_text_attribute(
          file_, "shard",
          std::to_string(data_.shard.index) + "/" + std::to_string(data_.shard.count));
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
        create_variable(file_, k_withhold_fraction, H5T_IEEE_F64LE, {Dim::structure});
    write_all(fraction.get(), H5T_NATIVE_DOUBLE, meta.withhold_fraction.size(),
              meta.withhold_fraction.data(), "writing 'withhold_fraction'");
    write_description(fraction.get(), "share of the outcome money withheld from the start", "1");

    H5Handle names = create_variable(file_, k_indicator_name, text.get(), {Dim::indicator});
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
  // Scenario s's row of one statistic variable.
  void write_row(hid_t dataset, const StatisticVariable& variable, hsize_t s,
                 const ScenarioResults& results) {
    const std::vector<Dim> dims = statistic_axes(variable, network());
    std::vector<hsize_t> start(dims.size(), 0);
    std::vector<hsize_t> count;
    for (Dim dim : dims) count.push_back(extents_.of(dim));
    count[0] = 1;
    start[0] = s;
    const std::vector<double>& row = results.*variable.field;
    const double* values = row.data();
    std::vector<double> first_provider_rows;
    if (!variable.per_provider && network()) {
      // The network's values sit with each structure's first provider.
      const std::size_t width = row.size() / columns();
      for (hsize_t structure = 0; structure < structures(); ++structure) {
        const auto from = row.begin() + static_cast<std::ptrdiff_t>(structure * providers() * width);
        first_provider_rows.insert(first_provider_rows.end(), from,
                                   from + static_cast<std::ptrdiff_t>(width));
      }
      values = first_provider_rows.data();
    }
    write_box(dataset, H5T_NATIVE_DOUBLE, start, count, values,
              std::string("writing '") + variable.name + "'");
  }

  void write_any_shortfall(hid_t dataset, hsize_t s, const ScenarioResults& results) {
    write_box(dataset, H5T_NATIVE_DOUBLE, std::vector<hsize_t>{s, 0},
              std::vector<hsize_t>{1, structures()}, results.p_any_shortfall.data(),
              "writing 'p_any_shortfall'");
  }

  void write_statistics() {
    // Every statistic variable, then each scenario's row of each: written
    // scenario by scenario from a row source (a merge, which holds one row
    // at a time), variable by variable from rows in memory.
    // A shard's part holds only the rows of the points it ran: its variables
    // are chunked by scenario with NaN as the fill, and the other rows are
    // never written, so they take no space (and read as NaN, as a point not
    // run is).
    const bool part = data_.shard.index > 0;
    const auto storage_of = [&](const std::vector<Dim>& dims) {
      Storage storage;
      if (!part) return storage;
      for (Dim dim : dims) storage.chunk.push_back(dim == Dim::scenario ? 1 : extents_.of(dim));
      storage.fill_value = std::numeric_limits<double>::quiet_NaN();
      return storage;
    };
    std::vector<H5Handle> datasets;
    for (const StatisticVariable& variable : statistic_variables()) {
      const std::vector<Dim> dims = statistic_axes(variable, network());
      datasets.push_back(create_variable(file_, variable.name, H5T_IEEE_F64LE, dims, storage_of(dims)));
      write_description(datasets.back().get(), variable.long_name, variable.units);
    }
    std::optional<H5Handle> any;
    if (network()) {
      const std::vector<Dim> dims{Dim::scenario, Dim::structure};
      any = create_variable(file_, k_any_shortfall, H5T_IEEE_F64LE, dims, storage_of(dims));
      write_description(any->get(),
                        "probability that any provider of the network has a cash shortfall", "1");
    }
    const auto& variables = statistic_variables();
    if (rows_ != nullptr) {
      for (hsize_t s = 0; s < scenarios(); ++s) {
        const ScenarioResults row = (*rows_)(s);
        check_row_statistics(path_, row, s, extents_);
        for (std::size_t v = 0; v < variables.size(); ++v) write_row(datasets[v].get(), variables[v], s, row);
        if (any) write_any_shortfall(any->get(), s, row);
      }
    } else {
      std::vector<bool> written(scenarios(), !part);
      for (const int s : data_.shard.whole_scenarios) written.at(static_cast<std::size_t>(s)) = true;
      for (std::size_t v = 0; v < variables.size(); ++v) {
        for (hsize_t s = 0; s < scenarios(); ++s)
          if (written[s]) write_row(datasets[v].get(), variables[v], s, data_.scenarios[s]);
      }
      if (any) {
        for (hsize_t s = 0; s < scenarios(); ++s)
          if (written[s]) write_any_shortfall(any->get(), s, data_.scenarios[s]);
      }
    }
    datasets.clear();
    any.reset();

    H5Handle runs_done = create_variable(file_, k_runs_done, H5T_STD_I64LE, {Dim::scenario});
    std::vector<std::int64_t> done;
    for (const ScenarioResults& row : data_.scenarios) done.push_back(row.runs_done);
    write_all(runs_done.get(), H5T_NATIVE_INT64, done.size(), done.data(), "writing 'runs_done'");
    write_description(runs_done.get(), "runs done in the scenario", "1");

    if (!data_.target_met.empty()) {
      H5Handle met = create_variable(file_, k_target_met, H5T_STD_I8LE, {Dim::scenario});
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
    extents_.run = 0;
    for (const ScenarioResults& row : data_.scenarios)
      extents_.run = std::max(extents_.run, static_cast<hsize_t>(row.runs_done));

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

    const hsize_t record_chunk = std::min<hsize_t>(std::max<hsize_t>(extents_.run, 1), 4096);
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
    const hsize_t cash_chunk = std::min<hsize_t>(std::max<hsize_t>(extents_.run, 1), 1024);
    Storage cash_storage{{1, 1, cash_chunk, months()}};
    if (network()) cash_storage.chunk.insert(cash_storage.chunk.begin() + 1, 1);
    H5Handle cash = create_variable(group.get(), "cash", H5T_IEEE_F64LE,
                                    axes({Dim::run, Dim::month}), cash_storage);
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
    for (hsize_t first = 0; first < extents_.run; first += k_piece) {
      const hsize_t count = std::min(k_piece, extents_.run - first);
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
  H5Handle create_run_record(hid_t group, const RunRecordVariable& variable, Member RunOutcome::*,
                             const Storage& storage) {
    using Stored = StoredType<Member>;
    H5Handle dataset =
        create_variable(group, variable.name, H5Types<Stored>::stored(), axes({Dim::run}), storage);
    write_description(dataset.get(), variable.long_name, variable.units);
    return dataset;
  }

  // One scenario's rows of a per-run variable, written block by block from
  // the tally's RunOutcome records through a block-sized buffer.
  template <class Member>
  void write_run_record(hid_t dataset, const RunRecordVariable& variable, Member RunOutcome::*field,
                        hsize_t s, const ScenarioTally& tally) {
    using Stored = StoredType<Member>;
    const std::string what = std::string("writing 'runs/") + variable.name + "'";
    std::vector<Stored> buffer;
    for (hsize_t structure = 0; structure < columns(); ++structure) {
      for (const BlockTally& block : tally.blocks()) {
        const auto runs = static_cast<std::size_t>(block.run_count());
        buffer.resize(runs);
        const RunOutcome* outcomes = block.outcomes.data() + structure * runs;
        for (std::size_t j = 0; j < runs; ++j) buffer[j] = static_cast<Stored>(outcomes[j].*field);
        write_box(dataset, H5Types<Stored>::memory(),
                  run_start(s, structure, run_offset(tally, block)), run_count(runs), buffer.data(),
                  what);
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
    if (first_missing >= extents_.run) return;
    const std::vector<Stored> fill(std::min(k_piece_runs, extents_.run - first_missing) * per_run,
                                   value);
    for (hsize_t first = first_missing; first < extents_.run; first += k_piece_runs) {
      const hsize_t runs = std::min(k_piece_runs, extents_.run - first);
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
  Extents extents_;       // `run` is set by write_kept_runs
  const ScenarioRowSource* rows_;  // the statistics' rows, when not in data_.scenarios
  H5Handle scenario_scale_, structure_scale_, provider_scale_, month_scale_, quantile_scale_,
      indicator_scale_;
  H5Handle run_scale_;
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

}  // namespace

fs::path results_temporary_path(const fs::path& path) {
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  return path.parent_path() / name;
}

namespace results_detail {

// Written under a temporary name, sealed (and synced: seal_with_envelope)
// and renamed over `path` when complete.
void write_results_file(const fs::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs, const ShardBlocksSource* shard_blocks,
                        const SavedStatesSource* states, const ScenarioRowSource* rows) {
  check_writable(path, data, rows != nullptr);
  silence_hdf5_error_printing();
  const auto fail = [&](const std::string& why) {
    throw ResultsFileError("cannot write results file '" + path.string() + "': " + why);
  };
  // Uncommitted, it removes the temporary once adopted: only a file this
  // call created, never whatever else sits under that name.
  AtomicFile atomic(path, results_temporary_path(path));
  try {
    {
      H5Handle file = create_results_file(atomic.temporary());
      atomic.adopt_temporary();
      {
        ResultsWriter writer(file.get(), data, path, rows);
        writer.write(kept_runs, shard_blocks, states);
      }  // every object closed before the file
      file.close("closing the file");
    }
    seal_with_envelope(atomic.temporary(), format_version_text());
    try {
      atomic.commit();
    } catch (const AtomicFileError& error) {
      // In the words std::filesystem::rename gave this message before.
      fail(fs::filesystem_error("cannot rename", atomic.temporary(), path, error.code()).what());
    }
  } catch (const Hdf5Error& error) {
    fail(error.what());
  } catch (const std::system_error& error) {  // AtomicFileError, the envelope's I/O
    fail(error.what());
  } catch (const EnvelopeError& error) {
    fail(error.what());
  } catch (const std::bad_alloc&) {
    fail("out of memory");
  }
}

}  // namespace results_detail

void write_results_file(const fs::path& path, const ResultsData& data,
                        const KeptRunsSource* kept_runs, const SavedStatesSource* states,
                        const ScenarioRowSource* rows) {
  results_detail::write_results_file(path, data, kept_runs, nullptr, states, rows);
}

}  // namespace shortfall
