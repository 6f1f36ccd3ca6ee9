// Demand: the activity index A_t of docs/model.md section 3.
//
//   A_t = exp(a_t - v_t/2) G_t lambda_{m(t)},   a_t = rho a_{t-1} + sigma eta_t,
//   v_t = Var(a_t),  G_t = (1+g)^((t-1)/12),
// so E[exp(a_t - v_t/2)] = 1: the noise never moves expected activity.
#pragma once

#include <span>
#include <vector>

#include "scenario.h"

namespace shortfall {

class DemandModel {
 public:
  DemandModel(const DemandProcess& process, int horizon_months);

  // Expected demand trend G_t (capitation income follows it).
  double trend(int month) const { return trend_[static_cast<std::size_t>(month - 1)]; }

  // Variance v_t of the log-activity state a_t.
  double state_variance(int month) const { return variance_[static_cast<std::size_t>(month - 1)]; }

  // A_1..A_T from the shocks eta_1..eta_T (index t-1 holds month t).
  void activity_path(std::span<const double> shocks, std::span<double> activity) const;

 private:
  double volatility_;
  double persistence_;
  std::vector<double> trend_;            // G_t
  std::vector<double> variance_;         // v_t
  std::vector<double> expected_factor_;  // exp(-v_t/2) G_t lambda_{m(t)}
};

}  // namespace shortfall
