// The network kernel against hand-computed cash (docs/model.md, "Networks
// and segments"): deterministic paths, pass-through, delays, the integrator's
// fee, and conservation of money.
#include "models/network_run.h"

#include <cmath>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "support/network_fixture.h"

using namespace shortfall;
using shortfall::testing::prime_network;
using shortfall::testing::subcontractor;

namespace {

class NoMeasurement final : public MeasurementSampler {
 public:
  int cases_met(int, int, int, double) override { throw std::logic_error("unexpected draw"); }
};

// Every holder's shocks zero: one deterministic path per structure.
struct Deterministic {
  NetworkRunModel model;
  NetworkRunModel::Workspace work;
  explicit Deterministic(const Scenario& scenario) : model(scenario), work(model.make_workspace()) {
    for (int p = 0; p < scenario.provider_count(); ++p) {
      opening_.push_back(scenario.provider_setup(p).provider.opening_cash);
    }
    const auto months = static_cast<std::size_t>(scenario.simulation.horizon_months);
    std::vector<RunShocks> shocks;
    for (int h = 0; h < model.holder_count(); ++h) {
      const bool provider = h < scenario.provider_count();
      const auto indicators =
          provider ? scenario.provider_setup(h).indicators.size() : scenario.network.shared_indicators.size();
      const std::size_t processes =
          provider ? std::max<std::size_t>(1, scenario.provider_setup(h).segments.size()) : 0;
      shocks.push_back({std::vector<double>(months * processes), std::vector<double>(provider ? months : 0),
                        std::vector<double>(months * indicators)});
    }
    std::vector<const RunShocks*> shock_pointers;
    for (const auto& holder : shocks) shock_pointers.push_back(&holder);
    NoMeasurement none;
    std::vector<MeasurementSampler*> samplers(shocks.size(), &none);
    model.simulate(shock_pointers, samplers, work);
  }
  std::size_t slot(int structure, int provider, int month) const {
    return (static_cast<std::size_t>(structure * model.provider_count() + provider)) *
               static_cast<std::size_t>(model.months()) +
           static_cast<std::size_t>(month - 1);
  }
  double cash(int structure, int provider, int month) const {
    return month == 0 ? opening(provider) : work.cash_path[slot(structure, provider, month)];
  }
  double paid(int structure, int provider, int month) const {
    return work.commissioner_paid[slot(structure, provider, month)];
  }
  double opening(int provider) const { return opening_[static_cast<std::size_t>(provider)]; }
  std::vector<double> opening_;  // Cash_0 of each provider
  const RunOutcome& outcome(int structure, int provider) const {
    return work.outcomes[static_cast<std::size_t>(structure * model.provider_count() + provider)];
  }
};

constexpr int k_bonus = 0, k_withhold = 1, k_advance = 2;
constexpr double k_exact = 1e-9;  // relative: sums of a few dozen terms in another order

// quiet_scenario's contract, by hand: V/12 = £10m a month, 3 % outcome
// share, quarterly pots of £0.9m settled one month after the quarter, every
// indicator met; no growth, no deficit, no noise.
constexpr double k_monthly = 10.0e6, k_share = 0.03, k_pot = 0.9e6;

// What the commissioner pays the lead in month t (docs/model.md 2, 6).
double base(int structure) { return structure == k_bonus ? k_monthly : (1.0 - k_share) * k_monthly; }
double outcome_money(int structure, int t) {
  const bool settles = t >= 4 && (t - 1) % 3 == 0;  // quarter k settles in month 3k + 1
  if (structure == k_advance) return k_share * k_monthly;  // advance; the clawback is 0
  return settles ? k_pot : 0.0;
}

}  // namespace

TEST_CASE("prime contractor: both providers' cash equals the hand computation in every month",
          "[network_run]") {
  for (const double pass_through : {0.0, 0.4, 1.0}) {
    for (const int delay : {0, 1, 2}) {
      const Deterministic run(prime_network(pass_through, delay));
      const double c = 0.1;  // £12m of £120m
      for (int s : {k_bonus, k_withhold, k_advance}) {
        double lead = 5.0e6, sub = 1.0e6;
        for (int t = 1; t <= 36; ++t) {
          // The lead owes c [(1 - pi) F + pi (B + O)] for month u, paid in u + D.
          const int u = t - delay;
          const double payment =
              u >= 1 ? c * ((1.0 - pass_through) * k_monthly +
                            pass_through * (base(s) + outcome_money(s, u)))
                     : 0.0;
          lead += base(s) + outcome_money(s, t) - payment - (120.0e6 - 12.0e6) / 12.0;
          sub += payment - 12.0e6 / 12.0;
          INFO("pass_through " << pass_through << ", delay " << delay << ", structure " << s
                               << ", month " << t);
          REQUIRE(run.cash(s, 0, t) == Approx(lead).epsilon(k_exact));
          REQUIRE(run.cash(s, 1, t) == Approx(sub).epsilon(k_exact).margin(1e-3));
        }
      }
    }
  }
}

