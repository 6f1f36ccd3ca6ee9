// Operating cost K_t of docs/model.md section 3:
//   K_t = (1+d) (V (1+g_C)^{y(t)} / 12) [phi + (1-phi) A_t] (1 + sigma_c zeta_t).
// Costs are the same under every payment structure.
#pragma once

#include <span>
#include <vector>

#include "scenario.h"

namespace shortfall {

class OperatingCostModel {
 public:
  OperatingCostModel(const ProviderFinance& provider, double annual_value, int horizon_months);

  // K_1..K_T from activity A_t and cost shocks zeta_t (index t-1 holds month t).
  void cost_path(std::span<const double> activity, std::span<const double> shocks,
                 std::span<double> cost) const;

  // Expected cost at unit activity and no noise, (1+d) V (1+g_C)^y / 12.
  double monthly_scale(int month) const { return monthly_scale_[static_cast<std::size_t>(month - 1)]; }

 private:
  double fixed_share_;
  double noise_;
  std::vector<double> monthly_scale_;
};

}  // namespace shortfall
