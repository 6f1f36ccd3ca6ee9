#include "models/portable_exp.h"

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