TEST_CASE("pass-through 1 without delay: the withhold reaches the subcontractor in full in the same month",
          "[network_run]") {
  const Deterministic run(prime_network(1.0, 0));
  // Month 1: the commissioner withholds h p F = £300k from the lead; the
  // subcontractor's share c = 0.1 of it, £30k, is withheld from it at once.
  CHECK(run.cash(k_bonus, 1, 1) - run.cash(k_withhold, 1, 1) == Approx(0.1 * k_share * k_monthly));
  // And the lead keeps only its own 90 % of the gap.
  CHECK(run.cash(k_bonus, 0, 1) - run.cash(k_withhold, 0, 1) == Approx(0.9 * k_share * k_monthly));
}

TEST_CASE("pass-through 0: the subcontractor's cash does not depend on the structure or the outcomes",
          "[network_run]") {
  Scenario met = prime_network(0.0, 1);
  Scenario missed = met;
  for (auto& indicator : missed.indicators) indicator.baseline = 0.3;  // every target missed
  const Deterministic a(met), b(missed);
  CHECK(b.outcome(k_withhold, 0).earned == 0.0);
  for (int s : {k_bonus, k_withhold, k_advance}) {
    for (int t = 1; t <= 36; ++t) {
      REQUIRE(a.cash(s, 1, t) == a.cash(k_bonus, 1, t));
      REQUIRE(b.cash(s, 1, t) == a.cash(s, 1, t));
    }
  }
}

TEST_CASE("integrator: it keeps exactly its management fee of what the commissioner pays",
          "[network_run]") {
  Scenario scenario = shortfall::testing::quiet_scenario(2);
  scenario.id = "integrator";
  scenario.network.model = NetworkModel::integrator;
  scenario.network.management_fee = 0.05;
  scenario.provider.opening_cash = 5.0e6;
  for (int j = 1; j <= 3; ++j) {
    scenario.other_providers.push_back(subcontractor("sub_" + std::to_string(j), 1.0e6));
  }
  // 0.95 V split 50 / 30 / 15 % of V, everything passed on at once.
  scenario.network.subcontracts = {{1, 60.0e6, 1.0, 0}, {2, 36.0e6, 1.0, 0}, {3, 18.0e6, 1.0, 0}};
  const Deterministic run(scenario);
  for (int s : {k_bonus, k_withhold, k_advance}) {
    for (int t = 1; t <= 36; ++t) {
      // The integrator's costs run on its fee: 0.05 V / 12 = £0.5m a month.
      const double kept = run.cash(s, 0, t) - run.cash(s, 0, t - 1) + 0.05 * 120.0e6 / 12.0;
      REQUIRE(kept == Approx(0.05 * run.paid(s, 0, t)).epsilon(k_exact));
      REQUIRE(run.paid(s, 0, t) == Approx(base(s) + outcome_money(s, t)).epsilon(k_exact));
    }
  }
}

