// The run kernel against closed forms (docs/model.md section 10, cases 1 and 2).
#include "models/provider_run.h"

#include <cmath>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "support/scenario_fixture.h"

using namespace shortfall;
using shortfall::testing::quiet_scenario;

namespace {

// Indicators here have no cases: a binomial draw would be a bug.
class NoMeasurement final : public MeasurementSampler {
 public:
  int cases_met(int, int, int, double) override { throw std::logic_error("unexpected draw"); }
};

RunShocks zero_shocks(const Scenario& scenario) {
  const auto months = static_cast<std::size_t>(scenario.simulation.horizon_months);
  return {std::vector<double>(months), std::vector<double>(months),
          std::vector<double>(months * scenario.indicators.size())};
}

struct Simulated {
  ProviderRunModel model;
  ProviderRunModel::Workspace work;
  explicit Simulated(const Scenario& scenario) : model(scenario), work(model.make_workspace()) {
    NoMeasurement sampler;
    model.simulate(zero_shocks(scenario), sampler, work);
  }
  double cash(int structure, int month) const {
    return work.cash[static_cast<std::size_t>(structure * model.months() + month - 1)];
  }
  const RunOutcome& outcome(int structure) const { return work.outcomes[static_cast<std::size_t>(structure)]; }
};

// sum_{u=1..t} (1+g)^{y(u)}: whole years as a geometric series, then the rest.
double growth_sum(double g, int t) {
  const int years = t / 12;
  const double whole = g == 0.0 ? 12.0 * years : 12.0 * (std::pow(1.0 + g, years) - 1.0) / g;
  return whole + (t - 12 * years) * std::pow(1.0 + g, years);
}

// Sum of quarterly pots P_k = p V (1+g)^{y(3k)} / 4 over k = 1..n.
double pot_sum(double share, double value, double g, int quarters) {
  const int years = quarters / 4;
  const double whole = g == 0.0 ? 4.0 * years : 4.0 * (std::pow(1.0 + g, years) - 1.0) / g;
  return share * value / 4.0 * (whole + (quarters - 4 * years) * std::pow(1.0 + g, years));
}

constexpr double k_exact = 1e-12;  // relative, closed forms summed in another order

}  // namespace

TEST_CASE("deterministic path: cash equals the closed form in every month", "[provider_run]") {
  // docs/model.md section 10, case 1: no noise, every indicator met; deficit, income and cost
  // growth on, so the yearly steps are exercised.
  auto scenario = quiet_scenario();
  scenario.provider.underlying_deficit = 0.02;
  scenario.provider.stress_penalty = 0.4;  // indicators do not move with kappa = 0
  scenario.contract.income_growth = 0.021;
  scenario.provider.cost_growth = 0.025;
  const double value = scenario.contract.annual_value, share = 0.03, opening = 5.0e6;
  const int lag = scenario.contract.settlement_lag_months;
  const Simulated run(scenario);
  for (int s = 0; s < 3; ++s) {
    const double h = s == 0 ? 0.0 : 1.0;
    for (int t = 1; t <= 36; ++t) {
      const double base = (1.0 - h * share) * value / 12.0 * growth_sum(0.021, t);
      const double advance = s == 2 ? share * value / 12.0 * growth_sum(0.021, t) : 0.0;
      const double cost = 1.02 * value / 12.0 * growth_sum(0.025, t);
      const int settled = std::max(0, (t - lag) / 3);
      // Bonus and withhold receive the pots earned in full; advance has nothing clawed back.
      const double settlements = s == 2 ? 0.0 : pot_sum(share, value, 0.021, settled);
      const double expected = opening + base + advance + settlements - cost;
      INFO("structure " << s << " month " << t);
      // Cash is a small difference of large flows: rounding is relative to the flows.
      CHECK(run.cash(s, t) == Approx(expected).margin(k_exact * (base + advance + cost)));
    }
    CHECK(run.outcome(s).earned_fraction == 1.0);
    CHECK(run.outcome(s).pot == Approx(pot_sum(share, value, 0.021, 12)).epsilon(k_exact));
  }
}

TEST_CASE("timing gap of a withhold: lowest cash in closed form", "[provider_run]") {
  // docs/model.md section 10, case 2: everything met, no deficit, annual assessment, lag L. The
  // withhold drains w = pV/12 a month until the pot comes back in month 12+L,
  // so the lowest cash is Cash_0 - (11 + L) w.
  for (const int lag : {0, 1, 2, 5}) {
    auto scenario = quiet_scenario();
    scenario.contract.assessment_months = 12;
    scenario.contract.settlement_lag_months = lag;
    const Simulated run(scenario);
    const double w = 0.03 * 120.0e6 / 12.0;
    INFO("lag " << lag);
    CHECK(run.outcome(1).min_cash == Approx(5.0e6 - (11 + lag) * w).epsilon(k_exact));
    CHECK(run.outcome(0).min_cash == Approx(5.0e6).epsilon(k_exact));  // the bonus never dips
    CHECK(run.outcome(2).min_cash == Approx(5.0e6).epsilon(k_exact));  // advance pays as it goes
  }
}

