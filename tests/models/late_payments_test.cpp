#include "models/late_payments.h"

#include <catch2/catch.hpp>

#include "support/network_fixture.h"
#include "support/scenario_fixture.h"

using namespace shortfall;
using shortfall::testing::prime_network;
using shortfall::testing::quiet_scenario_with_calendar;

TEST_CASE("quarterly, L = 2, T = 36: quarter 12 settles in month 38", "[late_payments]") {
  // Quarters end in months 3, 6, ..., 36 and settle two months later:
  // 5, 8, ..., 38. Only the last, 38, is after 36.
  CHECK(settlements_after_horizon(36, 3, 2) == 1);
  const auto late = payments_after_horizon(quiet_scenario_with_calendar(36, 3, 2));
  REQUIRE(late.size() == 1);
  CHECK(late[0].provider == 0);
  CHECK(late[0].subcontract == -1);
  CHECK(late[0].settlements == 1);
  CHECK(late[0].risk_share_transfers == 0);
  CHECK(late[0].subcontract_payments == 0);
  CHECK(late[0].count() == 1);
  CHECK(late[0].last_month == 38);
  CHECK(late[0].covering_horizon == 39);  // 38 is not a multiple of 3
}

TEST_CASE("a lag of a whole period or more puts several settlements late", "[late_payments]") {
  // Quarters ending in 30, 33, 36 settle in 37, 40, 43 with L = 7; 27 + 7 = 34 is in time.
  CHECK(settlements_after_horizon(36, 3, 7) == 3);
  const auto late = payments_after_horizon(quiet_scenario_with_calendar(36, 3, 7));
  REQUIRE(late.size() == 1);
  CHECK(late[0].settlements == 3);
  CHECK(late[0].last_month == 43);
  CHECK(late[0].covering_horizon == 45);
  // A lag beyond the horizon: every period settles after it.
  CHECK(settlements_after_horizon(6, 3, 24) == 2);
}

TEST_CASE("annual, L = 0, T = 36: nothing is late", "[late_payments]") {
  CHECK(settlements_after_horizon(36, 12, 0) == 0);
  CHECK(payments_after_horizon(quiet_scenario_with_calendar(36, 12, 0)).empty());
  // Any period with L = 0 is paid in the month it ends.
  CHECK(payments_after_horizon(quiet_scenario_with_calendar(36, 3, 0)).empty());
  CHECK(payments_after_horizon(quiet_scenario_with_calendar(36, 1, 0)).empty());
}

TEST_CASE("annual, L = 3, T = 36: year 3's settlement is due in month 39", "[late_payments]") {
  // The case: under advance, year 3's clawback falls after month 36.
  const auto late = payments_after_horizon(quiet_scenario_with_calendar(36, 12, 3));
  REQUIRE(late.size() == 1);
  CHECK(late[0].settlements == 1);
  CHECK(late[0].last_month == 39);
  CHECK(late[0].covering_horizon == 48);  // a multiple of 12
}

TEST_CASE("monthly, L = 2, T = 36: months 35 and 36 settle in 37 and 38", "[late_payments]") {
  CHECK(settlements_after_horizon(36, 1, 2) == 2);
  const auto late = payments_after_horizon(quiet_scenario_with_calendar(36, 1, 2));
  REQUIRE(late.size() == 1);
  CHECK(late[0].settlements == 2);
  CHECK(late[0].last_month == 38);
  CHECK(late[0].covering_horizon == 38);  // any month is a valid monthly horizon
}

