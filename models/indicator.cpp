#include "indicator.h"

namespace shortfall {

int threshold_count(double target, int cases) {
  for (int count = 0; count <= cases; ++count) {
    if (static_cast<double>(count) / cases >= target) return count;
  }
  return cases + 1;
}

std::vector<double> achievement_by_count(const Indicator& indicator, PaymentRule rule, int cases) {
  constexpr int k_largest_tabulated_count = 1 << 16;
  std::vector<double> by_count;
  if (cases > 0 && cases <= k_largest_tabulated_count) {
    by_count.resize(static_cast<std::size_t>(cases) + 1);
    for (int count = 0; count <= cases; ++count) {
      by_count[static_cast<std::size_t>(count)] =
          achievement(indicator, rule, static_cast<double>(count) / cases);
    }
  }
  return by_count;
}

}  // namespace shortfall
