// ln(x) and ln(1 + x) in plain double arithmetic, for the binomial sampler.
//
// Why not std::log: glibc picks an FMA or a non-FMA code path by CPU, and
// the two may round the last bit differently, so a draw that compares
// against a logarithm could differ between nodes of a cluster. These
// functions use only +, -, *, / and bit operations, which the project
// compiles without FMA contraction (ISO C++ mode, no -march), so they give
// the same bits on every x86-64 machine (the companion of portable_exp.h).
//
// Method (the classic reduction of fdlibm's log, with Taylor coefficients
// instead of a minimax fit): x = 2^k m with m in [sqrt(1/2), sqrt(2)), found
// from the exponent bits; f = m - 1 is exact. With s = f / (2 + f),
// ln(1 + f) = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ..., and |s| <= 0.1716, so
// the series to s^21 leaves a truncation below 0.01 ulp. The sum is arranged
// as f - (f^2/2 - s (f^2/2 + R)) so that the large part f is added last, and
// k ln 2 is added in two pieces (ln 2 split so k * k_ln2_hi is exact).
// Tested against long-double references (tests/models/portable_log_test.cpp):
// the worst errors found are 0.84 ulp for ln and 1.23 ulp for ln(1 + x)
// (bounds tested: 1 and 1.5 ulp).
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace shortfall {

namespace detail {
// ln(2^k (1 + f)) for f in [sqrt(1/2) - 1, sqrt(2) - 1), f exact.
inline double log_of_reduced(double f, int k) {
  constexpr double k_ln2_hi = 6.93147180369123816490e-01;  // ln 2 with its low 32 bits zero
  constexpr double k_ln2_lo = 1.90821492927058770002e-10;  // ln 2 - k_ln2_hi
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double z2 = z * z;
  const double z4 = z2 * z2;
  const double z8 = z4 * z4;
  // R = sum_{j=1..10} 2 z^j / (2j + 1), in Estrin's scheme.
  const double c12 = 2.0 / 3.0 + z * (2.0 / 5.0);
  const double c34 = 2.0 / 7.0 + z * (2.0 / 9.0);
  const double c56 = 2.0 / 11.0 + z * (2.0 / 13.0);
  const double c78 = 2.0 / 15.0 + z * (2.0 / 17.0);
  const double c910 = 2.0 / 19.0 + z * (2.0 / 21.0);
  const double R = z * (((c12 + z2 * c34) + z4 * (c56 + z2 * c78)) + z8 * c910);
  const double half_f_squared = 0.5 * f * f;
  const double exponent = k;
  return exponent * k_ln2_hi - ((half_f_squared - (s * (half_f_squared + R) + exponent * k_ln2_lo)) - f);
}
}  // namespace detail

inline double portable_log(double x) {
  if (!(x > 0.0)) return x == 0.0 ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::quiet_NaN();
  if (x == std::numeric_limits<double>::infinity()) return x;
  int exponent = 0;
  if (x < 0x1p-1022) {  // subnormal: scale into the normal range first
    x *= 0x1p54;
    exponent = -54;
  }
  // Move the exponent so that the mantissa m falls in [sqrt(1/2), sqrt(2)):
  // adding (1 - sqrt(1/2)) to the high word carries into the exponent
  // exactly when m >= sqrt(2) (0x3fe6a09e is the high word of sqrt(1/2)).
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const auto high = static_cast<std::uint32_t>(bits >> 32) + (0x3ff00000u - 0x3fe6a09eu);
  exponent += static_cast<int>(high >> 20) - 0x3ff;
  const std::uint64_t mantissa_high = (high & 0x000fffffu) + 0x3fe6a09eu;
  const double m = std::bit_cast<double>((mantissa_high << 32) | (bits & 0xffffffffu));
  return detail::log_of_reduced(m - 1.0, exponent);  // m - 1 is exact (Sterbenz)
}

// ln(1 + x) for x > -1, accurate also for tiny x, where 1 + x would lose
// x's low bits. Where 1 + x lies in [sqrt(1/2), sqrt(2)), x itself is the
// reduced argument f, exact, and the series above applies directly. Beyond,
// with u = 1 + x rounded and e = (1 + x) - u its exact rounding error (Fast2Sum),
// ln(1 + x) = ln(u) + ln(1 + e/u) = ln(u) + e/u to within e^2/u^2 < 2^-106.
inline double portable_log1p(double x) {
  if (x >= -0.2928932188134524 && x < 0.4142135623730950) return detail::log_of_reduced(x, 0);
  const double u = 1.0 + x;
  if (!(u > 0.0) || u == std::numeric_limits<double>::infinity()) return portable_log(u);  // -inf, NaN, inf
  const double rounding_error = x <= 1.0 ? x - (u - 1.0) : 1.0 - (u - x);  // larger operand first
  return portable_log(u) + rounding_error / u;
}

}  // namespace shortfall
