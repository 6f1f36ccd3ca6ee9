#include "sim/engine/shard.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "sim/engine/engine.h"
#include "sim/engine/errors.h"

namespace shortfall {

namespace {

// More shards than this is a typo, not a job array (Slurm's default
// MaxArraySize is 1001).
constexpr int k_max_shards = 100000;

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  ShardSpec shard;
  bool parsed = slash != std::string::npos;
  if (parsed) {
    const char* begin = text.data();
    const char* middle = begin + slash;
    const char* end = begin + text.size();
    const auto [k_end, k_error] = std::from_chars(begin, middle, shard.index);
    const auto [n_end, n_error] = std::from_chars(middle + 1, end, shard.count);
    parsed = k_error == std::errc() && k_end == middle && n_error == std::errc() && n_end == end;
  }
  if (!parsed || shard.count < 1 || shard.count > k_max_shards || shard.index < 1 ||
      shard.index > shard.count) {
    throw InputError(fmt::format(
        "--shard {}: expected K/N with 1 <= K <= N <= {} (e.g. --shard $SLURM_ARRAY_TASK_ID/16)",
        text, k_max_shards));
  }
  return shard;
}

std::int64_t block_count(const Scenario& scenario) {
  const std::int64_t runs = scenario.simulation.most_runs();
  return (runs + k_runs_per_block - 1) / k_runs_per_block;
}

std::vector<ScenarioShare> shard_work(std::span<const Scenario> scenarios, ShardSpec shard) {
  std::int64_t total = 0;
  for (const auto& scenario : scenarios) total += block_count(scenario);
  // Shard k (from 0) holds unit positions [start(k), start(k + 1)). At most
  // 10^6 points of 10^6 blocks times 10^5 shards: the product fits 64 bits.
  const auto start = [&](std::int64_t k) { return total * k / shard.count; };
  const std::int64_t low = start(shard.index - 1);
  const std::int64_t high = start(shard.index);

  std::vector<ScenarioShare> work;
  std::int64_t position = 0;  // of the scenario's first block
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    const std::int64_t blocks = block_count(scenarios[s]);
    ScenarioShare share{static_cast<int>(s), 0, 0, false};
    if (scenarios[s].simulation.stops_on_precision()) {
      // Indivisible: wherever its first block falls.
      if (position >= low && position < high) share.end_block = blocks;
    } else {
      share.first_block = std::clamp(low - position, std::int64_t{0}, blocks);
      share.end_block = std::clamp(high - position, std::int64_t{0}, blocks);
    }
    share.whole = share.first_block == 0 && share.end_block == blocks;
    if (share.end_block > share.first_block) work.push_back(share);
    position += blocks;
  }
  return work;
}

}  // namespace shortfall
