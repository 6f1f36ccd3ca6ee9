#include "shard_part.h"

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "hdf5_handles.h"
#include "hdf5_io.h"
#include "record_framing.h"
#include "results_layout.h"
#include "results_writer.h"
#include "shard_part_hdf5.h"
#include "tally_serialization.h"

namespace shortfall {

namespace fs = std::filesystem;

void write_shard_group(hid_t file, const ShardInfo& shard, const ShardBlocksSource& source) {
  const std::string what = "writing group 'shard'";
  H5Handle group =
      H5Handle::group(H5Gcreate2(file, k_shard_group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), what);
  write_number_attribute<std::int32_t>(group.get(), "index", shard.index);
  write_number_attribute<std::int32_t>(group.get(), "count", shard.count);
  write_number_attribute<std::int32_t>(group.get(), "keep_runs", shard.keep_runs ? 1 : 0);
  for (const auto& [name, list] : {std::pair{k_whole_scenarios, &shard.whole_scenarios},
                                   std::pair{k_block_scenarios, &shard.block_scenarios}}) {
    const hsize_t extent[] = {list->size()};
    H5Handle dataset = create_dataset(group.get(), name, H5T_STD_I32LE, extent);
    write_all(dataset.get(), H5T_NATIVE_INT32, list->size(), list->data(), what);
  }
  for (const int scenario : shard.block_scenarios) {
    const std::vector<std::byte> bytes = source(scenario);
    const hsize_t extent[] = {bytes.size()};
    H5Handle dataset =
        create_dataset(group.get(), shard_blocks_name(scenario), H5T_STD_U8LE, extent);
    write_all(dataset.get(), H5T_NATIVE_UCHAR, bytes.size(), bytes.data(), what);
  }
}

ShardInfo read_shard_group(hid_t file, hsize_t scenario_count) {
  ShardInfo shard;
  if (!require_tri(H5Lexists(file, k_shard_group, H5P_DEFAULT), "looking for 'shard'"))
    return shard;
  H5Handle group =
      H5Handle::group(H5Gopen2(file, k_shard_group, H5P_DEFAULT), "opening group 'shard'");
  shard.index = read_number_attribute<std::int32_t>(group.get(), "index");
  shard.count = read_number_attribute<std::int32_t>(group.get(), "count");
  shard.keep_runs = read_number_attribute<std::int32_t>(group.get(), "keep_runs") != 0;
  for (const auto& [name, list] : {std::pair{k_whole_scenarios, &shard.whole_scenarios},
                                   std::pair{k_block_scenarios, &shard.block_scenarios}}) {
    for (const std::int32_t s :
         read_vector<std::int32_t>(group.get(), name, length_of(group.get(), name))) {
      if (s < 0 || static_cast<hsize_t>(s) >= scenario_count)
        throw Hdf5Error("shard/" + std::string(name) + " names scenario " + std::to_string(s) +
                        " of " + std::to_string(scenario_count));
      list->push_back(s);
    }
  }
  return shard;
}

void write_shard_file(const fs::path& path, const ResultsData& data,
                      const ShardBlocksSource& blocks, const SavedStatesSource* states) {
  if (data.shard.index < 1 || data.shard.index > data.shard.count)
    throw ResultsFileError("cannot write results file '" + path.string() + "': shard " +
                           std::to_string(data.shard.index) + "/" +
                           std::to_string(data.shard.count) + " is not a shard");
  results_detail::write_results_file(path, data, nullptr, &blocks, states);
}

std::vector<std::byte> shard_blocks_bytes(std::span<const SavedWork> work) {
  std::vector<std::byte> bytes;
  for (const SavedWork& piece : work) append_record(bytes, serialize(piece));
  return bytes;
}

std::vector<std::byte> shard_blocks_bytes(std::span<const BlockTally> blocks) {
  std::vector<std::byte> bytes;
  for (const BlockTally& block : blocks) append_record(bytes, serialize(block));
  return bytes;
}

std::vector<std::byte> read_shard_blocks(const fs::path& path, int scenario) {
  const std::string name = "results file '" + path.string() + "'";
  silence_hdf5_error_printing();
  try {
    H5Handle file =
        H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
    H5Handle group =
        H5Handle::group(H5Gopen2(file.get(), k_shard_group, H5P_DEFAULT), "opening group 'shard'");
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
  try {
    return split_records(bytes);
  } catch (const RecordError&) {
    throw ResultsFileError(
        fmt::format("{}: the blocks of scenario {} are truncated", path.string(), scenario));
  }
}

}  // namespace shortfall
