// Estimators of MODEL.md section 7, as free functions on plain numbers so
// they can be tested against hand computations.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

namespace shortfall {

inline constexpr double k_wilson_z = 1.959964;  // MODEL.md section 7

// 95 % Wilson score interval for `successes` out of `trials` (trials > 0).
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t trials,
                                          double z = k_wilson_z);

// Quantile by linear interpolation between order statistics at position
// q (N-1), NumPy's default. `values` is reordered (partially sorted) in place.
double quantile_linear(std::span<double> values, double q);

// Several quantiles of the same values at once (ascending q); reorders values.
void quantiles_linear(std::span<double> values, std::span<const double> qs, std::span<double> out);

// Mean of the worst ceil(share N) values (the lower tail): CVaR of MODEL.md
// section 7 with share 0.05. Reorders values.
double lower_tail_mean(std::span<double> values, double share);

}  // namespace shortfall
