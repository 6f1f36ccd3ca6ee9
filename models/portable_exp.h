// exp(x) in plain double arithmetic, for the logistic of the indicator model.
//
// Two reasons not to call std::exp there: it is 14 % of the run time (a call
// per indicator, month and structure that the compiler cannot vectorise),
// and glibc picks an FMA or a non-FMA code path by CPU, which may round the
// last bit differently on different nodes of a cluster. This function uses
// only +, -, * and bit operations, which the project compiles without FMA
// contraction (ISO C++ mode, no -march), so it gives the same bits on every
// x86-64 machine; and it inlines into loops that vectorise.
//
// Method: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split so n*ln2_hi
// is exact), exp(r) by its Taylor polynomial to degree 13 (truncation below
// 1e-17 relative) in Estrin's scheme, then scaling by 2^n through the
// exponent bits. Accurate to
// a few units in the last place for x in [-708, 709]; clamped outside.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

namespace shortfall {

inline double portable_exp(double x) {
  constexpr double k_log2_e = 1.4426950408889634;
  constexpr double k_ln2_hi = 6.93147180369123816490e-01;  // ln 2 with its low 32 bits zero
  constexpr double k_ln2_lo = 1.90821492927058770002e-10;  // ln 2 - k_ln2_hi
  constexpr double k_round = 6755399441055744.0;             // 1.5 * 2^52: adding it rounds to an integer
  x = std::min(std::max(x, -708.0), 709.0);  // branch-free, so loops vectorise
  const double shifted = x * k_log2_e + k_round;  // n sits in the low mantissa bits
  const double n = shifted - k_round;              // nearest integer to x / ln 2
  const double r = (x - n * k_ln2_hi) - n * k_ln2_lo;
  // sum_{j=0..13} r^j / j! in Estrin's scheme: shorter dependency chains
  // than Horner, so the independent lanes of a loop overlap.
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  const double c01 = 1.0 + r;
  const double c23 = 0.5 + r * (1.0 / 6.0);
  const double c45 = 1.0 / 24.0 + r * (1.0 / 120.0);
  const double c67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
  const double c89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
  const double c1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
  const double c1213 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
  const double low = (c01 + r2 * c23) + r4 * (c45 + r2 * c67);
  const double high = (c89 + r2 * c1011) + r4 * c1213;
  const double p = low + r8 * high;
  // 2^n from the exponent field, by integer arithmetic on the bits of
  // `shifted` (no double-to-integer conversion, which does not vectorise).
  const auto n_bits = std::bit_cast<std::int64_t>(shifted) - std::bit_cast<std::int64_t>(k_round);
  const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(n_bits + 1023) << 52);
  return p * scale;
}

// exp(x) over the whole double range, for values that may legitimately
// overflow (the demand process, growth factors): +inf above ln(DBL_MAX), 0
// below the log of the least subnormal, NaN for NaN, as the C library's, so
// the engine's overflow guard sees an overflow instead of a clamped,
// finite, wrong number. portable_exp between -708 and 709; beyond, the
// square of portable_exp(x/2) (within twice its error; subnormal results
// lose bits as every subnormal does).
inline double portable_exp_full_range(double x) {
  constexpr double k_log_max = 709.782712893383973;    // ln(DBL_MAX), rounded down
  constexpr double k_log_least = -745.133219101941108;  // ln(2^-1074), rounded up
  if (x > k_log_max) return std::numeric_limits<double>::infinity();
  if (x < k_log_least) return 0.0;
  if (x >= -708.0 && x <= 709.0) return portable_exp(x);
  if (!(x == x)) return x;  // NaN
  const double half = portable_exp(0.5 * x);
  return half * half;
}

}  // namespace shortfall