TEST_CASE("risk share with L = 3: the last year's transfer is due in month 39", "[late_payments]") {
  // Year ends 12, 24, 36; transfers in 15, 27, 39.
  CHECK(risk_share_transfers_after_horizon(36, 3) == 1);
  CHECK(risk_share_transfers_after_horizon(36, 0) == 0);
  // A horizon that cuts year 3 off: only years ending by month 30 are
  // reconciled, 12 and 24, paid in 15 and 27 with L = 3, 33 with L = 9.
  CHECK(risk_share_transfers_after_horizon(30, 3) == 0);
  CHECK(risk_share_transfers_after_horizon(30, 9) == 1);
  CHECK(risk_share_transfers_after_horizon(30, 24) == 2);

  Scenario scenario = quiet_scenario_with_calendar(36, 3, 3);
  scenario.contract.risk_share = RiskShare{0.02, 0.5};
  auto late = payments_after_horizon(scenario);
  REQUIRE(late.size() == 1);
  CHECK(late[0].settlements == 1);  // quarter 12, month 39
  CHECK(late[0].risk_share_transfers == 1);
  CHECK(late[0].count() == 2);
  CHECK(late[0].last_month == 39);
  CHECK(late[0].covering_horizon == 39);

  // Quarterly to month 30 with L = 9: quarters 8-10 settle in 33, 36, 39 and
  // year 2's transfer in 33; 39 is the last.
  scenario = quiet_scenario_with_calendar(30, 3, 9);
  scenario.contract.risk_share = RiskShare{0.02, 0.5};
  late = payments_after_horizon(scenario);
  REQUIRE(late.size() == 1);
  CHECK(late[0].settlements == 3);
  CHECK(late[0].risk_share_transfers == 1);
  CHECK(late[0].last_month == 39);
  CHECK(late[0].covering_horizon == 39);
}

TEST_CASE("a network: each contract, then the lead's delayed subcontract payments",
          "[late_payments]") {
  // The prime's quarterly contract with L = 1 settles quarter 12 in month 37;
  // with a delay of 2 its payments for months 35 and 36 reach the
  // subcontractor in 37 and 38.
  Scenario scenario = prime_network(0.5, 2);
  auto late = payments_after_horizon(scenario);
  REQUIRE(late.size() == 2);
  CHECK(late[0].provider == 0);
  CHECK(late[0].subcontract == -1);
  CHECK(late[0].settlements == 1);
  CHECK(late[0].last_month == 37);
  CHECK(late[0].covering_horizon == 39);
  CHECK(late[1].provider == 1);  // the subcontractor is owed them
  CHECK(late[1].subcontract == 0);
  CHECK(late[1].settlements == 0);
  CHECK(late[1].subcontract_payments == 2);
  CHECK(late[1].last_month == 38);
  CHECK(late[1].covering_horizon == 39);  // a multiple of the lead's quarter

  // No delay: the subcontractor is paid within the horizon.
  late = payments_after_horizon(prime_network(0.5, 0));
  REQUIRE(late.size() == 1);
  CHECK(late[0].subcontract == -1);

  // Paid at once and settled at once: nothing late.
  scenario = prime_network(1.0, 0);
  scenario.contract.settlement_lag_months = 0;
  CHECK(payments_after_horizon(scenario).empty());
}

TEST_CASE("an alliance: every member's contract, the horizon a multiple of every period",
          "[late_payments]") {
  Scenario scenario = quiet_scenario_with_calendar(36, 12, 0);  // the first member: annual, paid at once
  scenario.id = "trust";
  scenario.network.model = NetworkModel::alliance;
  ProviderSetup member = scenario;  // a second member: quarterly, L = 2
  member.id = "vcs";
  member.contract.assessment_months = 3;
  member.contract.settlement_lag_months = 2;
  scenario.other_providers.push_back(member);
  const auto late = payments_after_horizon(scenario);
  REQUIRE(late.size() == 1);
  CHECK(late[0].provider == 1);
  CHECK(late[0].settlements == 1);
  CHECK(late[0].last_month == 38);
  CHECK(late[0].covering_horizon == 48);  // the first member's year rules
}

TEST_CASE("the smallest valid horizon", "[late_payments]") {
  CHECK(smallest_horizon_from(38, 3) == 39);
  CHECK(smallest_horizon_from(39, 3) == 39);
  CHECK(smallest_horizon_from(37, 12) == 48);
  CHECK(smallest_horizon_from(48, 12) == 48);
  CHECK(smallest_horizon_from(37, 1) == 37);
}
