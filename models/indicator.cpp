#include "indicator.h"

namespace shortfall {

int threshold_count(double target, int cases) {
  for (int count = 0; count <= cases; ++count) {
    if (static_cast<double>(count) / cases >= target) return count;
  }
  return cases + 1;
}

}  // namespace shortfall
