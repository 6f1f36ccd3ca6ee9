// A shard's part file: its blocks as bytes (the layout part files on disk
// already have), split back with a clear error when cut short, and a part
// written and read back whole.
#include "analysis/shard_part.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/byte_codec.h"
#include "analysis/results_file.h"
#include "analysis/tally_serialization.h"
#include "support/results_fixture.h"
#include "support/scratch_folder.h"

using namespace shortfall;
namespace fs = std::filesystem;

namespace {

constexpr TallyShape k_shape{2, 3, 1, true};

// A complete block of made-up runs, every run in order, structure 0 first.
BlockTally made_up_block(std::int64_t first_run, int run_count) {
  BlockTally block(k_shape, first_run, run_count);
  for (int j = 0; j < run_count; ++j) {
    const double run = static_cast<double>(first_run + j);
    for (int s = 0; s < k_shape.structures; ++s) {
      const std::vector<double> cash{1000.0 + run, -5.0 * s, 250.25 * run - 40.0 * s};
      RunOutcome outcome;
      outcome.min_cash = -5.0 * s;
      outcome.shortfall = s > 0;
      outcome.first_shortfall_month = s > 0 ? 2 : 0;
      outcome.months_in_shortfall = s > 0 ? 1 : 0;
      outcome.end_cash = cash.back();
      outcome.support = 5.0 * s;
      outcome.pot = 600.0;
      outcome.earned = 10.0 * run;
      outcome.earned_fraction = outcome.earned / outcome.pot;
      const std::vector<double> achievement{0.125 * s + 0.01 * run};
      block.record(s, j, outcome, cash, achievement);
    }
  }
  return block;
}

// A fresh, empty folder per test case.
class ScratchFolder : public testing::ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& name) : testing::ScratchFolder("shard_part_test", name) {}
};

// Shard 1 of 2 of a two-scenario study: scenario 0 whole, scenario 1 in part.
ResultsData part_data() {
  ResultsData data;
  data.meta.seed = 7;
  data.meta.runs = 5;
  data.meta.horizon_months = k_shape.months;
  data.meta.structure_names = {"bonus", "withhold"};
  data.meta.withhold_fraction = {0.0, 1.0};
  data.meta.indicator_ids = {"access"};
  data.meta.indicator_names = {"Access within 18 weeks"};
  for (int s = 0; s < 2; ++s) {
    double next = 1.0 + s;
    ScenarioResults row = testing::filled_results(
        k_shape.structures, k_shape.months, k_shape.indicators, [&next] { return next += 0.5; });
    row.runs_done = s == 0 ? 5 : 0;
    data.scenarios.push_back(row);
  }
  data.shard = {1, 2, false, {0}, {1}};
  return data;
}

}  // namespace

TEST_CASE("shard part: blocks are serialised and framed one after the other", "[shard_part]") {
  const std::vector<BlockTally> blocks{made_up_block(0, 3), made_up_block(3, 2)};
  const std::vector<std::byte> bytes = shard_blocks_bytes(blocks);

  // What `run --shard` has always written: u64 size little-endian, then the
  // serialised block, for each block.
  std::vector<std::byte> expected;
  for (const BlockTally& block : blocks) {
    const std::vector<std::byte> serialized = serialize(block);
    append_le64(expected, serialized.size());
    expected.insert(expected.end(), serialized.begin(), serialized.end());
  }
  CHECK(bytes == expected);

  const auto split = split_shard_blocks(bytes, "part-1.h5", 1);
  REQUIRE(split.size() == 2);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const BlockTally read = deserialize_block_tally(split[b]);
    CHECK(serialize(read) == serialize(blocks[b]));
  }
  CHECK(shard_blocks_bytes(std::span<const BlockTally>{}).empty());
  CHECK(split_shard_blocks({}, "part-1.h5", 1).empty());
}

TEST_CASE("shard part: blocks cut short are refused, naming the file and the scenario",
          "[shard_part]") {
  const std::vector<BlockTally> blocks{made_up_block(0, 3), made_up_block(3, 2)};
  const std::vector<std::byte> bytes = shard_blocks_bytes(blocks);
  const std::size_t first = 8 + serialize(blocks[0]).size();
  for (const std::size_t cut : {std::size_t{3}, first + 5, bytes.size() - 1}) {
    INFO("cut to " << cut << " of " << bytes.size() << " bytes");
    CHECK_THROWS_AS(split_shard_blocks(std::span(bytes).first(cut), "part-1.h5", 17),
                    ResultsFileError);
    CHECK_THROWS_WITH(split_shard_blocks(std::span(bytes).first(cut), "part-1.h5", 17),
                      Catch::Equals("part-1.h5: the blocks of scenario 17 are truncated"));
  }
}

TEST_CASE("shard part: a part file is written and read back", "[shard_part]") {
  const ScratchFolder scratch("round_trip");
  const fs::path path = scratch.path() / "part-1.h5";
  const std::vector<BlockTally> blocks{made_up_block(0, 2), made_up_block(2, 2)};
  const ResultsData data = part_data();
  write_shard_file(path, data, [&](int scenario) {
    REQUIRE(scenario == 1);
    return shard_blocks_bytes(blocks);
  });

  const ResultsData read = read_results_file(path);
  CHECK(read.shard.index == 1);
  CHECK(read.shard.count == 2);
  CHECK(!read.shard.keep_runs);
  CHECK(read.shard.whole_scenarios == std::vector<int>{0});
  CHECK(read.shard.block_scenarios == std::vector<int>{1});
  CHECK(read_shard_blocks(path, 1) == shard_blocks_bytes(blocks));
  CHECK_THROWS_AS(read_shard_blocks(path, 0), ResultsFileError);  // scenario 0 is whole
  // Only the file itself is left: no temporary beside it.
  CHECK(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator{}) == 1);
}

TEST_CASE("shard part: a part that is not a shard's is refused before anything is written",
          "[shard_part]") {
  const ScratchFolder scratch("not_a_shard");
  const fs::path path = scratch.path() / "part.h5";
  ResultsData data = part_data();
  for (const auto& [index, count] : {std::pair{0, 2}, std::pair{3, 2}}) {
    data.shard.index = index;
    data.shard.count = count;
    CHECK_THROWS_WITH(write_shard_file(path, data, [](int) { return std::vector<std::byte>{}; }),
                      Catch::Contains(path.string()) && Catch::Contains("is not a shard"));
  }
  CHECK(fs::is_empty(scratch.path()));
}
