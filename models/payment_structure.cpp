#include "payment_structure.h"

#include <cmath>

#include "calendar.h"
#include "portable_pow.h"

namespace shortfall {

double contract_value_in_year(const Contract& contract, int year) {
  return contract.annual_value * portable_integer_power(1.0 + contract.income_growth, year);
}

double efficient_cost_payment(const Contract& contract, const DemandModel& demand, int month,
                              double activity) {
  const double monthly = contract_value_in_year(contract, financial_year(month)) / 12.0;
  switch (contract.basis) {
    case Basis::block: return monthly;
    case Basis::capitation: return monthly * demand.trend(month);
    case Basis::episodic: return monthly * activity;
  }
  return monthly;
}

EfficientCostPayments::EfficientCostPayments(const Contract& contract, const DemandModel& demand,
                                             int horizon_months)
    : follows_activity_(contract.basis == Basis::episodic) {
  // With activity 1 the episodic payment is the activity-free factor, exactly.
  for (int t = 1; t <= horizon_months; ++t) {
    fixed_.push_back(efficient_cost_payment(contract, demand, t, 1.0));
  }
}

double add_risk_share_transfers(const Contract& contract, std::span<const double> efficient_payment,
                                std::span<const double> cost, std::span<double> transfer) {
  double receivable = 0.0;
  if (!contract.risk_share) return receivable;
  const auto& risk = *contract.risk_share;
  const int months = static_cast<int>(cost.size());
  for (int year_end = 12; year_end <= months; year_end += 12) {
    double variance = 0.0;  // e: the year's costs minus its efficient-cost payment
    for (int t = year_end - 11; t <= year_end; ++t) {
      variance += cost[static_cast<std::size_t>(t - 1)] - efficient_payment[static_cast<std::size_t>(t - 1)];
    }
    const double corridor = risk.corridor * contract_value_in_year(contract, financial_year(year_end));
    if (std::abs(variance) <= corridor) continue;
    const double amount =
        risk.commissioner_share * (std::abs(variance) - corridor) * (variance > 0 ? 1.0 : -1.0);
    const int month = year_end + contract.settlement_lag_months;
    if (month <= months) {
      transfer[static_cast<std::size_t>(month - 1)] += amount;
    } else {
      receivable += amount;
    }
  }
  return receivable;
}

PaymentSchedule::PaymentSchedule(const Contract& contract, const PaymentStructure& structure,
                                 const DemandModel& demand, int horizon_months, int provider)
    : follows_activity_(contract.basis == Basis::episodic),
      is_advance_(structure.advance && !structure.is_flat()),
      period_months_(contract.assessment_months),
      settlement_lag_(contract.settlement_lag_months) {
  const auto months = static_cast<std::size_t>(horizon_months);
  base_fixed_.resize(months);
  advance_.assign(months, 0.0);
  for (int t = 1; t <= horizon_months; ++t) {
    const int year = financial_year(t);
    const double share = contract.outcome_share_in_year(year);
    const double monthly_value = contract_value_in_year(contract, year) / 12.0;
    const double withheld = structure.withhold_fraction * share;  // h p_y
    double base = (1.0 - withheld) * monthly_value;
    if (contract.basis == Basis::capitation) base *= demand.trend(t);
    base_fixed_[static_cast<std::size_t>(t - 1)] = base;
    if (is_advance_) advance_[static_cast<std::size_t>(t - 1)] = share * monthly_value;
    if (structure.is_flat()) {
      const double earned_fraction =
          structure.flat_earned_fraction[static_cast<std::size_t>(provider)];  // e-bar
      advance_[static_cast<std::size_t>(t - 1)] = earned_fraction * (share * monthly_value);
    }
  }
  const int periods = horizon_months / period_months_;
  pot_.assign(static_cast<std::size_t>(periods), 0.0);
  if (structure.is_flat()) return;  // nothing to earn, nothing to settle
  for (int k = 1; k <= periods; ++k) {
    const int year = financial_year(last_month_of_period(k, period_months_));
    pot_[static_cast<std::size_t>(k - 1)] = contract.outcome_share_in_year(year) *
                                            contract_value_in_year(contract, year) *
                                            period_months_ / 12.0;
  }
}

}  // namespace shortfall
