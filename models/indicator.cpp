#include "indicator.h"

#include <algorithm>

namespace shortfall {

double achievement(const Indicator& indicator, PaymentRule rule, double observed_rate) {
  if (rule == PaymentRule::threshold) {
    const bool met = indicator.direction == Direction::higher ? observed_rate >= indicator.target
                                                              : observed_rate <= indicator.target;
    return met ? 1.0 : 0.0;
  }
  const double fraction = (observed_rate - indicator.floor) / (indicator.target - indicator.floor);
  return std::clamp(fraction, 0.0, 1.0);
}

int threshold_count(double target, int cases) {
  for (int count = 0; count <= cases; ++count) {
    if (static_cast<double>(count) / cases >= target) return count;
  }
  return cases + 1;
}

}  // namespace shortfall
