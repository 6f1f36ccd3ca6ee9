// What a payment structure pays and when (MODEL.md sections 2 and 6).
//
// Under every structure the outcome pot P_k is the same; structures differ in
// whether and when the pot is carved out of the base income:
//   bonus     h = 0: full base, earned money paid on top at settlement;
//   withhold  h = 1: base reduced by p_y V_y / 12, earned money paid back;
//   hybrid    0 < h < 1: in between;
//   advance:  base as a withhold, the pot paid monthly as if fully earned,
//             the unearned part clawed back at settlement.
#pragma once

#include <span>
#include <vector>

#include "demand.h"
#include "scenario.h"

namespace shortfall {

class PaymentSchedule {
 public:
  PaymentSchedule(const Contract& contract, const PaymentStructure& structure,
                  const DemandModel& demand, int horizon_months);

  // B_t: efficient-cost payment less the withheld part, scaled by G_t
  // (capitation) or by realised activity A_t (episodic).
  double base_income(int month, double activity) const {
    const double fixed = base_fixed_[static_cast<std::size_t>(month - 1)];
    return follows_activity_ ? fixed * activity : fixed;
  }

  // Outcome money paid in advance in month t (advance only): p_y V_y / 12, never scaled.
  double advance_payment(int month) const { return advance_[static_cast<std::size_t>(month - 1)]; }

  // P_k = p_{y(k)} V_{y(k)} M / 12, y(k) the financial year of the period's last month.
  double outcome_pot(int period) const { return pot_[static_cast<std::size_t>(period - 1)]; }

  // Month in which period k is settled: kM + L (may lie after the horizon).
  int settlement_month(int period) const { return period * period_months_ + settlement_lag_; }

  // Money moved at settlement of a period that earned E_k: E_k, or under
  // advance the clawback -(P_k - E_k).
  double settlement(int period, double earned) const {
    return is_advance_ ? earned - outcome_pot(period) : earned;
  }

  int period_count() const { return static_cast<int>(pot_.size()); }

 private:
  bool follows_activity_;
  bool is_advance_;
  int period_months_;
  int settlement_lag_;
  std::vector<double> base_fixed_;  // B_t before the activity factor
  std::vector<double> advance_;     // [t], p_y V_y / 12 under advance, else 0
  std::vector<double> pot_;         // [k]
};

// Efficient-cost payment without any withhold, V_y / 12 scaled as the basis
// says: what the risk share compares costs against, the same for every structure.
double efficient_cost_payment(const Contract& contract, const DemandModel& demand, int month,
                              double activity);

// Risk-share transfers R_t (MODEL.md 2) of one contract: at each financial
// year end within the horizon, the year's variance e = costs - efficient-cost
// payments beyond the corridor, shared as the contract says, in month
// 12(y+1) + L. Adds each transfer to `transfer` [T] and returns the sum of
// those due after the horizon (receivable). `efficient_payment` [T] is the
// contract's efficient-cost payment of each month, before any withhold.
double add_risk_share_transfers(const Contract& contract, std::span<const double> efficient_payment,
                                std::span<const double> cost, std::span<double> transfer);

// V_y = V (1+g_I)^y.
double contract_value_in_year(const Contract& contract, int financial_year);

}  // namespace shortfall
