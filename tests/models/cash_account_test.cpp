// The cash account against closed forms and hand-made paths (docs/model.md
// section 4). Where every number is a small integer or a power of two the
// arithmetic is exact and the checks are ==.
#include "models/cash_account.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using namespace shortfall;

namespace {

ProviderFinance finance(double opening_cash, double overdraft_rate, double threshold = 0.0,
                        double stress_start_cash = 20.0e6) {
  ProviderFinance provider;
  provider.opening_cash = opening_cash;
  provider.overdraft_rate = overdraft_rate;
  provider.shortfall_threshold = threshold;
  provider.stress_start_cash = stress_start_cash;
  return provider;
}

// Steps the account so that, without interest, it passes through `path`
// (Cash_1..Cash_T) exactly: money in is each month's change, cost is 0.
CashAccount walk(const ProviderFinance& provider, const std::vector<double>& path) {
  CashAccount account(provider);
  double previous = provider.opening_cash;
  for (std::size_t t = 0; t < path.size(); ++t) {
    account.step(static_cast<int>(t) + 1, path[t] - previous, 0.0);
    REQUIRE(account.cash() == path[t]);
    previous = path[t];
  }
  return account;
}

}  // namespace

TEST_CASE("an overdraft under constant flows follows the geometric closed form", "[cash_account]") {
  // While Cash_{t-1} < 0: Cash_t = (1 + q) Cash_{t-1} + n with q = r/12 and
  // n = money in - cost, so Cash_t = (1 + q)^t Cash_0 + n ((1 + q)^t - 1)/q.
  // Here n > 0 pays the overdraft off; from the first month tau with
  // Cash_tau >= 0 no interest is due and cash grows by n a month.
  const double rate = 0.06, q = rate / 12.0;
  const double opening = -1.0e6, money_in = 9.25e6, cost = 9.2e6, n = money_in - cost;
  const auto provider = finance(opening, rate);
  CashAccount account(provider);
  int tau = 0;
  double cash_at_tau = 0.0;
  for (int t = 1; t <= 60; ++t) {
    account.step(t, money_in, cost);
    const double growth = std::pow(1.0 + q, t);
    const double overdrawn = growth * opening + n * (growth - 1.0) / q;
    if (tau == 0 && overdrawn >= 0.0) {
      tau = t;
      cash_at_tau = overdrawn;
    }
    const double expected = tau == 0 ? overdrawn : cash_at_tau + (t - tau) * n;
    INFO("month " << t);
    // Relative to the flows: each step rounds money in and cost (~1e7).
    CHECK(account.cash() == Approx(expected).margin(1e-12 * money_in * t));
  }
  // -1m paid off at 50k a month less interest: 1.005^t = 1 / (1 + Cash_0 q / n) = 1/0.9.
  CHECK(tau == static_cast<int>(std::ceil(std::log(1.0 / 0.9) / std::log(1.005))));
  REQUIRE(tau > 1);
  REQUIRE(tau < 60);
}

TEST_CASE("interest is charged on last month's overdraft, never on positive cash", "[cash_account]") {
  // r/12 = 0.375/12 = 2^-5 and every amount a multiple of it: exact.
  const auto provider = finance(64.0, 0.375);
  CashAccount account(provider);
  account.step(1, 0.0, 192.0);  // Cash_0 = 64 >= 0: no interest; Cash_1 = -128
  CHECK(account.cash() == -128.0);
  account.step(2, 0.0, 0.0);    // interest 128 / 32 = 4
  CHECK(account.cash() == -132.0);
  account.step(3, 200.0, 0.0);  // interest on -132: 4.125
  CHECK(account.cash() == 63.875);
  account.step(4, 0.0, 0.0);    // positive: nothing due
  CHECK(account.cash() == 63.875);
}

TEST_CASE("shortfall months, first month, lowest cash and support on a hand-made path",
          "[cash_account]") {
  const std::vector<double> path{3.0, -1.0, -2.0, 4.0, -0.5, 0.0, 5.0};
  RunOutcome outcome;
  SECTION("threshold 0: months 2, 3 and 5 are below; cash exactly at the line is not") {
    walk(finance(1.0, 0.0, 0.0, 8.0), path).finish(outcome);
    CHECK(outcome.shortfall);
    CHECK(outcome.months_in_shortfall == 3);
    CHECK(outcome.first_shortfall_month == 2);
    CHECK(outcome.min_cash == -2.0);
    CHECK(outcome.end_cash == 5.0);
    CHECK(outcome.support == 2.0);
  }
  SECTION("a working capital facility of 1: only month 3 is below -1") {
    walk(finance(1.0, 0.0, -1.0, 8.0), path).finish(outcome);
    CHECK(outcome.shortfall);
    CHECK(outcome.months_in_shortfall == 1);
    CHECK(outcome.first_shortfall_month == 3);
    CHECK(outcome.support == 1.0);  // S - min cash = -1 - (-2)
  }
  SECTION("a facility of 2: never below, no support, though cash went negative") {
    walk(finance(1.0, 0.0, -2.0, 8.0), path).finish(outcome);
    CHECK_FALSE(outcome.shortfall);
    CHECK(outcome.months_in_shortfall == 0);
    CHECK(outcome.first_shortfall_month == 0);
    CHECK(outcome.min_cash == -2.0);
    CHECK(outcome.support == 0.0);
  }
  SECTION("the opening cash is not a month: a start below the line does not count") {
    walk(finance(-7.0, 0.0, 0.0, 8.0), {1.0, 2.0}).finish(outcome);
    CHECK_FALSE(outcome.shortfall);
    CHECK(outcome.min_cash == 1.0);
  }
}

TEST_CASE("financial stress follows the cash of the month just closed", "[cash_account]") {
  // Z = 8, S = 0: s = clamp((8 - cash)/8, 0, 1), exact for these values.
  const auto provider = finance(6.0, 0.0, 0.0, 8.0);
  CashAccount account(provider);
  CHECK(account.stress() == 0.25);  // s_0 from Cash_0
  const std::vector<double> path{4.0, 10.0, 0.0, -3.0, 7.0};
  const std::vector<double> stress{0.5, 0.0, 1.0, 1.0, 0.125};
  double previous = 6.0;
  for (std::size_t t = 0; t < path.size(); ++t) {
    account.step(static_cast<int>(t) + 1, path[t] - previous, 0.0);
    previous = path[t];
    CHECK(account.stress() == stress[t]);
    CHECK(financial_stress(provider, path[t]) == stress[t]);
  }
}

TEST_CASE("finishing a run fills the cash record and nothing else", "[cash_account]") {
  RunOutcome outcome;
  outcome.pot = 3.0;
  outcome.earned = 2.0;
  outcome.received = 1.5;
  outcome.receivable = -0.5;
  outcome.earned_fraction = 0.25;
  outcome.commissioner_cost = 11.0;
  walk(finance(1.0, 0.0), {2.0}).finish(outcome);
  CHECK(outcome.end_cash == 2.0);
  CHECK(outcome.pot == 3.0);
  CHECK(outcome.earned == 2.0);
  CHECK(outcome.received == 1.5);
  CHECK(outcome.receivable == -0.5);
  CHECK(outcome.earned_fraction == 0.25);
  CHECK(outcome.commissioner_cost == 11.0);
}
