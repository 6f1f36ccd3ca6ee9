#include "operating_cost.h"

#include <cmath>

#include "calendar.h"
#include "portable_pow.h"

namespace shortfall {

OperatingCostModel::OperatingCostModel(const ProviderFinance& provider, double annual_value,
                                       int horizon_months)
    : fixed_share_(provider.fixed_cost_share), noise_(provider.cost_noise) {
  monthly_scale_.resize(static_cast<std::size_t>(horizon_months));
  for (int t = 1; t <= horizon_months; ++t) {
    monthly_scale_[static_cast<std::size_t>(t - 1)] =
        (1.0 + provider.underlying_deficit) *
        (annual_value * portable_integer_power(1.0 + provider.cost_growth, financial_year(t)) / 12.0);
  }
}

void OperatingCostModel::cost_path(std::span<const double> activity, std::span<const double> shocks,
                                   std::span<double> cost) const {
  for (std::size_t i = 0; i < cost.size(); ++i) {
    cost[i] = monthly_scale_[i] * (fixed_share_ + (1.0 - fixed_share_) * activity[i]) *
              (1.0 + noise_ * shocks[i]);
  }
}

}  // namespace shortfall
