// Job-array shards (`--shard K/N`): a fixed partition of a study's work
// units, so N independent processes (a Slurm job array) each run one part and
// `shortfall merge` joins their files into the file one process would write.
//
// The units of all scenarios, in scenario order and block order within a
// scenario, are cut into N contiguous ranges of nearly equal numbers of
// units. A scenario whose range falls in one shard is finished there; one
// cut by a boundary has its blocks tallied in each shard and finalised by the
// merge. A scenario that stops on precision is never cut: where it stops is
// decided block by block in order, so all its blocks go to the shard that
// holds its first.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "models/scenario.h"

namespace shortfall {

struct ShardSpec {
  int index = 1;  // K, from 1 (as $SLURM_ARRAY_TASK_ID)
  int count = 1;  // N
};

// "K/N" with 1 <= K <= N <= 100000; InputError naming --shard otherwise.
ShardSpec parse_shard(const std::string& text);

// A shard's part of one scenario: blocks [first_block, end_block) of its
// k_runs_per_block runs each.
struct ScenarioShare {
  int scenario = 0;
  std::int64_t first_block = 0;
  std::int64_t end_block = 0;
  bool whole = false;  // every block of the scenario: finished in this shard
};

// Blocks of a scenario: ceil(most_runs / k_runs_per_block).
std::int64_t block_count(const Scenario& scenario);

// The scenarios (in order) with work in shard `shard`; possibly none.
std::vector<ScenarioShare> shard_work(std::span<const Scenario> scenarios, ShardSpec shard);

}  // namespace shortfall
