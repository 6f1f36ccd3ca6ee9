#include "network_run.h"

#include <algorithm>

#include "calendar.h"

namespace shortfall {

namespace {

std::size_t index(int i) { return static_cast<std::size_t>(i); }

// The value of the care a provider delivers, on which its costs are
// reckoned (docs/model.md, "Networks and segments").
double delivered_value(const Scenario& scenario, int p) {
  const Network& network = scenario.network;
  const ProviderSetup& setup = scenario.provider_setup(p);
  for (const auto& subcontract : network.subcontracts) {
    if (subcontract.provider == p) return subcontract.value;
  }
  const double contract_value = setup.contract.annual_value;
  if (p == network.lead && network.model == NetworkModel::prime) {
    double subcontracted = 0.0;
    for (const auto& subcontract : network.subcontracts) subcontracted += subcontract.value;
    return contract_value - subcontracted;
  }
  if (p == network.lead && network.model == NetworkModel::integrator) {
    return network.management_fee * contract_value;
  }
  return contract_value;
}

// A provider's demand processes: its contract's segments, or one.
std::vector<const DemandProcess*> demand_processes(const ProviderSetup& setup) {
  std::vector<const DemandProcess*> processes;
  for (const auto& segment : setup.segments) processes.push_back(&segment.demand);
  if (processes.empty()) processes.push_back(&setup.demand);
  return processes;
}

Eigen::MatrixXd usable_correlation(const Eigen::MatrixXd& correlation) {
  // A provider without indicators (a subcontractor) correlates nothing.
  return correlation.rows() > 0 ? correlation : Eigen::MatrixXd::Identity(1, 1);
}

}  // namespace

NetworkRunModel::NetworkRunModel(const Scenario& scenario)
    : months_(scenario.simulation.horizon_months), structure_count_(scenario.structure_count()) {
  for (const auto& structure : scenario.main_contract().structures) {
    effort_fraction_.push_back(effort_fraction(structure));
    outcomes_from_.push_back(structure.outcomes_from);
  }
  const Network& network = scenario.network;
  const int provider_count = scenario.provider_count();
  const bool shared = !network.shared_indicators.empty();

  // Alliance-wide indicators answer to every member, weighted by contract value.
  double member_value = 0.0;
  double weighted_effort = 0.0;
  for (int p = 0; p < provider_count; ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    if (!setup.holds_contract) continue;
    member_value += setup.contract.annual_value;
    weighted_effort += setup.contract.annual_value * setup.contract.withhold_effort_effect;
  }
  std::vector<std::pair<int, double>> members_by_value;
  for (int p = 0; p < provider_count; ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    if (setup.holds_contract) members_by_value.emplace_back(p, setup.contract.annual_value / member_value);
  }

  const auto add_indicator = [&](const Indicator& spec, int holder, int local_index,
                                 const Contract& contract, bool alliance_wide) {
    MeasuredIndicator indicator{IndicatorProcess(spec), &spec, holder, local_index,
                                IndicatorMeasurement(spec, contract.payment_rule,
                                                     contract.assessment_months),
                                0.0, {}, months_ / contract.assessment_months};
    indicator.effort_effect =
        alliance_wide ? weighted_effort / member_value : contract.withhold_effort_effect;
    if (spec.delivered_by >= 0) {
      indicator.stress_sources = {{spec.delivered_by, 1.0}};
    } else if (alliance_wide) {
      indicator.stress_sources = members_by_value;
    } else {
      indicator.stress_sources = {{holder, 1.0}};
    }
    indicators_.push_back(std::move(indicator));
  };

  // Indicators and groups, provider by provider, then the alliance's.
  int shared_group = -1;
  std::vector<int> first_group_of(index(provider_count), -1);
  int next_activity = 0;
  for (int p = 0; p < provider_count; ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    const int first = indicator_count();
    for (int i = 0; i < setup.indicator_count(); ++i) {
      add_indicator(setup.indicators[index(i)], p, i, setup.contract, false);
    }
    const int process_count = static_cast<int>(demand_processes(setup).size());
    holders_.push_back({first, setup.indicator_count(),
                        ShockCorrelation(usable_correlation(setup.correlation)), next_activity,
                        process_count});
    next_activity += process_count;
    if (setup.holds_contract && setup.indicator_count() > 0) {
      first_group_of[index(p)] = static_cast<int>(groups_.size());
      if (setup.segments.empty()) {
        groups_.push_back({first, setup.indicator_count(), setup.contract.assessment_months});
      } else {
        for (const auto& segment : setup.segments) {
          groups_.push_back({first + segment.first_indicator, segment.indicator_count,
                             setup.contract.assessment_months});
        }
      }
    }
  }
  if (shared) {
    const Contract& contract = scenario.main_contract();
    const int first = indicator_count();
    for (std::size_t i = 0; i < network.shared_indicators.size(); ++i) {
      add_indicator(network.shared_indicators[i], provider_count, static_cast<int>(i), contract, true);
    }
    holders_.push_back({first, static_cast<int>(network.shared_indicators.size()),
                        ShockCorrelation(usable_correlation(network.shared_correlation)),
                        next_activity, 0});
    shared_group = static_cast<int>(groups_.size());
    groups_.push_back({first, static_cast<int>(network.shared_indicators.size()),
                       contract.assessment_months});
  }

  // Demand, costs, contracts.
  for (int p = 0; p < provider_count; ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    const auto processes = demand_processes(setup);
    for (const auto* process : processes) demand_.emplace_back(*process, months_);
    ProviderTerms terms{&setup, OperatingCostModel(setup.provider, delivered_value(scenario, p), months_),
                        holders_[index(p)].first_activity, static_cast<int>(processes.size()),
                        {}, -1, {}, -1};
    for (const auto& segment : setup.segments) {
      terms.activity_weights.push_back(segment.annual_value / setup.contract.annual_value);
    }
    if (setup.holds_contract) {
      terms.contract = static_cast<int>(contracts_.size());
      ContractTerms contract{setup.contract.assessment_months, {}, &setup.contract};
      const int segment_count = std::max<int>(1, static_cast<int>(setup.segments.size()));
      for (int k = 0; k < segment_count; ++k) {
        Contract terms_of_segment = setup.contract;
        if (!setup.segments.empty()) {
          terms_of_segment.annual_value = setup.segments[index(k)].annual_value;
          terms_of_segment.basis = setup.segments[index(k)].basis;
        }
        const int activity = terms.first_activity + k;
        const DemandModel& demand = demand_[index(activity)];
        PaidSegment paid{{}, EfficientCostPayments(terms_of_segment, demand, months_), activity,
                         shared ? shared_group : first_group_of[index(p)] + k};
        for (const auto& structure : scenario.main_contract().structures) {
          paid.schedules.emplace_back(terms_of_segment, structure, demand, months_, p);
        }
        contract.segments.push_back(std::move(paid));
      }
      contracts_.push_back(std::move(contract));
    }
    providers_.push_back(std::move(terms));
  }
  for (const auto& subcontract : network.subcontracts) {
    const int j = static_cast<int>(subcontracts_.size());
    subcontracts_.push_back({network.lead, subcontract.provider,
                             subcontract.value / scenario.provider_setup(network.lead).contract.annual_value,
                             subcontract.pass_through, subcontract.payment_delay_months});
    providers_[index(network.lead)].subcontracts_paid.push_back(j);
    providers_[index(subcontract.provider)].subcontract_received = j;
  }
}

NetworkRunModel::Workspace NetworkRunModel::make_workspace() const {
  const auto months = index(months_);
  const auto providers = index(provider_count());
  const auto k = index(indicator_count());
  const auto s = index(structure_count_);
  Workspace work;
  work.activity.resize(demand_.size() * months);
  work.cost_activity.resize(months);
  work.efficient_payment.resize(months);
  work.cost.resize(providers * months);
  work.risk_transfer.resize(providers * months);
  work.risk_receivable.resize(providers);
  work.correlated_shocks.resize(k * months);
  work.latent.resize(k);
  work.rate_sum.resize(k);
  work.group_achievement.resize(groups_.size());
  work.group_achievement_by_period.resize(s * groups_.size() * months);
  work.settlements_due.resize(providers * months);
  work.subcontract_due.resize(subcontracts_.size() * months);
  work.subcontract_outcome_due.resize(subcontracts_.size() * months);
  work.settlements.reserve(providers);
  work.accounts.reserve(providers);
  work.commissioner_payment.resize(providers);
  work.outcomes.resize(s * providers);
  work.cash_path.resize(s * providers * months);
  work.commissioner_paid.resize(s * providers * months);
  work.achievement_mean.resize(s * k);
  return work;
}

void NetworkRunModel::simulate(std::span<const RunShocks* const> shocks,
                               std::span<MeasurementSampler* const> samplers,
                               Workspace& work) const {
  const auto months = index(months_);
  for (std::size_t h = 0; h < holders_.size(); ++h) {
    const Holder& holder = holders_[h];
    for (int k = 0; k < holder.activity_count; ++k) {
      const auto process = index(holder.first_activity + k);
      demand_[process].activity_path(std::span(shocks[h]->demand).subspan(index(k) * months, months),
                                     std::span(work.activity).subspan(process * months, months));
    }
    if (holder.indicator_count > 0) {
      holder.correlation.apply_months(
          shocks[h]->performance,
          std::span(work.correlated_shocks).subspan(index(holder.first_indicator) * months,
                                                    index(holder.indicator_count) * months),
          months_);
    }
  }

  for (std::size_t p = 0; p < providers_.size(); ++p) {
    const ProviderTerms& terms = providers_[p];
    std::span<const double> activity =
        std::span(work.activity).subspan(index(terms.first_activity) * months, months);
    if (terms.activity_count > 1) {
      // phi + (1 - phi) sum_s w_s A_s = sum_s w_s [phi + (1 - phi) A_s], as the weights sum to 1.
      for (std::size_t t = 0; t < months; ++t) {
        double mix = 0.0;
        for (int k = 0; k < terms.activity_count; ++k) {
          mix += terms.activity_weights[index(k)] *
                 work.activity[index(terms.first_activity + k) * months + t];
        }
        work.cost_activity[t] = mix;
      }
      activity = work.cost_activity;
    }
    const auto cost = std::span(work.cost).subspan(p * months, months);
    terms.cost.cost_path(activity, shocks[p]->cost, cost);

    // Risk share (docs/model.md 2), the same for every structure.
    const auto transfer = std::span(work.risk_transfer).subspan(p * months, months);
    std::fill(transfer.begin(), transfer.end(), 0.0);
    work.risk_receivable[p] = 0.0;
    if (terms.contract < 0 || !contracts_[index(terms.contract)].contract->risk_share) continue;
    const ContractTerms& contract = contracts_[index(terms.contract)];
    for (int t = 1; t <= months_; ++t) {
      const auto month_index = index(t - 1);
      double payment = 0.0;
      for (std::size_t k = 0; k < contract.segments.size(); ++k) {
        const PaidSegment& segment = contract.segments[k];
        const double paid = segment.efficient_payments.in_month(
            t, work.activity[index(segment.activity) * months + month_index]);
        payment = k == 0 ? paid : payment + paid;
      }
      work.efficient_payment[month_index] = payment;
    }
    work.risk_receivable[p] =
        add_risk_share_transfers(*contract.contract, work.efficient_payment, cost, transfer);
  }

  for (int s = 0; s < structure_count_; ++s) {
    simulate_structure(s, samplers, work);
    for (std::size_t p = 0; p < providers_.size(); ++p) {
      work.outcomes[index(s) * providers_.size() + p].receivable += work.risk_receivable[p];
    }
  }
}

double NetworkRunModel::measure_group(int g, int period, std::span<MeasurementSampler* const> samplers,
                                      Workspace& work, std::span<double> achievement_sum) const {
  const IndicatorGroup& group = groups_[index(g)];
  double weighted = 0.0;
  for (int i = group.first; i < group.first + group.count; ++i) {
    const MeasuredIndicator& indicator = indicators_[index(i)];
    const double a = indicator.measurement.achievement_of_period(
        work.rate_sum[index(i)], period, *samplers[index(indicator.holder)], indicator.local_index);
    achievement_sum[index(i)] += a;
    weighted += indicator.spec->weight * a;
    work.rate_sum[index(i)] = 0.0;  // the next period starts afresh
  }
  return weighted;
}

void NetworkRunModel::simulate_structure(int s, std::span<MeasurementSampler* const> samplers,
                                         Workspace& work) const {
  const auto months = index(months_);
  const auto provider_count = providers_.size();
  const auto k = index(indicator_count());
  const double h = effort_fraction_[index(s)];
  const auto outcome_of = [&](std::size_t p) -> RunOutcome& {
    return work.outcomes[index(s) * provider_count + p];
  };
  std::span<double> achievement_sum(work.achievement_mean.data() + index(s) * k, k);
  std::fill(achievement_sum.begin(), achievement_sum.end(), 0.0);
  std::fill(work.rate_sum.begin(), work.rate_sum.end(), 0.0);
  for (std::size_t i = 0; i < k; ++i) work.latent[i] = indicators_[i].process.logit_baseline;
  std::fill(work.subcontract_due.begin(), work.subcontract_due.end(), 0.0);
  std::fill(work.subcontract_outcome_due.begin(), work.subcontract_outcome_due.end(), 0.0);
  work.settlements.clear();
  work.accounts.clear();
  for (std::size_t p = 0; p < provider_count; ++p) {
    outcome_of(p) = RunOutcome{};
    work.settlements.emplace_back(std::span(work.settlements_due).subspan(p * months, months));
    work.accounts.emplace_back(providers_[p].setup->provider);  // Cash_0 and s_0
  }

  // A structure that takes another's outcomes (the decomposition's
  // comparators) reads that structure's measured periods instead.
  const int source = outcomes_from_[index(s)];
  const auto group_count = groups_.size();
  const auto measured = [&](int structure, std::size_t g, int period) -> double& {
    return work.group_achievement_by_period[(index(structure) * group_count + g) * months +
                                            index(period - 1)];
  };

  for (int t = 1; t <= months_; ++t) {
    const auto month_index = index(t - 1);
    if (source >= 0) {
      for (std::size_t g = 0; g < group_count; ++g) {
        if (!is_period_end(t, groups_[g].period_months)) continue;
        const int period = t / groups_[g].period_months;
        work.group_achievement[g] = measured(source, g, period);
        measured(s, g, period) = work.group_achievement[g];
      }
    }
    // Latent performance with last month's stress of whoever delivers it (docs/model.md 5).
    for (std::size_t i = 0; source < 0 && i < k; ++i) {
      const MeasuredIndicator& indicator = indicators_[i];
      double drag = 0.0;
      for (std::size_t q = 0; q < indicator.stress_sources.size(); ++q) {
        const auto [provider, weight] = indicator.stress_sources[q];
        const double term = weight * (providers_[index(provider)].setup->provider.stress_penalty *
                                      work.accounts[index(provider)].stress());
        drag = q == 0 ? term : drag + term;
      }
      const double feedback = indicator.effort_effect * h - drag;
      const Holder& holder = holders_[index(indicator.holder)];
      const double shock =
          work.correlated_shocks[index(holder.first_indicator) * months +
                                 month_index * index(holder.indicator_count) + index(indicator.local_index)];
      const auto& process = indicator.process;
      work.latent[i] = process.step(work.latent[i], process.target_level(t, feedback), shock);
      work.rate_sum[i] += logistic(work.latent[i]);  // pi_{i,t}
    }
    for (std::size_t g = 0; source < 0 && g < group_count; ++g) {
      if (!is_period_end(t, groups_[g].period_months)) continue;
      const int period = t / groups_[g].period_months;
      work.group_achievement[g] =
          measure_group(static_cast<int>(g), period, samplers, work, achievement_sum);
      measured(s, g, period) = work.group_achievement[g];
    }

    // The commissioner pays each contract's holder; settlements are scheduled (docs/model.md 2, 6).
    for (std::size_t p = 0; p < provider_count; ++p) {
      work.commissioner_payment[p] = 0.0;
      const ProviderTerms& terms = providers_[p];
      if (terms.contract < 0) continue;
      const ContractTerms& contract = contracts_[index(terms.contract)];
      RunOutcome& outcome = outcome_of(p);
      SettlementBook& settlements = work.settlements[p];
      double base = 0.0, advance = 0.0, efficient = 0.0;
      for (std::size_t seg = 0; seg < contract.segments.size(); ++seg) {
        const PaidSegment& segment = contract.segments[seg];
        const PaymentSchedule& schedule = segment.schedules[index(s)];
        if (is_period_end(t, contract.period_months)) {
          const int period = t / contract.period_months;
          settlements.settle(schedule, period,
                             schedule.earned(period, work.group_achievement[index(segment.group)]));
        }
        const double activity = work.activity[index(segment.activity) * months + month_index];
        const double segment_base = schedule.base_income(t, activity);
        const double segment_advance = schedule.advance_payment(t);
        const double segment_efficient = segment.efficient_payments.in_month(t, activity);
        base = seg == 0 ? segment_base : base + segment_base;
        advance = seg == 0 ? segment_advance : advance + segment_advance;
        efficient = seg == 0 ? segment_efficient : efficient + segment_efficient;
      }
      const double outcome_money = advance + settlements.due_in(t);
      const double paid = base + outcome_money + work.risk_transfer[p * months + month_index];
      work.commissioner_payment[p] = paid;  // B_t + O_t + R_t
      outcome.received += outcome_money;
      outcome.commissioner_cost += paid;

      // A lead owes each subcontractor its share, after the delay (docs/model.md).
      for (const int j : terms.subcontracts_paid) {
        const SubcontractTerms& subcontract = subcontracts_[index(j)];
        const double payment =
            subcontract.share * ((1.0 - subcontract.pass_through) * efficient +
                                 subcontract.pass_through * (base + outcome_money));
        const double outcome_part = subcontract.share * subcontract.pass_through * outcome_money;
        const int due = t + subcontract.delay;
        if (due <= months_) {
          work.subcontract_due[index(j) * months + index(due - 1)] += payment;
          work.subcontract_outcome_due[index(j) * months + index(due - 1)] += outcome_part;
        } else {
          work.settlements[index(subcontract.provider)].add_receivable(payment);
        }
      }
    }

    // Cash (docs/model.md 4), provider by provider.
    for (std::size_t p = 0; p < provider_count; ++p) {
      const ProviderTerms& terms = providers_[p];
      RunOutcome& outcome = outcome_of(p);
      double money_in = work.commissioner_payment[p];
      if (terms.subcontract_received >= 0) {
        const auto slot = index(terms.subcontract_received) * months + month_index;
        money_in += work.subcontract_due[slot];
        outcome.received += work.subcontract_outcome_due[slot];
      }
      for (const int j : terms.subcontracts_paid) {
        const auto slot = index(j) * months + month_index;
        money_in -= work.subcontract_due[slot];
        outcome.received -= work.subcontract_outcome_due[slot];
      }
      work.commissioner_paid[(index(s) * provider_count + p) * months + month_index] =
          work.commissioner_payment[p];
      CashAccount& account = work.accounts[p];
      account.step(t, money_in, work.cost[p * months + month_index]);
      work.cash_path[(index(s) * provider_count + p) * months + month_index] = account.cash();
    }
  }

  if (source >= 0) {
    const auto* taken = work.achievement_mean.data() + index(source) * k;
    std::copy(taken, taken + k, achievement_sum.begin());
  } else {
    for (std::size_t i = 0; i < k; ++i) achievement_sum[i] /= indicators_[i].periods;
  }
  for (std::size_t p = 0; p < provider_count; ++p) {
    work.accounts[p].finish(outcome_of(p));
    work.settlements[p].finish(outcome_of(p));
  }
}

}  // namespace shortfall
