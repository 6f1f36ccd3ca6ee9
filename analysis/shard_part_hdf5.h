// The group `shard` of a part file (analysis/shard_part.h) inside an open
// HDF5 file: written by the results writer, read by the results reader,
// implemented in analysis/shard_part.cpp. Internal to analysis/.
#pragma once

#include <hdf5.h>

#include "results_data.h"

namespace shortfall {

// Writes the group `shard`: `shard`'s numbers and lists, and the blocks
// `source` gives for every scenario of shard.block_scenarios. Throws Hdf5Error.
void write_shard_group(hid_t file, const ShardInfo& shard, const ShardBlocksSource& source);

// The group `shard` of `file`, or an empty ShardInfo (index 0) when it has
// none. Throws Hdf5Error when the group is damaged or names a scenario
// outside [0, scenario_count).
ShardInfo read_shard_group(hid_t file, hsize_t scenario_count);

}  // namespace shortfall