TEST_CASE("shortfall months, support and outcome money on a hand-computed path", "[provider_run]") {
  // Two indicators, one met and one missed: half of every quarterly pot of
  // 0.9m is earned. Cash_0 = 0.5m, lag 1.
  auto scenario = quiet_scenario();
  scenario.indicators[1].baseline = 0.7;  // below its 0.8 target
  scenario.provider.opening_cash = 0.5e6;
  const Simulated run(scenario);
  const double w = 0.3e6, half_pot = 0.45e6;
  for (int t = 1; t <= 36; ++t) {
    const int settled = (t - 1) / 3;
    INFO("month " << t);
    CHECK(run.cash(0, t) == Approx(0.5e6 + half_pot * settled).epsilon(k_exact));
    CHECK(run.cash(1, t) == Approx(0.5e6 - w * t + half_pot * settled).epsilon(k_exact));
    CHECK(run.cash(2, t) == Approx(0.5e6 - half_pot * settled).epsilon(k_exact).margin(1e-6));
  }
  const auto& withhold = run.outcome(1);
  // Withhold: 0.5 - 0.3t + 0.45 floor((t-1)/3) is negative in months 2, 3, 5, 6, ...
  CHECK(withhold.first_shortfall_month == 2);
  CHECK(withhold.shortfall);
  CHECK(withhold.min_cash == Approx(0.5e6 - 36 * w + half_pot * 11).epsilon(k_exact));
  CHECK(withhold.support == Approx(-withhold.min_cash).epsilon(k_exact));
  int months_below = 0;
  for (int t = 1; t <= 36; ++t) months_below += (0.5e6 - w * t + half_pot * ((t - 1) / 3)) < 0 ? 1 : 0;
  CHECK(withhold.months_in_shortfall == months_below);

  for (int s = 0; s < 3; ++s) {
    CHECK(run.outcome(s).pot == Approx(12 * 0.9e6).epsilon(k_exact));
    CHECK(run.outcome(s).earned == Approx(12 * half_pot).epsilon(k_exact));
    CHECK(run.outcome(s).earned_fraction == Approx(0.5).epsilon(k_exact));
  }
  // The last quarter settles in month 37, after the horizon: receivable.
  CHECK(run.outcome(0).receivable == Approx(half_pot).epsilon(k_exact));
  CHECK(run.outcome(2).receivable == Approx(-half_pot).epsilon(k_exact));
  CHECK(run.outcome(0).received == Approx(11 * half_pot).epsilon(k_exact));
  CHECK(run.outcome(2).received == Approx(36 * w - 11 * half_pot).epsilon(k_exact));
  CHECK(run.outcome(0).commissioner_cost == Approx(36 * 10.0e6 + 11 * half_pot).epsilon(k_exact));
  CHECK(run.outcome(1).commissioner_cost == Approx(36 * 9.7e6 + 11 * half_pot).epsilon(k_exact));
  CHECK(run.outcome(2).commissioner_cost == Approx(36 * 9.7e6 + 36 * w - 11 * half_pot).epsilon(k_exact));
}

TEST_CASE("overdraft interest compounds on a negative balance", "[provider_run]") {
  // No outcome money and income equal to cost: only interest moves cash,
  // Cash_t = Cash_0 (1 + r/12)^t while Cash_0 < 0.
  auto scenario = quiet_scenario();
  scenario.contract.outcome_share = {0.0};
  scenario.provider.opening_cash = -1.0e6;
  scenario.provider.overdraft_rate = 0.06;
  const Simulated run(scenario);
  for (int t = 1; t <= 36; ++t) {
    CHECK(run.cash(0, t) == Approx(-1.0e6 * std::pow(1.005, t)).epsilon(k_exact));
  }
  CHECK(std::isnan(run.outcome(0).earned_fraction));  // no pot, nothing to earn
}

