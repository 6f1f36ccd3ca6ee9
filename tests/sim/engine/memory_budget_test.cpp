// The memory a study needs, against what it may use.
#include "sim/engine/memory_budget.h"

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <limits>
#include <vector>

#include "models/run_outcome.h"
#include "sim/engine/errors.h"
#include "support/scenario_fixture.h"

using namespace shortfall;

TEST_CASE("memory budget: the estimate counts sketches, blocks in flight and kept runs",
          "[memory_budget]") {
  Scenario scenario = testing::quiet_scenario();  // 3 structures, 36 months
  scenario.simulation.runs = 5000;
  const std::vector<Scenario> one{scenario};
  // 3 structures x (36 months + min, end, support) sketches; on 1 thread 4
  // blocks of 1,000 runs x 3 structures x (39 doubles and a flag).
  const std::uint64_t sketches = 3u * 39u * k_sketch_allowance;
  const std::uint64_t block = 1000u * 3u * (39u * 8u + 1u);
  CHECK(peak_memory_estimate(one, KeptPerRun::nothing, 1) == sketches + 4 * block);
  const std::uint64_t kept_block = 1000u * 3u * (39u * 8u + 1u + sizeof(RunOutcome));
  CHECK(peak_memory_estimate(one, KeptPerRun::records, 1) == sketches + 5 * kept_block + 4 * kept_block);

  SECTION("decompose keeps the values, not the records") {
    CHECK(peak_memory_estimate(one, KeptPerRun::values, 1) == sketches + 5 * block + 4 * block);
  }
  SECTION("without --keep-runs the runs do not count") {
    scenario.simulation.runs = 1'000'000'000;
    CHECK(peak_memory_estimate(std::vector<Scenario>{scenario}, KeptPerRun::nothing, 1) ==
          peak_memory_estimate(one, KeptPerRun::nothing, 1));
  }
  SECTION("a network keeps every provider's values under every structure") {
    Scenario network = scenario;
    network.network.model = NetworkModel::prime;
    network.other_providers.assign(2, static_cast<const ProviderSetup&>(scenario));
    REQUIRE(network.provider_count() == 3);
    CHECK(peak_memory_estimate(std::vector<Scenario>{network}, KeptPerRun::nothing, 1) ==
          3 * (sketches + 4 * block));
  }
  SECTION("a sweep holds at most 2 x threads + 2 scenarios at once") {
    const std::vector<Scenario> many(50, scenario);
    CHECK(peak_memory_estimate(many, KeptPerRun::nothing, 2) == 6 * sketches + 6 * block);
    const std::vector<Scenario> few(3, scenario);
    CHECK(peak_memory_estimate(few, KeptPerRun::nothing, 8) == 3 * sketches + 18 * block);
  }
  SECTION("the largest valid study is counted without wrapping around") {
    // 10^9 runs of 1,200 months on 4,096 threads: 8,194 scenarios open at once.
    scenario.simulation.runs = 1'000'000'000;
    scenario.simulation.horizon_months = 1200;
    const std::vector<Scenario> huge(100'000, scenario);
    const std::uint64_t per_run = 3u * (1203u * 8u + 1u + sizeof(RunOutcome));
    const std::uint64_t per_scenario = 3u * 1203u * k_sketch_allowance + 1'000'000'000ull * per_run;
    CHECK(peak_memory_estimate(huge, KeptPerRun::records, 4096) == per_scenario * 8194u + 1000u * per_run * 8194u);
  }
}

TEST_CASE("memory budget: a study beyond the limit is refused, naming the file", "[memory_budget]") {
  const std::uint64_t available = available_memory();
  REQUIRE(available > 0);
  Scenario scenario = testing::quiet_scenario();
  // Kept runs enough for twice what is available (capped at the loader's 10^9).
  const std::uint64_t per_run = 3 * (39 * 8 + 1 + sizeof(RunOutcome));
  scenario.simulation.runs = static_cast<std::int64_t>(
      std::min<std::uint64_t>(1'000'000'000, 2 * (available / per_run) + 1));
  const std::vector<Scenario> study{scenario};
  if (peak_memory_estimate(study, KeptPerRun::records, 1) <= available) {
    WARN("this machine has more memory than 10^9 kept runs need: nothing to refuse");
    return;
  }
  CHECK_THROWS_AS(require_memory_for(study, KeptPerRun::records, 1, "big.toml"), InputError);
  CHECK_THROWS_WITH(require_memory_for(study, KeptPerRun::records, 1, "big.toml"),
                    Catch::StartsWith("big.toml: needs about ") && Catch::Contains("use fewer runs"));
  // Without --keep-runs the same study fits.
  CHECK_NOTHROW(require_memory_for(study, KeptPerRun::nothing, 1, "big.toml"));
  scenario.simulation.runs = 1000;
  CHECK_NOTHROW(require_memory_for(std::vector<Scenario>{scenario}, KeptPerRun::records, 1, "small.toml"));
}

TEST_CASE("memory budget: sizes read as people write them", "[memory_budget]") {
  CHECK(format_bytes(94'000'000) == "94 MB");
  CHECK(format_bytes(25'300'000'000) == "25.3 GB");
  CHECK(format_bytes(28'900'000'000'000) == "28.9 TB");
}
