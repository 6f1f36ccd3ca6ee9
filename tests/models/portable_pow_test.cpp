// models/portable_pow.h against long double references.
#include "models/portable_pow.h"

#include <cmath>
#include <cstdint>

#include <catch2/catch.hpp>

namespace shortfall {
namespace {

// |got - exact| in units in the last place of the double nearest exact.
double ulps(double got, long double exact) {
  const double nearest = static_cast<double>(exact);
  const double ulp = std::nextafter(std::abs(nearest), INFINITY) - std::abs(nearest);
  return static_cast<double>(std::abs(static_cast<long double>(got) - exact) / ulp);
}

}  // namespace

TEST_CASE("an integer power is within n ulp of the exact power", "[portable]") {
  double worst = 0.0;
  for (const double x : {0.0, 0.25, 0.49, 0.81, 0.9801, 0.999, 1.0, 1.001, 1.02, 1.035, 1.1, 2.0, 3.7}) {
    for (int n = 0; n <= 240; ++n) {
      const long double exact = std::pow(static_cast<long double>(x), n);
      if (exact == 0.0L || exact > 1e300L) continue;
      const double error = ulps(portable_integer_power(x, n), exact);
      const double allowed = n < 2 ? 0.0 : n;  // a squaring doubles the relative error so far
      INFO("x = " << x << ", n = " << n);
      CHECK(error <= allowed);
      worst = std::max(worst, error);
    }
  }
  CHECK(portable_integer_power(0.0, 0) == 1.0);  // as std::pow
  CHECK(portable_integer_power(1.5, 1) == 1.5);
  CHECK(portable_integer_power(1.5, 2) == 2.25);  // exact products stay exact
  CHECK(worst > 0.0);  // the test measures something
}

TEST_CASE("a growth factor (1 + g)^(m / 12) is within 3 + 3 |y ln x| ulp of the exact power", "[portable]") {
  for (const double growth : {-0.5, -0.1, -0.02, 0.0, 0.001, 0.02, 0.035, 0.1, 0.5, 1.0}) {
    for (int months = 0; months <= 600; ++months) {
      const double exponent = months / 12.0;
      const long double exact = std::pow(static_cast<long double>(1.0 + growth), static_cast<long double>(exponent));
      INFO("g = " << growth << ", months = " << months);
      const double allowed = 3.0 + 3.0 * std::abs(exponent * std::log(1.0 + growth));
      CHECK(ulps(portable_power(1.0 + growth, exponent), exact) <= allowed);
      if (std::abs(growth) <= 0.1 && months <= 120) CHECK(ulps(portable_power(1.0 + growth, exponent), exact) <= 4.0);
    }
  }
  CHECK(portable_power(1.0, 37.5) == 1.0);
  CHECK(portable_power(4.0, 0.5) == Approx(2.0).epsilon(1e-15));
}

}  // namespace shortfall
