#include "models/portable_log.h"

#include <cmath>
#include <limits>
#include <random>

#include <catch2/catch.hpp>

using namespace shortfall;

namespace {

// The error of `value` in units in the last place of the reference rounded
// to double. The reference is long double (x87: 64-bit mantissa, so the
// reference's own error is about 2^-11 ulp of a double).
double ulps_from(double value, long double reference) {
  const double rounded = static_cast<double>(reference);
  const double ulp = std::nextafter(std::abs(rounded), std::numeric_limits<double>::infinity()) - std::abs(rounded);
  return static_cast<double>(std::abs(static_cast<long double>(value) - reference) / ulp);
}

struct WorstError {
  double ulps = 0.0;
  double at = 0.0;
  void update(double value, long double reference, double x) {
    const double error = ulps_from(value, reference);
    if (error > ulps) {
      ulps = error;
      at = x;
    }
  }
};

}  // namespace

TEST_CASE("portable log is within 1 ulp of the long-double log over every binade", "[portable_log]") {
  // 2,000 random mantissas in each binade from the smallest subnormal to the
  // largest double, and a dense sweep near 1 where ln x is small and the
  // reduction matters most; fixed seed.
  std::mt19937_64 words(20261207);
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  WorstError worst;
  for (int binade = -1074; binade <= 1023; ++binade) {
    for (int j = 0; j < 2000; ++j) {
      const double x = std::ldexp(mantissa(words), binade);
      if (x == 0.0 || std::isinf(x)) continue;
      worst.update(portable_log(x), std::log(static_cast<long double>(x)), x);
    }
  }
  for (double x = 0.6; x <= 1.5; x += 1.3e-6) {
    worst.update(portable_log(x), std::log(static_cast<long double>(x)), x);
  }
  for (int j = 1; j <= 2'000'000; ++j) {  // the integers the log-factorials use
    const double x = j;
    worst.update(portable_log(x), std::log(static_cast<long double>(x)), x);
  }
  INFO("worst error " << worst.ulps << " ulp at x = " << worst.at);
  CHECK(worst.ulps <= 1.0);  // measured: 0.84
}

TEST_CASE("portable log: exact points and special values", "[portable_log]") {
  CHECK(portable_log(1.0) == 0.0);
  CHECK(portable_log(2.0) == 0.6931471805599453);  // ln 2 correctly rounded
  CHECK(portable_log(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(portable_log(-1.0)));
  CHECK(std::isnan(portable_log(std::numeric_limits<double>::quiet_NaN())));
  CHECK(portable_log(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
  CHECK(portable_log(std::numeric_limits<double>::denorm_min()) == Approx(-744.4400719213812).epsilon(1e-15));
}

TEST_CASE("portable log1p is within 1.5 ulp of the long-double log1p, tiny arguments included", "[portable_log]") {
  std::mt19937_64 words(20261208);
  std::uniform_real_distribution<double> mantissa(1.0, 2.0);
  WorstError worst;
  // |x| from 2^-1074 to 2^-1 for both signs, and x up to 2^1000.
  for (int binade = -1074; binade <= 1000; ++binade) {
    for (int j = 0; j < 1000; ++j) {
      const double magnitude = std::ldexp(mantissa(words), binade);
      if (magnitude == 0.0) continue;
      worst.update(portable_log1p(magnitude), std::log1p(static_cast<long double>(magnitude)), magnitude);
      if (magnitude < 0.5) {
        worst.update(portable_log1p(-magnitude), std::log1p(-static_cast<long double>(magnitude)), -magnitude);
      }
    }
  }
  // -p for every probability the sampler's inversion sees, densely: p in (0, 0.5].
  for (double p = 1e-6; p <= 0.5; p += 3.7e-7) {
    worst.update(portable_log1p(-p), std::log1p(-static_cast<long double>(p)), -p);
  }
  INFO("worst error " << worst.ulps << " ulp at x = " << worst.at);
  CHECK(worst.ulps <= 1.5);  // measured: 1.23
}

TEST_CASE("portable log1p: special values", "[portable_log]") {
  CHECK(portable_log1p(0.0) == 0.0);
  CHECK(portable_log1p(1e-300) == 1e-300);
  CHECK(portable_log1p(-1.0) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(portable_log1p(-2.0)));
  CHECK(portable_log1p(std::numeric_limits<double>::infinity()) == std::numeric_limits<double>::infinity());
}
