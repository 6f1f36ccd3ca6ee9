// Job-array shards: a fixed partition of the work units.
#include "sim/engine/shard.h"

#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "support/scenario_fixture.h"

using namespace shortfall;
using Catch::Matchers::Contains;
using shortfall::testing::quiet_scenario;

namespace {

std::vector<Scenario> study_of(const std::vector<std::int64_t>& runs,
                               const std::vector<bool>& stopping = {}) {
  std::vector<Scenario> study;
  for (std::size_t s = 0; s < runs.size(); ++s) {
    Scenario scenario = quiet_scenario();
    scenario.simulation.runs = runs[s];
    if (s < stopping.size() && stopping[s]) {
      scenario.simulation.target_halfwidth = 0.01;
      scenario.simulation.min_runs = 1000;
      scenario.simulation.max_runs = runs[s];
    }
    study.push_back(scenario);
  }
  return study;
}

}  // namespace

TEST_CASE("the shard option K/N is parsed with K from 1", "[shard]") {
  CHECK(parse_shard("1/1").index == 1);
  CHECK(parse_shard("3/16").count == 16);
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/3x", "", "2/100001"}) {
    INFO(bad);
    REQUIRE_THROWS_AS(parse_shard(bad), InputError);
    REQUIRE_THROWS_WITH(parse_shard(bad), Contains("expected K/N with 1 <= K <= N"));
  }
}

TEST_CASE("shards cover every block once, in contiguous balanced ranges", "[shard]") {
  // 5 scenarios of 3, 1, 7, 2 and 4 blocks (the last one partial: 3,500 runs).
  const auto study = study_of({3000, 1000, 7000, 2000, 3500});
  REQUIRE(block_count(study[4]) == 4);
  const std::int64_t total = 3 + 1 + 7 + 2 + 4;
  for (int count : {1, 2, 3, 5, 17, 40}) {
    INFO(count << " shards");
    std::map<std::pair<int, std::int64_t>, int> owner;  // (scenario, block) -> shard
    for (int k = 1; k <= count; ++k) {
      std::int64_t blocks = 0;
      for (const auto& share : shard_work(study, {k, count})) {
        REQUIRE(share.first_block < share.end_block);
        CHECK(share.whole ==
              (share.first_block == 0 && share.end_block == block_count(study[share.scenario])));
        for (std::int64_t b = share.first_block; b < share.end_block; ++b) {
          REQUIRE(owner.emplace(std::pair{share.scenario, b}, k).second);  // nowhere else
          ++blocks;
        }
      }
      // Balanced: floor or ceiling of total / count.
      CHECK(blocks >= total / count);
      CHECK(blocks <= (total + count - 1) / count);
    }
    CHECK(static_cast<std::int64_t>(owner.size()) == total);
    // Contiguous: in (scenario, block) order the owning shard never decreases.
    int previous = 1;
    for (const auto& [unit, k] : owner) {
      CHECK(k >= previous);
      previous = k;
    }
  }
}

TEST_CASE("a scenario that stops on precision is never cut", "[shard]") {
  const auto study = study_of({4000, 9000, 2000}, {false, true, false});
  for (int count : {2, 3, 7, 15}) {
    int holders = 0;
    for (int k = 1; k <= count; ++k) {
      for (const auto& share : shard_work(study, {k, count})) {
        if (share.scenario != 1) continue;
        ++holders;
        CHECK(share.whole);
      }
    }
    CHECK(holders == 1);
  }
}
