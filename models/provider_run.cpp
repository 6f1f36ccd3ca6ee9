#include "provider_run.h"

#include <algorithm>

#include "calendar.h"
#include "cash_account.h"
#include "settlement_book.h"

namespace shortfall {

namespace {

std::size_t index(int i) { return static_cast<std::size_t>(i); }

}  // namespace

ProviderRunModel::ProviderRunModel(const Scenario& scenario)
    : scenario_(scenario),
      months_(scenario.simulation.horizon_months),
      periods_(scenario.simulation.horizon_months / scenario.contract.assessment_months),
      demand_(scenario.demand, months_),
      operating_cost_(scenario.provider, scenario.contract.annual_value, months_),
      correlation_(scenario.correlation),
      efficient_payments_(scenario.contract, demand_, months_) {
  for (const auto& indicator : scenario.indicators) {
    indicators_.emplace_back(indicator);
    measurements_.emplace_back(indicator, scenario.contract.payment_rule,
                               scenario.contract.assessment_months);
  }
  indicator_arrays_ = IndicatorProcesses(indicators_);
  for (const auto& structure : scenario.contract.structures) {
    schedules_.emplace_back(scenario.contract, structure, demand_, months_);
  }
  const auto& structures = scenario.contract.structures;
  for (const auto& structure : structures) {
    effort_.push_back(scenario.contract.withhold_effort_effect * effort_fraction(structure));
  }
  // Without stress feedback an indicator path depends on the structure only
  // through the effort term delta_w h, so structures with equal h share it
  // with an earlier one that simulated its own.
  shares_outcomes_with_.assign(structures.size(), -1);
  for (std::size_t s = 0; s < structures.size(); ++s) {
    if (structures[s].outcomes_from >= 0) {
      shares_outcomes_with_[s] = structures[s].outcomes_from;
      continue;
    }
    if (scenario.provider.stress_penalty != 0.0) continue;
    for (std::size_t earlier = 0; earlier < s; ++earlier) {
      const bool same_effort = scenario.contract.withhold_effort_effect == 0.0 ||
                               effort_fraction(structures[s]) == effort_fraction(structures[earlier]);
      if (same_effort && structures[earlier].outcomes_from < 0) {
        shares_outcomes_with_[s] = static_cast<int>(earlier);
        break;
      }
    }
  }
}

int ProviderRunModel::structure_sharing_outcomes(int structure) const {
  return shares_outcomes_with_[index(structure)];
}

ProviderRunModel::Workspace ProviderRunModel::make_workspace() const {
  const auto months = index(months_);
  const auto k = index(indicator_count());
  const auto s = index(structure_count());
  Workspace work;
  work.activity.resize(months);
  work.cost.resize(months);
  work.risk_transfer.resize(months);
  work.efficient_payment.resize(months);
  work.correlated_shocks.resize(months * k);
  work.settlements_due.resize(months);
  work.latent.resize(k);
  work.rate_sum.resize(k);
  work.draws.reserve(k);
  work.met.resize(k);
  work.achievement_by_period.resize(s * index(periods_));
  work.outcomes.resize(s);
  work.cash.resize(s * months);
  work.achievement_mean.resize(s * k);
  return work;
}

void ProviderRunModel::simulate(const RunShocks& shocks, MeasurementSampler& sampler,
                                Workspace& work) const {
  demand_.activity_path(shocks.demand, work.activity);
  operating_cost_.cost_path(work.activity, shocks.cost, work.cost);

  correlation_.apply_months(shocks.performance, work.correlated_shocks, months_);

  // Risk share (docs/model.md 2): the same for every structure, since it compares
  // costs with the efficient-cost payment before any withhold.
  std::fill(work.risk_transfer.begin(), work.risk_transfer.end(), 0.0);
  double risk_receivable = 0.0;
  if (scenario_.contract.risk_share) {
    for (int t = 1; t <= months_; ++t) {
      work.efficient_payment[index(t - 1)] = efficient_payments_.in_month(t, work.activity[index(t - 1)]);
    }
    risk_receivable = add_risk_share_transfers(scenario_.contract, work.efficient_payment, work.cost,
                                               work.risk_transfer);
  }

  for (int s = 0; s < structure_count(); ++s) {
    simulate_structure(s, sampler, work);
    work.outcomes[index(s)].receivable += risk_receivable;
  }
}

double ProviderRunModel::measure_period(int period, MeasurementSampler& sampler, Workspace& work,
                                        std::span<double> achievement_sum) const {
  // The period's draws together (MeasurementSampler's batch), then each
  // indicator's achievement: the bits of achievement_of_period.
  std::span<double> rate_sum(work.rate_sum);
  work.draws.clear();
  for (std::size_t i = 0; i < rate_sum.size(); ++i) {
    const auto& measurement = measurements_[i];
    if (measurement.sampled()) {
      work.draws.push_back({static_cast<int>(i), measurement.cases(), measurement.mean_rate(rate_sum[i])});
    }
  }
  std::span<int> met(work.met.data(), work.draws.size());
  sampler.cases_met(period, work.draws, met);
  double weighted = 0.0;
  std::size_t next_draw = 0;
  for (std::size_t i = 0; i < rate_sum.size(); ++i) {
    const auto& measurement = measurements_[i];
    const double a = measurement.sampled() ? measurement.achievement_of_count(met[next_draw++])
                                           : measurement.achievement_of_rate(measurement.mean_rate(rate_sum[i]));
    achievement_sum[i] += a;
    weighted += scenario_.indicators[i].weight * a;
    rate_sum[i] = 0.0;  // the next period starts afresh
  }
  return weighted;
}

void ProviderRunModel::simulate_structure(int s, MeasurementSampler& sampler, Workspace& work) const {
  const auto& provider = scenario_.provider;
  const auto& contract = scenario_.contract;
  const auto& schedule = schedules_[index(s)];
  const auto k = index(indicator_count());
  const int period_months = contract.assessment_months;
  const double effort = effort_[index(s)];
  const int shared_with = structure_sharing_outcomes(s);
  std::span<double> achievement_by_period(
      work.achievement_by_period.data() + index(s) * index(periods_), index(periods_));
  std::span<double> achievement_mean(work.achievement_mean.data() + index(s) * k, k);
  std::span<double> cash_path(work.cash.data() + index(s) * index(months_), index(months_));

  RunOutcome outcome;
  SettlementBook settlements(work.settlements_due);
  if (shared_with >= 0) {
    const auto* source = work.achievement_by_period.data() + index(shared_with) * index(periods_);
    std::copy(source, source + periods_, achievement_by_period.begin());
    const auto* source_mean = work.achievement_mean.data() + index(shared_with) * k;
    std::copy(source_mean, source_mean + k, achievement_mean.begin());
  } else {
    for (std::size_t i = 0; i < k; ++i) work.latent[i] = indicators_[i].logit_baseline;  // x_{i,0}
    std::fill(work.rate_sum.begin(), work.rate_sum.end(), 0.0);
    std::fill(achievement_mean.begin(), achievement_mean.end(), 0.0);
  }

  CashAccount account(provider);  // Cash_0 and s_0
  for (int t = 1; t <= months_; ++t) {
    const auto month_index = index(t - 1);
    if (shared_with < 0) {
      // Latent performance, then the period's measurement (docs/model.md 5).
      const double feedback = effort - provider.stress_penalty * account.stress();
      advance_indicators(indicator_arrays_, t, feedback,
                         std::span<const double>(work.correlated_shocks.data() + month_index * k, k),
                         work.latent, work.rate_sum);
      if (is_period_end(t, period_months)) {
        const int period = t / period_months;
        achievement_by_period[index(period - 1)] =
            measure_period(period, sampler, work, achievement_mean);
      }
    }
    if (is_period_end(t, period_months)) {
      const int period = t / period_months;
      // E_k from this structure's own pot (0 for a flat comparator).
      settlements.settle(schedule, period,
                         schedule.earned(period, achievement_by_period[index(period - 1)]));
    }

    // Cash (docs/model.md 4): the commissioner pays B_t + O_t + R_t.
    const double base = schedule.base_income(t, work.activity[month_index]);
    const double outcome_money = schedule.advance_payment(t) + settlements.due_in(t);
    const double paid = base + outcome_money + work.risk_transfer[month_index];
    account.step(t, paid, work.cost[month_index]);
    cash_path[month_index] = account.cash();

    outcome.received += outcome_money;
    outcome.commissioner_cost += paid;
  }

  if (shared_with < 0) {
    for (auto& mean : achievement_mean) mean /= periods_;
  }
  account.finish(outcome);
  settlements.finish(outcome);
  work.outcomes[index(s)] = outcome;
}

}  // namespace shortfall
