#include "late_payments.h"

#include <algorithm>
#include <numeric>

#include "calendar.h"

namespace shortfall {

int settlements_after_horizon(int horizon_months, int period_months, int settlement_lag_months) {
  int late = 0;
  for (int k = 1; last_month_of_period(k, period_months) <= horizon_months; ++k) {
    if (last_month_of_period(k, period_months) + settlement_lag_months > horizon_months) ++late;
  }
  return late;
}

int risk_share_transfers_after_horizon(int horizon_months, int settlement_lag_months) {
  int late = 0;
  for (int year_end = 12; year_end <= horizon_months; year_end += 12) {
    if (year_end + settlement_lag_months > horizon_months) ++late;
  }
  return late;
}

int smallest_horizon_from(int month, int period_months) {
  return (month + period_months - 1) / period_months * period_months;
}

std::vector<LatePayments> payments_after_horizon(const Scenario& scenario) {
  const int horizon = scenario.simulation.horizon_months;
  // A valid horizon is a multiple of every contract's M (docs/model.md 1).
  int period = 1;
  for (int p = 0; p < scenario.provider_count(); ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    if (setup.holds_contract) period = std::lcm(period, setup.contract.assessment_months);
  }

  std::vector<LatePayments> late;
  for (int p = 0; p < scenario.provider_count(); ++p) {
    const ProviderSetup& setup = scenario.provider_setup(p);
    if (!setup.holds_contract) continue;
    const Contract& contract = setup.contract;
    const int lag = contract.settlement_lag_months;
    LatePayments found;
    found.provider = p;
    found.settlements = settlements_after_horizon(horizon, contract.assessment_months, lag);
    if (found.settlements > 0) {
      // The last period ends in month T, a multiple of M.
      found.last_month = horizon + lag;
    }
    if (contract.risk_share) {
      found.risk_share_transfers = risk_share_transfers_after_horizon(horizon, lag);
      if (found.risk_share_transfers > 0) {
        found.last_month = std::max(found.last_month, horizon / 12 * 12 + lag);
      }
    }
    if (found.count() > 0) late.push_back(found);
  }
  const auto& subcontracts = scenario.network.subcontracts;
  for (std::size_t j = 0; j < subcontracts.size(); ++j) {
    const int delay = subcontracts[j].payment_delay_months;
    if (delay <= 0) continue;
    LatePayments found;
    found.provider = subcontracts[j].provider;
    found.subcontract = static_cast<int>(j);
    // The lead pays for every month t = 1..T, in month t + D_j.
    found.subcontract_payments = std::min(delay, horizon);
    found.last_month = horizon + delay;
    late.push_back(found);
  }
  for (auto& found : late) found.covering_horizon = smallest_horizon_from(found.last_month, period);
  return late;
}

}  // namespace shortfall
