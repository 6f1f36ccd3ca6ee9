#include "sim/engine/random_streams.h"

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "models/portable_exp.h"
#include "models/portable_log.h"

namespace shortfall {

namespace {

// Boost.Random's ziggurat for the standard normal
// (boost/random/normal_distribution.hpp, unit_normal_distribution), step for
// step with its tables and its word-to-number conversions, which are plain
// integer and double arithmetic, except at its two calls into glibc, which
// may round differently on CPUs with and without FMA:
// - the wedge test's e^{-x²/2} uses portable_exp;
// - the tail beyond x_1 (about 1 draw in 3,600) is Marsaglia's method, as
//   in Boost, with its two exponential draws by inversion through
//   portable_log1p instead of Boost's exponential ziggurat.
// The fast path (99 % of draws) gives Boost's bits.
template <class Words>
double ziggurat_normal(Words& words) {
  using boost::random::detail::generate_int_float_pair;
  using boost::random::detail::normal_table;
  const double* const table_x = normal_table<double>::table_x;
  const double* const table_y = normal_table<double>::table_y;
  for (;;) {
    const std::pair<double, int> drawn = generate_int_float_pair<double, 8>(words);
    const int sign = (drawn.second & 1) * 2 - 1;
    const int i = drawn.second >> 1;
    const double x = drawn.first * table_x[i];
    if (x < table_x[i + 1]) return x * sign;
    if (i == 0) {
      // The tail: x = x_1 + E_1 / x_1 accepted when 2 E_2 > (E_1 / x_1)²,
      // E_1, E_2 standard exponentials.
      const double tail_start = table_x[1];
      for (;;) {
        const double beyond = -portable_log1p(-boost::random::uniform_01<double>()(words)) / tail_start;
        const double exponential = -portable_log1p(-boost::random::uniform_01<double>()(words));
        if (2.0 * exponential > beyond * beyond) return (beyond + tail_start) * sign;
      }
    }
    const double y01 = boost::random::uniform_01<double>()(words);
    const double y = table_y[i] + y01 * (table_y[i + 1] - table_y[i]);
    // Boost's bounds: above the upper one, reject; below the lower one,
    // accept; between, compare with the density. Convex above x = 1 (the
    // inflection region included, as Boost's comment shows), concave below.
    const double tangent = table_y[i] + (table_x[i] - x) * table_y[i] * table_x[i];
    const double chord = (table_x[i] - table_x[i + 1]) * y01 - (table_x[i] - x);
    const double y_above_upper = table_x[i] >= 1 ? chord : y - tangent;
    const double y_above_lower = table_x[i] >= 1 ? y - tangent : chord;
    if (y_above_upper < 0 && (y_above_lower < 0 || y < portable_exp(-(x * x / 2)))) return x * sign;
  }
}

}  // namespace

double standard_normal(RandomStream& stream) { return ziggurat_normal(stream); }

double standard_normal(DrawStream& stream) { return ziggurat_normal(stream); }

}  // namespace shortfall
