#include "models/portable_exp.h"

#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("portable exp agrees with std::exp to a few ulp", "[portable_exp]") {
  // Relative error bound 4 ulp = 4 * 2^-52 ~ 8.9e-16, over the range the
  // logistic sees and beyond; std::exp is the reference (glibc: < 1 ulp).
  double worst = 0.0;
  for (double x = -700.0; x <= 700.0; x += 0.0137) {
    const double reference = std::exp(x);
    worst = std::max(worst, std::abs(portable_exp(x) - reference) / reference);
  }
  for (double x = -5.0; x <= 5.0; x += 1e-5) {
    const double reference = std::exp(x);
    worst = std::max(worst, std::abs(portable_exp(x) - reference) / reference);
  }
  INFO("worst relative error " << worst);
  CHECK(worst < 4.0 * 0x1p-52);
}

TEST_CASE("portable exp: exact points and the clamp", "[portable_exp]") {
  CHECK(portable_exp(0.0) == 1.0);
  CHECK(portable_exp(std::log(2.0)) == Approx(2.0).epsilon(1e-15));
  CHECK(std::isfinite(portable_exp(1000.0)));
  CHECK(portable_exp(-1000.0) > 0.0);
  CHECK(portable_exp(-1000.0) < 1e-300);
}

TEST_CASE("portable exp over the full range overflows and underflows as exp does", "[portable_exp]") {
  // Against long double: the same bits as portable_exp where it is not
  // clamped, a few ulp beyond, and inf, 0 and NaN where exp gives them, so
  // that the overflow guard sees a demand path that overflows.
  for (double x = -707.9; x <= 708.9; x += 0.731) CHECK(portable_exp_full_range(x) == portable_exp(x));
  double worst = 0.0;
  for (double x = 709.0; x <= 709.78; x += 0.0013) {
    const auto reference = std::exp(static_cast<long double>(x));
    worst = std::max(worst, static_cast<double>(std::fabs((portable_exp_full_range(x) - reference) / reference)));
  }
  for (double x = -744.0; x <= -708.0; x += 0.0131) {  // subnormal results below about -708.4
    const auto reference = std::exp(static_cast<long double>(x));
    const double absolute = static_cast<double>(std::fabs(portable_exp_full_range(x) - reference));
    CHECK(absolute <= std::max(8.0 * 0x1p-52 * static_cast<double>(reference), 0x1p-1074));
  }
  INFO("worst relative error above 709: " << worst);
  CHECK(worst < 8.0 * 0x1p-52);
  CHECK(std::isinf(portable_exp_full_range(709.79)));
  CHECK(std::isinf(portable_exp_full_range(1e6)));
  CHECK(std::isfinite(portable_exp_full_range(709.78)));
  CHECK(portable_exp_full_range(-746.0) == 0.0);
  CHECK(portable_exp_full_range(-745.0) > 0.0);
  CHECK(std::isnan(portable_exp_full_range(std::nan(""))));
}