TEST_CASE("conservation: every pound the commissioner pays reaches some provider, month by month",
          "[network_run]") {
  // Pass-through and delays that differ, an integrator's fee, growth and an
  // overdraft: the providers' cash changes, costs and interest add up to
  // what the commissioner paid in every month; what the lead has not yet
  // passed on at the horizon is the subcontractors' receivable.
  Scenario scenario = shortfall::testing::quiet_scenario(2);
  scenario.id = "integrator";
  scenario.network.model = NetworkModel::integrator;
  scenario.network.management_fee = 0.04;
  scenario.contract.income_growth = 0.02;
  scenario.contract.basis = Basis::capitation;
  scenario.demand.growth = 0.03;
  scenario.provider.overdraft_rate = 0.05;
  for (int j = 1; j <= 2; ++j) {
    auto sub = subcontractor("sub_" + std::to_string(j), 0.5e6);
    sub.provider.overdraft_rate = 0.08;
    sub.provider.underlying_deficit = 0.03;
    scenario.other_providers.push_back(sub);
  }
  scenario.network.subcontracts = {{1, 72.0e6, 0.5, 1}, {2, 43.2e6, 1.0, 2}};
  const Deterministic run(scenario);
  const NetworkRunModel& model = run.model;
  for (int s : {k_bonus, k_withhold, k_advance}) {
    for (int t = 1; t <= 36; ++t) {
      double received = 0.0, paid = 0.0;
      for (int p = 0; p < model.provider_count(); ++p) {
        const double rate = scenario.provider_setup(p).provider.overdraft_rate;
        const double interest = rate / 12.0 * std::max(0.0, -run.cash(s, p, t - 1));
        const double cost = run.work.cost[static_cast<std::size_t>(p * 36 + t - 1)];
        received += run.cash(s, p, t) - run.cash(s, p, t - 1) + cost + interest;
        paid += run.paid(s, p, t);
      }
      INFO("structure " << s << ", month " << t);
      REQUIRE(received == Approx(paid).epsilon(1e-12).margin(1e-4));
    }
  }
}

TEST_CASE("alliance-wide indicators pay every member its own pot by the alliance's achievement",
          "[network_run]") {
  // Two members of £120m and £60m; the alliance's two indicators, one met
  // and one missed (threshold rule), weights 0.75 and 0.25: each member
  // earns 75 % of its own pot in every quarter, whatever its own cash.
  Scenario scenario = shortfall::testing::quiet_scenario(2);
  scenario.id = "trust";
  scenario.network.model = NetworkModel::alliance;
  scenario.network.shared_indicators = scenario.indicators;
  scenario.network.shared_indicators[0].weight = 0.75;
  scenario.network.shared_indicators[1].weight = 0.25;
  scenario.network.shared_indicators[1].baseline = 0.5;  // below its 0.8 target
  scenario.network.shared_correlation = scenario.correlation;
  scenario.indicators.clear();
  scenario.correlation = Eigen::MatrixXd(0, 0);
  ProviderSetup member = scenario;  // the same terms on half the value
  member.id = "social_enterprise";
  member.contract.annual_value = 60.0e6;
  member.provider.opening_cash = 2.0e6;
  scenario.other_providers.push_back(member);
  const Deterministic run(scenario);
  for (int s : {k_bonus, k_withhold, k_advance}) {
    CHECK(run.outcome(s, 0).earned == Approx(0.75 * 12 * 0.9e6));
    CHECK(run.outcome(s, 1).earned == Approx(0.75 * 12 * 0.45e6));
    CHECK(run.outcome(s, 0).earned_fraction == Approx(0.75));
    CHECK(run.outcome(s, 1).earned_fraction == Approx(0.75));
  }
  // The network's indicators: the first met every quarter, the second never.
  CHECK(run.work.achievement_mean[0] == 1.0);
  CHECK(run.work.achievement_mean[1] == 0.0);
}

TEST_CASE("an indicator delivered by a subcontractor moves with the subcontractor's stress",
          "[network_run]") {
  // The subcontractor starts in full stress (cash at its shortfall line); the
  // trust's cash is comfortable. With a stress penalty of 2 on the
  // subcontractor, the indicator it delivers sinks below target; delivered
  // by the trust, the same indicator is met.
  Scenario by_trust = prime_network(0.0, 0);
  by_trust.indicators[0].reversion = 0.5;
  by_trust.provider.stress_start_cash = 1.0e6;  // the trust's £5m is comfortable
  auto& sub = by_trust.other_providers[0];
  sub.provider.opening_cash = 0.0;
  sub.provider.stress_start_cash = 1.0e6;
  sub.provider.stress_penalty = 2.0;
  sub.provider.underlying_deficit = 0.05;  // and it stays short
  Scenario by_sub = by_trust;
  by_sub.indicators[0].delivered_by = 1;
  const Deterministic a(by_trust), b(by_sub);
  CHECK(a.work.achievement_mean[0] == 1.0);
  CHECK(b.work.achievement_mean[0] < 0.5);
  CHECK(b.outcome(k_bonus, 0).earned < a.outcome(k_bonus, 0).earned);
}
