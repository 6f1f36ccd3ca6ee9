// The results file reader: checks a file against the layout
// (analysis/results_layout.h) as it reads it, so a file that is not ours, of
// an unknown major version, or damaged ends in a ResultsFileError saying
// what is wrong, never in a wrong number.
#include "results_reader.h"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>

#include "hdf5_handles.h"
#include "hdf5_io.h"
#include "results_layout.h"
#include "results_read_guard.h"
#include "shard_part.h"
#include "shard_part_hdf5.h"
#include "solve_record_hdf5.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// The major version of "M.m", or nullopt when the text is not of that form.
std::optional<int> major_version(std::string_view version) {
  int major = 0;
  const char* end = version.data() + version.size();
  const auto [next, error] = std::from_chars(version.data(), end, major);
  if (error != std::errc{} || next == version.data()) return std::nullopt;
  if (next != end && *next != '.') return std::nullopt;
  return major;
}

ResultsMetadata read_metadata(hid_t file) {
  ResultsMetadata meta;
  for (const MetadataAttribute& attribute : metadata_attributes()) {
    if (attribute.added_later && !open_attribute(file, attribute.name)) continue;
    std::visit(
        [&](auto field) {
          auto& value = meta.*field;
          using Value = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<Value, std::string>)
            value = read_text_attribute(file, attribute.name);
          else
            value = read_number_attribute<Value>(file, attribute.name);
        },
        attribute.field);
  }
  return meta;
}

// Scenario s's row of every statistic: each variable's box at s, and a
// network's non-per-provider rows put back as [structure][provider][inner].
void read_statistic_rows(hid_t file, const Extents& extents, hsize_t s, ScenarioResults& row) {
  const hsize_t columns = extents.columns();
  for (const StatisticVariable& variable : statistic_variables()) {
    std::vector<hsize_t> shape;
    for (const Dim dim : statistic_axes(variable, extents.network)) shape.push_back(extents.of(dim));
    H5Handle dataset = open_variable(file, variable.name, shape);
    std::vector<hsize_t> start(shape.size(), 0);
    std::vector<hsize_t> count = shape;
    count[0] = 1;
    start[0] = s;
    std::vector<double>& values = row.*variable.field;
    values = read_box<double>(dataset.get(), start, count,
                              std::string("reading '") + variable.name + "'");
    if (extents.network && !variable.per_provider) {
      // Back to [structure][provider][inner]: the first provider's rows hold
      // the network's values (its indicators), the others have none (NaN).
      const hsize_t width = statistic_row_size(variable, extents) / columns;
      std::vector<double> by_column(columns * width, std::numeric_limits<double>::quiet_NaN());
      for (hsize_t structure = 0; structure < extents.structure; ++structure) {
        std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(structure * width), width,
                    by_column.begin() +
                        static_cast<std::ptrdiff_t>(structure * extents.provider * width));
      }
      values = std::move(by_column);
    }
  }
  if (extents.network) {
    H5Handle dataset = open_variable(file, k_any_shortfall, {extents.scenario, extents.structure});
    row.p_any_shortfall =
        read_box<double>(dataset.get(), std::vector<hsize_t>{s, 0},
                         std::vector<hsize_t>{1, extents.structure}, "reading 'p_any_shortfall'");
  } else {
    row.p_any_shortfall = row.p_shortfall;  // one provider: any provider is that one
  }
}

