#include "sim/cli/horizon_warnings.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/network_fixture.h"
#include "support/scenario_fixture.h"

using namespace shortfall;
using shortfall::testing::prime_network;
using shortfall::testing::quiet_scenario_with_calendar;

namespace {


std::vector<std::string> warnings_of(const std::vector<Scenario>& scenarios) {
  return horizon_warnings(scenarios, "x.toml");
}

}  // namespace

TEST_CASE("one line names the keys, the months and the horizon that covers them",
          "[horizon_warnings]") {
  CHECK(warnings_of({quiet_scenario_with_calendar(36, 12, 3)}) ==
        std::vector<std::string>{
            "x.toml: warning: with contract.assessment = \"annual\" and "
            "contract.settlement_lag_months = 3, 1 settlement falls due after "
            "simulation.horizon_months = 36, in month 39: its money is owed at the horizon "
            "(\"owed at T\" in the summary), not cash (under advance a settlement is a clawback); "
            "simulation.horizon_months = 48 or more would bring it into the cash path"});
  CHECK(warnings_of({quiet_scenario_with_calendar(36, 12, 0)}).empty());

  // Without an advance structure there is no clawback to speak of.
  Scenario bonus_only = quiet_scenario_with_calendar(36, 1, 2);
  bonus_only.contract.structures = {PaymentStructure::bonus()};
  CHECK(warnings_of({bonus_only}) ==
        std::vector<std::string>{
            "x.toml: warning: with contract.assessment = \"monthly\" and "
            "contract.settlement_lag_months = 2, 2 settlements fall due after "
            "simulation.horizon_months = 36, the last in month 38: their money is owed at the "
            "horizon (\"owed at T\" in the summary), not cash; simulation.horizon_months = 38 or "
            "more would bring them into the cash path"});
}

TEST_CASE("a network names each provider's keys and the delayed subcontract",
          "[horizon_warnings]") {
  const auto lines = warnings_of({prime_network(0.5, 2)});
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with(
      "x.toml: warning: with provider.trust.contract.assessment = \"quarterly\" and "
      "provider.trust.contract.settlement_lag_months = 1, 1 settlement falls due after "
      "simulation.horizon_months = 36, in month 37: its money is owed at the horizon (\"owed at "
      "T\" of trust in the summary)"));
  CHECK(lines[1] ==
        "x.toml: warning: with network.subcontract.vcs.payment_delay_months = 2, 2 monthly "
        "payments of trust to vcs fall due after simulation.horizon_months = 36, the last in month "
        "38: their money is owed to vcs at the horizon (\"owed at T\" of vcs in the summary), not "
        "cash; simulation.horizon_months = 39 or more would bring them into the cash path");
}

TEST_CASE("the longest horizon cannot cover a lag past it", "[horizon_warnings]") {
  const auto lines = warnings_of({quiet_scenario_with_calendar(1200, 12, 3)});
  REQUIRE(lines.size() == 1);
  CHECK(
      lines[0].ends_with("in month 1203: its money is owed at the horizon (\"owed at T\" in the "
                         "summary), not cash (under advance a settlement is a clawback); no "
                         "horizon up to 1200 months would bring it into the cash path"));
}

TEST_CASE("a sweep: each distinct line once, at most 20, then how many more",
          "[horizon_warnings]") {
  // Two points with the same calendar and one without late money: one line,
  // pointing to the file (a sweep's summary has no money columns).
  auto lines =
      warnings_of({quiet_scenario_with_calendar(36, 3, 2), quiet_scenario_with_calendar(36, 3, 2), quiet_scenario_with_calendar(36, 3, 0)});
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("owed at the horizon (receivable_mean in the results file)") !=
        std::string::npos);

  std::vector<Scenario> points;
  for (int lag = 1; lag <= 24; ++lag) points.push_back(quiet_scenario_with_calendar(36, 1, lag));
  lines = warnings_of(points);
  REQUIRE(lines.size() == 21);
  CHECK(lines[19].find("contract.settlement_lag_months = 20,") != std::string::npos);
  CHECK(lines[20] ==
        "x.toml: warning: ... and 4 more warnings of payments after the horizon in other sweep "
        "points");
}
