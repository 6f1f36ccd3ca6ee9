// The settlement book against docs/model.md section 6 by hand: quiet_scenario's
// contract (V = £120m, p = 3 %, quarterly, lag 1, 36 months), so the pot of
// every quarter is P_k = 0.03 * 120m * 3/12 = £0.9m and period k settles in
// month 3k + 1; the last quarter's settlement (month 37) falls after the
// horizon.
#include "models/settlement_book.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "support/scenario_fixture.h"

using namespace shortfall;

namespace {

constexpr int k_months = 36;
constexpr double k_pot = 0.9e6;
constexpr double k_exact = 1e-15;  // relative: P_k is p V M / 12 with p = 0.03 rounded once

struct Contract36 {
  Scenario scenario = shortfall::testing::quiet_scenario();
  DemandModel demand{scenario.demand, k_months};
  PaymentSchedule schedule(const PaymentStructure& structure) const {
    return PaymentSchedule(scenario.contract, structure, demand, k_months);
  }
};

}  // namespace

TEST_CASE("a settlement is due in month kM + L, where the month's outcome money takes it",
          "[settlement_book]") {
  const Contract36 contract;
  const auto bonus = contract.schedule(PaymentStructure::bonus());
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  book.settle(bonus, 1, 0.6e6);
  book.settle(bonus, 2, 0.25e6);
  for (int t = 1; t <= k_months; ++t) {
    const double expected = t == 4 ? 0.6e6 : t == 7 ? 0.25e6 : 0.0;
    INFO("month " << t);
    CHECK(book.due_in(t) == expected);
    CHECK(due[static_cast<std::size_t>(t - 1)] == expected);
  }
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.receivable == 0.0);
  CHECK(outcome.earned == 0.85e6);
  CHECK(outcome.pot == Approx(2 * k_pot).epsilon(k_exact));
  CHECK(outcome.earned_fraction == Approx(0.85e6 / (2 * k_pot)).epsilon(k_exact));
}

TEST_CASE("a settlement due after the horizon becomes a receivable, not cash", "[settlement_book]") {
  const Contract36 contract;
  const auto bonus = contract.schedule(PaymentStructure::bonus());
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  book.settle(bonus, 11, 0.5e6);  // month 34: inside
  book.settle(bonus, 12, 0.7e6);  // month 37: after T = 36
  for (int t = 1; t <= k_months; ++t) CHECK(book.due_in(t) == (t == 34 ? 0.5e6 : 0.0));
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.receivable == 0.7e6);
  CHECK(outcome.earned == 1.2e6);
}

TEST_CASE("a settlement due in the horizon's last month is still cash", "[settlement_book]") {
  Contract36 contract;
  contract.scenario.contract.settlement_lag_months = 0;  // period 12 settles in month 36
  const auto bonus = contract.schedule(PaymentStructure::bonus());
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  book.settle(bonus, 12, 0.5e6);
  CHECK(book.due_in(k_months) == 0.5e6);
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.receivable == 0.0);
}

TEST_CASE("advance: the settlement claws back the unearned part, negative as cash or receivable",
          "[settlement_book]") {
  const Contract36 contract;
  const auto advance = contract.schedule(PaymentStructure::paid_in_advance());
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  book.settle(advance, 1, 0.3e6);   // -(0.9m - 0.3m) in month 4
  book.settle(advance, 2, k_pot);   // everything earned: nothing moves in month 7
  book.settle(advance, 12, 0.0);    // nothing earned, after the horizon
  CHECK(book.due_in(4) == Approx(-0.6e6).epsilon(k_exact));
  CHECK(book.due_in(4) < 0.0);
  CHECK(book.due_in(7) == Approx(0.0).margin(k_exact * k_pot));
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.receivable == Approx(-k_pot).epsilon(k_exact));
  CHECK(outcome.pot == Approx(3 * k_pot).epsilon(k_exact));
  CHECK(outcome.earned == Approx(0.3e6 + k_pot).epsilon(k_exact));
}

TEST_CASE("segments settle into the same month and the same totals", "[settlement_book]") {
  // Two segments of £80m and £40m: pots of 0.6m and 0.3m a quarter.
  Contract36 contract;
  auto terms = contract.scenario.contract;
  terms.annual_value = 80.0e6;
  const PaymentSchedule first(terms, PaymentStructure::bonus(), contract.demand, k_months);
  terms.annual_value = 40.0e6;
  const PaymentSchedule second(terms, PaymentStructure::bonus(), contract.demand, k_months);
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  book.settle(first, 3, 0.5e6);
  book.settle(second, 3, 0.25e6);
  CHECK(book.due_in(10) == 0.75e6);
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.pot == Approx(0.9e6).epsilon(k_exact));
  CHECK(outcome.earned == 0.75e6);
}

TEST_CASE("a new book clears its months; other late money adds to the receivable",
          "[settlement_book]") {
  const Contract36 contract;
  const auto bonus = contract.schedule(PaymentStructure::bonus());
  std::vector<double> due(k_months, 42.0);  // what the last run left
  SettlementBook book(due);
  for (int t = 1; t <= k_months; ++t) CHECK(book.due_in(t) == 0.0);
  book.add_receivable(0.125e6);  // say, a lead's payment due in month 38
  book.settle(bonus, 12, 0.5e6);
  book.add_receivable(0.25e6);
  RunOutcome outcome;
  book.finish(outcome);
  CHECK(outcome.receivable == 0.875e6);
}

TEST_CASE("with no pot the earned fraction is undefined, and finishing touches nothing else",
          "[settlement_book]") {
  Contract36 contract;
  contract.scenario.contract.outcome_share = {0.0};
  const auto bonus = contract.schedule(PaymentStructure::bonus());
  std::vector<double> due(k_months, 0.0);
  SettlementBook book(due);
  for (int k = 1; k <= 12; ++k) book.settle(bonus, k, 0.0);
  RunOutcome outcome;
  outcome.min_cash = -3.0;
  outcome.end_cash = 4.0;
  outcome.support = 3.0;
  outcome.months_in_shortfall = 2;
  outcome.first_shortfall_month = 5;
  outcome.shortfall = true;
  outcome.received = 1.0;
  outcome.commissioner_cost = 9.0;
  book.finish(outcome);
  CHECK(outcome.pot == 0.0);
  CHECK(std::isnan(outcome.earned_fraction));
  CHECK(outcome.min_cash == -3.0);
  CHECK(outcome.end_cash == 4.0);
  CHECK(outcome.support == 3.0);
  CHECK(outcome.months_in_shortfall == 2);
  CHECK(outcome.first_shortfall_month == 5);
  CHECK(outcome.shortfall);
  CHECK(outcome.received == 1.0);
  CHECK(outcome.commissioner_cost == 9.0);
}
