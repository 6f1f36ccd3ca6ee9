#include "demand.h"

#include "calendar.h"
#include "portable_exp.h"
#include "portable_pow.h"

namespace shortfall {

DemandModel::DemandModel(const DemandProcess& process, int horizon_months)
    : volatility_(process.volatility), persistence_(process.persistence) {
  const auto months = static_cast<std::size_t>(horizon_months);
  trend_.resize(months);
  variance_.resize(months);
  expected_factor_.resize(months);
  const double sigma2 = volatility_ * volatility_;
  const double rho2 = persistence_ * persistence_;
  for (int t = 1; t <= horizon_months; ++t) {
    const auto i = static_cast<std::size_t>(t - 1);
    trend_[i] = portable_power(1.0 + process.growth, (t - 1) / 12.0);
    // v_t = sigma^2 (1 - rho^{2t}) / (1 - rho^2); the limit t sigma^2 at |rho| = 1.
    variance_[i] = rho2 == 1.0 ? t * sigma2 : sigma2 * (1.0 - portable_integer_power(rho2, t)) / (1.0 - rho2);
    expected_factor_[i] = portable_exp_full_range(-0.5 * variance_[i]) * trend_[i] *
                          process.seasonality[static_cast<std::size_t>(month_of_year(t))];
  }
}

void DemandModel::activity_path(std::span<const double> shocks, std::span<double> activity) const {
  double state = 0.0;  // a_0
  for (std::size_t i = 0; i < activity.size(); ++i) {
    state = persistence_ * state + volatility_ * shocks[i];
    activity[i] = portable_exp_full_range(state) * expected_factor_[i];
  }
}

}  // namespace shortfall
