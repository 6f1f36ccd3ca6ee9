// A shard's part file (`run --shard K/N`): a results file holding the
// statistics of the scenarios the shard finished (the other rows are never
// written: chunked by scenario with NaN as the fill, they take no space and
// read as NaN), the root attribute
// `shard = "K/N"` and a group `shard`:
//
//   shard/                 attributes index (K), count (N), keep_runs (0 or 1)
//     whole_scenarios      int32 [*]: scenarios whose statistics are the file's
//     block_scenarios      int32 [*]: scenarios whose blocks the part holds
//     blocks_000017        uint8 [*]: the work on scenario 17: the merged
//                          state of the part's runs, or (with --keep-runs)
//                          its blocks, each serialised
//                          (analysis/tally_serialization.h) and framed as a
//                          record (analysis/record_framing.h)
//
// `shortfall merge` joins the parts: it takes the statistics of whole
// scenarios and finalises the others from every part's work, in shard order.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

#include "results_data.h"
#include "saved_states.h"
#include "tally.h"
#include "tally_serialization.h"

namespace shortfall {

// A shard's part file: `data` (with data.shard filled) and the blocks of
// every scenario in data.shard.block_scenarios (and with `states` the merged
// states of the scenarios it finished whole). Atomic like
// write_results_file. Throws ResultsFileError.
void write_shard_file(const std::filesystem::path& path, const ResultsData& data,
                      const ShardBlocksSource& blocks, const SavedStatesSource* states = nullptr);

// The bytes of `work` as a part file holds them: what a ShardBlocksSource
// returns for a scenario.
std::vector<std::byte> shard_blocks_bytes(std::span<const SavedWork> work);
std::vector<std::byte> shard_blocks_bytes(std::span<const BlockTally> blocks);

// The blocks a shard's part file holds for `scenario` (as written). Read the
// file with read_results_file first: that is what checks it.
std::vector<std::byte> read_shard_blocks(const std::filesystem::path& path, int scenario);

// The serialised blocks within what read_shard_blocks returned, in order.
// Throws ResultsFileError naming `path` and the scenario when a block's size
// runs past the end.
std::vector<std::span<const std::byte>> split_shard_blocks(std::span<const std::byte> bytes,
                                                           const std::filesystem::path& path,
                                                           int scenario);

}  // namespace shortfall