TEST_CASE("stress and the withhold effort effect move the latent level", "[provider_run]") {
  // kappa = 1 puts x_t on its level mu_t = logit(pi0) + dir (delta_w h - gamma s_{t-1});
  // with the linear rule and no sampling noise the first quarter's
  // achievement follows by hand. Cash stays at Cash_0 over the quarter under
  // advance (all met in this range) so s is constant.
  auto scenario = quiet_scenario(1);
  scenario.contract.payment_rule = PaymentRule::linear;
  scenario.contract.assessment_months = 3;
  scenario.contract.withhold_effort_effect = 0.2;
  scenario.contract.structures = {PaymentStructure::paid_in_advance()};
  scenario.indicators[0].baseline = 0.7;
  scenario.indicators[0].target = 0.9;
  scenario.indicators[0].floor = 0.5;
  scenario.indicators[0].reversion = 1.0;
  scenario.provider.opening_cash = 10.0e6;
  scenario.provider.stress_start_cash = 20.0e6;  // s_0 = (20 - 10)/(20 - 0) = 0.5
  scenario.provider.stress_penalty = 0.4;
  scenario.simulation.horizon_months = 3;
  const Simulated run(scenario);
  const double level = logit(0.7) + (0.2 * 1.0 - 0.4 * 0.5);  // = logit(0.7)
  const double rate = logistic(level);
  const double expected = (rate - 0.5) / (0.9 - 0.5);
  CHECK(run.work.achievement_mean[0] == Approx(expected).epsilon(1e-12));
}

TEST_CASE("capitation follows the demand trend, episodic the realised activity", "[provider_run]") {
  auto scenario = quiet_scenario();
  scenario.demand.growth = 0.05;
  scenario.contract.structures = {PaymentStructure::bonus()};
  scenario.contract.outcome_share = {0.0};
  scenario.provider.fixed_cost_share = 1.0;  // cost does not follow activity
  for (const auto basis : {Basis::block, Basis::capitation, Basis::episodic}) {
    scenario.contract.basis = basis;
    const Simulated run(scenario);
    double income = 0.0;
    for (int t = 1; t <= 36; ++t) {
      const double trend = std::pow(1.05, (t - 1) / 12.0);
      // Without demand noise, realised activity equals the trend.
      income += basis == Basis::block ? 10.0e6 : 10.0e6 * trend;
      CHECK(run.cash(0, t) == Approx(5.0e6 + income - 10.0e6 * t).epsilon(k_exact));
    }
  }
}

TEST_CASE("phased outcome share: base and pots follow the year's share", "[provider_run]") {
  auto scenario = quiet_scenario();
  scenario.contract.outcome_share = {0.02, 0.04};  // year 3 keeps 0.04
  const Simulated run(scenario);
  // Pot per quarter: p_y * 120m / 4.
  CHECK(run.outcome(0).pot == Approx(4 * 0.6e6 + 8 * 1.2e6).epsilon(k_exact));
  // Withhold in month 13 gives up p_1 V / 12 = 0.4m of base.
  const double month13 = run.cash(1, 13) - run.cash(1, 12);
  const double bonus13 = run.cash(0, 13) - run.cash(0, 12);
  CHECK(bonus13 - month13 == Approx(0.4e6).epsilon(k_exact));
}

TEST_CASE("risk share pays the excess beyond the corridor after the year end", "[provider_run]") {
  // Deficit 5 % of V every year: e = 0.05 V, corridor 0.02 V, commissioner
  // share 0.5: the provider receives 0.5 * 0.03 V = 1.8m in month 12 + L.
  auto scenario = quiet_scenario();
  scenario.provider.underlying_deficit = 0.05;
  scenario.contract.structures = {PaymentStructure::bonus()};
  scenario.contract.outcome_share = {0.0};
  scenario.contract.settlement_lag_months = 2;
  scenario.contract.risk_share = RiskShare{0.02, 0.5};
  const Simulated run(scenario);
  const double monthly_loss = 0.05 * 10.0e6;
  for (int t = 1; t <= 36; ++t) {
    const int transfers = t >= 26 ? 2 : t >= 14 ? 1 : 0;
    CHECK(run.cash(0, t) == Approx(5.0e6 - monthly_loss * t + 1.8e6 * transfers).epsilon(k_exact));
  }
  // The third year's transfer is due in month 38: receivable.
  CHECK(run.outcome(0).receivable == Approx(1.8e6).epsilon(k_exact));
  CHECK(run.outcome(0).commissioner_cost == Approx(36 * 10.0e6 + 2 * 1.8e6).epsilon(k_exact));
}

TEST_CASE("hybrid withhold fractions sit between bonus and withhold", "[provider_run]") {
  auto scenario = quiet_scenario();
  PaymentStructure hybrid{"hybrid_0.25", 0.25, false};
  scenario.contract.structures = {PaymentStructure::bonus(), hybrid, PaymentStructure::withhold()};
  const Simulated run(scenario);
  for (int t = 1; t <= 36; ++t) {
    CHECK(run.cash(1, t) == Approx(0.75 * run.cash(0, t) + 0.25 * run.cash(2, t)).epsilon(k_exact));
  }
}