ResultsData read_contents(hid_t file, const std::string& format_version, bool statistics = true) {
  ResultsData data;
  data.meta = read_metadata(file);
  ResultsMetadata& meta = data.meta;
  meta.format_version = format_version;

  const hsize_t scenario_count = length_of(file, dim_name(Dim::scenario));
  const hsize_t structures = length_of(file, dim_name(Dim::structure));
  const hsize_t months = length_of(file, dim_name(Dim::month));
  const hsize_t indicators = length_of(file, dim_name(Dim::indicator));
  if (months != static_cast<hsize_t>(std::max(meta.horizon_months, 0)))
    throw Hdf5Error("dimension 'month' has length " + std::to_string(months) +
                    " but horizon_months = " + std::to_string(meta.horizon_months));
  if (length_of(file, dim_name(Dim::quantile)) != static_cast<hsize_t>(k_quantile_count))
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

  meta.structure_names = read_texts(file, dim_name(Dim::structure), structures);
  meta.withhold_fraction = read_vector<double>(file, k_withhold_fraction, structures);
  meta.indicator_ids = read_texts(file, dim_name(Dim::indicator), indicators);
  meta.indicator_names = read_texts(file, k_indicator_name, indicators);
  // A network's file has a provider axis; statistics then hold (structure,
  // provider) columns, as the tallies do.
  const char* provider = dim_name(Dim::provider);
  const bool network =
      require_tri(H5Lexists(file, provider, H5P_DEFAULT), "looking for 'provider'");
  hsize_t providers = 1;
  if (network) {
    providers = length_of(file, provider);
    if (providers == 0 || providers > k_max_variable_elements / std::max<hsize_t>(largest, 1))
      throw Hdf5Error("dimension 'provider' has an implausible length " +
                      std::to_string(providers));
    meta.provider_ids = read_texts(file, provider, providers);
  }
  const Extents extents{scenario_count, structures, providers, months, indicators, 0, network};
  const hsize_t columns = extents.columns();

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
      read_vector<std::int64_t>(file, k_runs_done, scenario_count);
  for (hsize_t s = 0; s < scenario_count; ++s) {
    ScenarioResults& row = data.scenarios[s];
    row.runs_done = runs_done[s];
    row.structure_count = static_cast<int>(columns);
    row.month_count = static_cast<int>(months);
    row.indicator_count = static_cast<int>(indicators);
    row.provider_count = static_cast<int>(providers);
  }
  data.has_kept_runs =
      require_tri(H5Lexists(file, k_runs_group, H5P_DEFAULT), "looking for 'runs'");
  data.shard = read_shard_group(file, scenario_count);
  data.solve = read_solve_group(file, meta.structure_names.size(), scenario_count);
  if (require_tri(H5Lexists(file, k_target_met, H5P_DEFAULT), "looking for 'target_met'")) {
    for (const std::int8_t met : read_vector<std::int8_t>(file, k_target_met, scenario_count))
      data.target_met.push_back(met);
  }
  if (statistics) {
    for (hsize_t s = 0; s < scenario_count; ++s) read_statistic_rows(file, extents, s, data.scenarios[s]);
  }
  return data;
}

// What read_results_file reads, without its defences. `name` is the file as
// messages name it.
ResultsData read_unguarded(const fs::path& path, const std::string& name, bool statistics = true) {
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
    return read_contents(file.get(), version, statistics);
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

}  // namespace

ResultsData read_results_file_unguarded(const fs::path& path) {
  const std::string name = "results file '" + path.string() + "'";
  require_a_file(path, name);
  ResultsData data = read_unguarded(path, name);
  for (const int scenario : data.shard.block_scenarios) (void)read_shard_blocks(path, scenario);
  return data;
}

namespace {
ResultsData read_checked(const fs::path& path, bool statistics);
}  // namespace

ResultsData read_results_file(const fs::path& path) { return read_checked(path, true); }

ResultsData read_results_header(const fs::path& path) { return read_checked(path, false); }

ScenarioResults read_scenario_statistics(const fs::path& path, const ResultsMetadata& meta,
                                         std::size_t scenario_count, std::size_t scenario,
                                         ScenarioResults row) {
  const std::string name = "results file '" + path.string() + "'";
  if (scenario >= scenario_count)
    throw ResultsFileError(name + ": no scenario " + std::to_string(scenario));
  silence_hdf5_error_printing();
  try {
    H5Handle file =
        H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
    const Extents extents{scenario_count,
                          meta.structure_names.size(),
                          std::max<std::size_t>(meta.provider_ids.size(), 1),
                          static_cast<hsize_t>(meta.horizon_months),
                          meta.indicator_ids.size(),
                          0,
                          !meta.provider_ids.empty()};
    read_statistic_rows(file.get(), extents, scenario, row);
  } catch (const Hdf5Error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::bad_alloc&) {
    throw ResultsFileError(name + " cannot be read: out of memory");
  }
  return row;
}

namespace {

ResultsData read_checked(const fs::path& path, bool statistics) {
  const std::string name = "results file '" + path.string() + "'";
  require_a_file(path, name);
  const std::optional<Envelope> envelope = vouch_for_results_file(path, name);
  ResultsData data = read_unguarded(path, name, statistics);
  // The checksum covers the HDF5 file, not the envelope's own first line.
  if (envelope && envelope->format_version != data.meta.format_version)
    throw ResultsFileError(name + " cannot be read: its header says format version " +
                           envelope->format_version + " but the file inside says " +
                           data.meta.format_version + ": the file is damaged");
  return data;
}

}  // namespace

}  // namespace shortfall
