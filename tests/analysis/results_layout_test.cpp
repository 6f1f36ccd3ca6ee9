// The layout table that writer and reader share: the axes of a statistic,
// the names a swept key may not take, the root attributes and the shard
// blocks' names.
#include "analysis/results_layout.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

using namespace shortfall;

namespace {

const StatisticVariable& statistic(const std::string& name) {
  for (const StatisticVariable& variable : statistic_variables())
    if (name == variable.name) return variable;
  FAIL("no statistic " << name);
  return statistic_variables().front();  // not reached: FAIL throws
}

}  // namespace

TEST_CASE("results layout: a statistic's axes, with and without a provider axis",
          "[results_layout]") {
  const StatisticVariable& cash = statistic("cash_quantiles");
  CHECK(statistic_axes(cash, false) ==
        std::vector<Dim>{Dim::scenario, Dim::structure, Dim::month, Dim::quantile});
  CHECK(statistic_axes(cash, true) ==
        std::vector<Dim>{Dim::scenario, Dim::structure, Dim::provider, Dim::month, Dim::quantile});
  // A network's indicators are the network's: no provider axis (tally.h).
  const StatisticVariable& achievement = statistic("indicator_achievement_mean");
  CHECK(!achievement.per_provider);
  CHECK(statistic_axes(achievement, true) ==
        std::vector<Dim>{Dim::scenario, Dim::structure, Dim::indicator});

  // Every other statistic is per provider.
  for (const StatisticVariable& variable : statistic_variables())
    if (std::string(variable.name) != "indicator_achievement_mean") CHECK(variable.per_provider);
}

TEST_CASE("results layout: a ScenarioResults row holds every column times the inner axes",
          "[results_layout]") {
  Extents extents;
  extents.structure = 3;
  extents.provider = 2;
  extents.month = 24;
  extents.indicator = 4;
  // 3 structures x 2 providers x 24 months x 5 quantiles
  CHECK(statistic_row_size(statistic("cash_quantiles"), extents) == 720);
  CHECK(statistic_row_size(statistic("p_shortfall"), extents) == 6);
  CHECK(statistic_row_size(statistic("indicator_achievement_mean"), extents) == 24);
}

TEST_CASE("results layout: names", "[results_layout]") {
  for (const char* name : {"scenario", "structure", "provider", "month", "quantile", "indicator",
                           "withhold_fraction", "indicator_name", "runs_done", "target_met",
                           "p_any_shortfall", "runs", "shard", "p_shortfall", "cash_quantiles"})
    CHECK(is_reserved_name(name));
  // `run` is inside the group `runs`: a swept key may take it at the root.
  for (const char* name : {"run", "contract.outcome_share", "cash"}) CHECK(!is_reserved_name(name));

  std::set<std::string> attributes;
  for (const MetadataAttribute& attribute : metadata_attributes())
    attributes.insert(attribute.name);
  CHECK(attributes.size() == metadata_attributes().size());
  CHECK(attributes.count("scenario_toml") == 1);
  CHECK(attributes.count("format") == 0);  // written first, by name, before the table

  CHECK(shard_blocks_name(17) == "blocks_000017");
  CHECK(shard_blocks_name(1234567) == "blocks_1234567");
}
