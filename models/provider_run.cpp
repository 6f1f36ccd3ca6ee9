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
  work.settlements_due.resize(s * months);
  // Padded to whole vectors for add_rates; the pad lanes' sums are never used.
  work.latent.resize(indicator_lanes(s * k));
  work.rate_sum.resize(indicator_lanes(s * k));
  work.draws.reserve(s * k);
  work.met.resize(s * k);
  work.accounts.reserve(s);
  work.settlements.reserve(s);
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

  simulate_structures(sampler, work);
  for (auto& outcome : work.outcomes) outcome.receivable += risk_receivable;
}

void ProviderRunModel::measure_period(int period, MeasurementSampler& sampler, Workspace& work) const {
  const auto k = index(indicator_count());
  const auto structures = index(structure_count());
  // The period's draws of every structure together (MeasurementSampler's
  // batch), then each indicator's achievement: the bits of
  // IndicatorMeasurement::achievement_of_period.
  work.draws.clear();
  for (std::size_t s = 0; s < structures; ++s) {
    if (shares_outcomes_with_[s] >= 0) continue;
    const double* rate_sum = work.rate_sum.data() + s * k;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& measurement = measurements_[i];
      if (measurement.sampled()) {
        work.draws.push_back({static_cast<int>(i), measurement.cases(), measurement.mean_rate(rate_sum[i])});
      }
    }
  }
  const std::span<int> met(work.met.data(), work.draws.size());
  sampler.cases_met(period, work.draws, met);
  std::size_t next_draw = 0;
  for (std::size_t s = 0; s < structures; ++s) {
    if (shares_outcomes_with_[s] >= 0) continue;
    double* rate_sum = work.rate_sum.data() + s * k;
    double* achievement_sum = work.achievement_mean.data() + s * k;
    double weighted = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      const auto& measurement = measurements_[i];
      const double a = measurement.sampled() ? measurement.achievement_of_count(met[next_draw++])
                                             : measurement.achievement_of_rate(measurement.mean_rate(rate_sum[i]));
      achievement_sum[i] += a;
      weighted += scenario_.indicators[i].weight * a;
      rate_sum[i] = 0.0;  // the next period starts afresh
    }
    work.achievement_by_period[s * index(periods_) + index(period - 1)] = weighted;
  }
}

void ProviderRunModel::simulate_structures(MeasurementSampler& sampler, Workspace& work) const {
  const auto& provider = scenario_.provider;
  const auto& contract = scenario_.contract;
  const auto k = index(indicator_count());
  const auto months = index(months_);
  const auto periods = index(periods_);
  const auto structures = index(structure_count());
  const int period_months = contract.assessment_months;

  work.accounts.clear();
  work.settlements.clear();
  for (std::size_t s = 0; s < structures; ++s) {
    work.accounts.emplace_back(provider);  // Cash_0 and s_0
    work.settlements.emplace_back(std::span<double>(work.settlements_due.data() + s * months, months));
    work.outcomes[s] = RunOutcome{};
    if (shares_outcomes_with_[s] >= 0) continue;
    for (std::size_t i = 0; i < k; ++i) work.latent[s * k + i] = indicators_[i].logit_baseline;  // x_{i,0}
    std::fill_n(work.achievement_mean.begin() + static_cast<std::ptrdiff_t>(s * k), k, 0.0);
  }
  // Every lane, those of structures that share another's outcomes and the
  // pad included: add_rates sums them all, and only the used ones are read.
  std::fill(work.rate_sum.begin(), work.rate_sum.end(), 0.0);

  for (int t = 1; t <= months_; ++t) {
    const auto month_index = index(t - 1);
    // Latent performance, then the period's measurement (docs/model.md 5),
    // for every structure with its own indicator paths.
    for (std::size_t s = 0; s < structures; ++s) {
      if (shares_outcomes_with_[s] >= 0) continue;
      const double feedback = effort_[s] - provider.stress_penalty * work.accounts[s].stress();
      step_indicators(indicator_arrays_, t, feedback,
                      std::span<const double>(work.correlated_shocks.data() + month_index * k, k),
                      std::span<double>(work.latent.data() + s * k, k));
    }
    add_rates(work.latent, work.rate_sum);  // pi_{i,t} of every structure at once
    const bool period_end = is_period_end(t, period_months);
    const int period = t / period_months;
    if (period_end) {
      measure_period(period, sampler, work);
      // A structure that shares an earlier one's outcomes (structure_sharing_outcomes) takes its period.
      for (std::size_t s = 0; s < structures; ++s) {
        const int source = shares_outcomes_with_[s];
        if (source >= 0) {
          work.achievement_by_period[s * periods + index(period - 1)] =
              work.achievement_by_period[index(source) * periods + index(period - 1)];
        }
      }
    }
    for (std::size_t s = 0; s < structures; ++s) {
      const auto& schedule = schedules_[s];
      auto& settlements = work.settlements[s];
      auto& account = work.accounts[s];
      RunOutcome& outcome = work.outcomes[s];
      if (period_end) {
        // E_k from this structure's own pot (0 for a flat comparator).
        settlements.settle(schedule, period,
                           schedule.earned(period, work.achievement_by_period[s * periods + index(period - 1)]));
      }
      // Cash (docs/model.md 4): the commissioner pays B_t + O_t + R_t.
      const double base = schedule.base_income(t, work.activity[month_index]);
      const double outcome_money = schedule.advance_payment(t) + settlements.due_in(t);
      const double paid = base + outcome_money + work.risk_transfer[month_index];
      account.step(t, paid, work.cost[month_index]);
      work.cash[s * months + month_index] = account.cash();

      outcome.received += outcome_money;
      outcome.commissioner_cost += paid;
    }
  }

  for (std::size_t s = 0; s < structures; ++s) {
    double* mean = work.achievement_mean.data() + s * k;
    const int source = shares_outcomes_with_[s];
    if (source < 0) {
      for (std::size_t i = 0; i < k; ++i) mean[i] /= periods_;
    } else {  // the source is an earlier structure, whose means are final
      std::copy_n(work.achievement_mean.data() + index(source) * k, k, mean);
    }
    work.accounts[s].finish(work.outcomes[s]);
    work.settlements[s].finish(work.outcomes[s]);
  }
}

}  // namespace shortfall
