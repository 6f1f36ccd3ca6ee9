#include "sim/engine/binomial_sampler.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace shortfall {

double log_factorial(std::int64_t k) {
  if (k <= 22) {
    double factorial = 1.0;  // every product up to 22! is exact in a double
    for (std::int64_t j = 2; j <= k; ++j) factorial *= static_cast<double>(j);
    return portable_log(factorial);
  }
  // Stirling's series; the first omitted term, 1/(1188 k^9), is below 5e-16 for k >= 23.
  constexpr double k_half_log_two_pi = 0.91893853320467274178;
  const double x = static_cast<double>(k);
  const double inverse = 1.0 / x;
  const double inverse_squared = inverse * inverse;
  const double series =
      inverse * (1.0 / 12.0 - inverse_squared * (1.0 / 360.0 - inverse_squared * (1.0 / 1260.0 - inverse_squared / 1680.0)));
  return ((x + 0.5) * portable_log(x) - x) + (k_half_log_two_pi + series);
}

BinomialSampler::BinomialSampler(int cases, double inversion_mean_limit) : cases_(cases) {
  if (cases < 0) throw std::invalid_argument("binomial sampler: cases = " + std::to_string(cases) + " is below 0");
  if (!(inversion_mean_limit >= 10.0)) {
    throw std::invalid_argument("binomial sampler: inversion_mean_limit = " + std::to_string(inversion_mean_limit) +
                                " is below 10, where BTRD is not valid");
  }
  inversion_below_ = cases == 0 ? std::numeric_limits<double>::infinity() : inversion_mean_limit / cases;
  // Inversion's search rarely passes a few times the limit; beyond the
  // table the ratio is computed by the same division.
  const int ratio_count = std::min(cases, 1024);
  count_ratios_.assign(static_cast<std::size_t>(ratio_count) + 1, 0.0);
  for (int k = 1; k <= ratio_count; ++k) count_ratios_[static_cast<std::size_t>(k)] = count_ratio_uncached(k);
  if (cases <= k_table_max_cases) {
    log_choose_.resize(static_cast<std::size_t>(cases) + 1);
    for (int k = 0; k <= cases; ++k) log_choose_[static_cast<std::size_t>(k)] = log_choose_uncached(k);
  }
}

}  // namespace shortfall
