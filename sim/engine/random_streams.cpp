#include "sim/engine/random_streams.h"

#include <boost/random/binomial_distribution.hpp>
#include <boost/random/normal_distribution.hpp>

namespace shortfall {

double standard_normal(RandomStream& stream) {
  return boost::random::normal_distribution<double>(0.0, 1.0)(stream);
}

double standard_normal(DrawStream& stream) {
  return boost::random::normal_distribution<double>(0.0, 1.0)(stream);
}

int binomial(RandomStream& stream, int cases, double probability) {
  if (!(probability > 0.0)) return 0;
  if (probability >= 1.0) return cases;
  return boost::random::binomial_distribution<int, double>(cases, probability)(stream);
}

}  // namespace shortfall
