// What a payment structure pays and when (docs/model.md sections 2 and 6).
//
// Under every structure the outcome pot P_k is the same; structures differ in
// whether and when the pot is carved out of the base income:
//   bonus     h = 0: full base, earned money paid on top at settlement;
//   withhold  h = 1: base reduced by p_y V_y / 12, earned money paid back;
//   hybrid    0 < h < 1: in between;
//   advance:  base as a withhold, the pot paid monthly as if fully earned,
//             the unearned part clawed back at settlement.
// and the flat comparator of the decomposition (docs/model.md,
// "Decomposition"): the base of the structure it stands for, and every
// month a fixed share of p_y V_y / 12 in place of any outcome money.
#pragma once

#include <span>
#include <vector>

#include "demand.h"
#include "scenario.h"

namespace shortfall {

class PaymentSchedule {
 public:
  // `provider` is the contract's holder, by position: it picks a flat
  // comparator's earned fraction.
  PaymentSchedule(const Contract& contract, const PaymentStructure& structure,
                  const DemandModel& demand, int horizon_months, int provider = 0);

  // B_t: efficient-cost payment less the withheld part, scaled by G_t
  // (capitation) or by realised activity A_t (episodic).
  double base_income(int month, double activity) const {
    const double fixed = base_fixed_[static_cast<std::size_t>(month - 1)];
    return follows_activity_ ? fixed * activity : fixed;
  }

  // Outcome money paid in month t whatever the outcomes, never scaled: under
  // advance the pot as if fully earned, p_y V_y / 12; under a flat
  // comparator e-bar p_y V_y / 12; otherwise 0.
  double advance_payment(int month) const { return advance_[static_cast<std::size_t>(month - 1)]; }

  // P_k = p_{y(k)} V_{y(k)} M / 12, y(k) the financial year of the period's
  // last month; 0 under a flat comparator, which has nothing to earn.
  double outcome_pot(int period) const { return pot_[static_cast<std::size_t>(period - 1)]; }

  // Month in which period k is settled: kM + L (may lie after the horizon).
  int settlement_month(int period) const { return period * period_months_ + settlement_lag_; }

  // E_k = P_k sum_i w_i a_{i,k} (docs/model.md 6), from the period's weighted
  // achievement.
  double earned(int period, double weighted_achievement) const {
    return outcome_pot(period) * weighted_achievement;
  }

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
  std::vector<double> advance_;     // [t], p_y V_y / 12 under advance, e-bar times it when flat, else 0
  std::vector<double> pot_;         // [k]
};

// The withhold fraction h as the effort term delta_w h sees it (docs/model.md 5):
// advance frames the pot as a loss just as a full withhold does, so it
// counts as h = 1 whatever its withhold fraction says; a flat comparator
// links no money to outcomes, so nothing is framed as a loss: h = 0.
inline double effort_fraction(const PaymentStructure& structure) {
  if (structure.is_flat()) return 0.0;
  return structure.advance ? 1.0 : structure.withhold_fraction;
}

// Efficient-cost payment without any withhold, V_y / 12 scaled as the basis
// says: what the risk share compares costs against, the same for every structure.
double efficient_cost_payment(const Contract& contract, const DemandModel& demand, int month,
                              double activity);

// The same payment month by month over the horizon. The part that does not
// depend on realised activity is computed once, so a run only multiplies by
// A_t (episodic); under block and capitation it is the stored number itself.
class EfficientCostPayments {
 public:
  EfficientCostPayments(const Contract& contract, const DemandModel& demand, int horizon_months);

  double in_month(int month, double activity) const {
    return fixed_[static_cast<std::size_t>(month - 1)] * (follows_activity_ ? activity : 1.0);
  }

 private:
  bool follows_activity_;
  std::vector<double> fixed_;  // [t], V_y/12 (times G_t for capitation)
};

// Risk-share transfers R_t (docs/model.md 2) of one contract: at each financial
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
