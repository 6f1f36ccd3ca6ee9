#include "analysis/saved_states.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include <fmt/format.h>

#include "analysis/hdf5_handles.h"
#include "analysis/hdf5_io.h"
#include "analysis/results_data.h"
#include "analysis/tally_serialization.h"

namespace shortfall {

namespace {

constexpr const char* k_state_group = "state";
constexpr hsize_t k_state_chunk = hsize_t{1} << 16;  // bytes

std::string state_name(int scenario) { return fmt::format("state_{:06}", scenario); }

}  // namespace

void write_state_group(hid_t file, int scenario_count, const SavedStatesSource& source) {
  const std::string what = "writing group 'state'";
  H5Handle group =
      H5Handle::group(H5Gcreate2(file, k_state_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), what);
  write_number_attribute<std::int32_t>(group.get(), "format_version",
                                       static_cast<std::int32_t>(k_merged_state_format_version));
  for (int scenario = 0; scenario < scenario_count; ++scenario) {
    const std::vector<std::byte> bytes = source(scenario);
    if (bytes.empty()) continue;
    const hsize_t extent[] = {bytes.size()};
    Storage storage;
    storage.chunk = {std::min<hsize_t>(bytes.size(), k_state_chunk)};
    H5Handle dataset =
        create_dataset(group.get(), state_name(scenario), H5T_STD_U8LE, extent, storage);
    write_all(dataset.get(), H5T_NATIVE_UCHAR, bytes.size(), bytes.data(), what);
  }
}

std::optional<ScenarioTally> read_saved_state(const std::filesystem::path& path, int scenario) {
  const std::string name = "results file '" + path.string() + "'";
  silence_hdf5_error_printing();
  std::vector<std::uint8_t> bytes;
  try {
    H5Handle file =
        H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
    if (!require_tri(H5Lexists(file.get(), k_state_group, H5P_DEFAULT), "looking for 'state'"))
      return std::nullopt;
    H5Handle group = H5Handle::group(H5Gopen2(file.get(), k_state_group, H5P_DEFAULT),
                                     "opening group 'state'");
    const std::string dataset = state_name(scenario);
    if (!require_tri(H5Lexists(group.get(), dataset.c_str(), H5P_DEFAULT),
                     "looking for 'state/" + dataset + "'"))
      return std::nullopt;
    bytes = read_vector<std::uint8_t>(group.get(), dataset, length_of(group.get(), dataset));
  } catch (const Hdf5Error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::bad_alloc&) {
    throw ResultsFileError(name + " cannot be read: out of memory");
  }
  std::vector<std::byte> state(bytes.size());
  if (!bytes.empty()) std::memcpy(state.data(), bytes.data(), bytes.size());
  try {
    return deserialize_scenario_tally(state);
  } catch (const std::runtime_error& error) {
    throw ResultsFileError(
        fmt::format("{}: the saved state of scenario {} is damaged: {}", name, scenario, error.what()));
  }
}

}  // namespace shortfall
