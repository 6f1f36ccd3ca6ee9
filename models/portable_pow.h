// Powers in plain double arithmetic, for the model's growth and persistence
// factors (docs/model.md sections 2-3).
//
// Why not std::pow: glibc picks an FMA or a non-FMA code path by CPU, and
// the two may round the last bit differently, so a results file could
// differ between the nodes of a cluster. These use only +, -, *, / and the
// project's portable_exp and portable_log, which give the same bits on
// every x86-64 machine.
#pragma once

#include "portable_exp.h"
#include "portable_log.h"

namespace shortfall {

// x^n for an integer n >= 0 by repeated squaring: at most 2 log2(n)
// correctly rounded products, but a squaring doubles the relative error so
// far, so the result is within about n ulp of the exact power (a relative
// 1e-14 at n = 100; tests/models/portable_pow_test.cpp). What matters here
// is that the bits are the same everywhere, not the last ulp.
inline double portable_integer_power(double x, int n) {
  double result = 1.0;
  double square = x;
  for (unsigned remaining = static_cast<unsigned>(n); remaining > 0; remaining >>= 1) {
    if (remaining & 1u) result *= square;
    square *= square;
  }
  return result;
}

// x^y for x > 0 as exp(y ln x). The error of ln x (below 1 ulp) is
// multiplied by |y ln x| in the exponent, so the result is within about
// 3 + 3 |y ln x| ulp: a few ulp for a growth factor (1 + g)^(t/12) over a
// horizon of years. Overflows to +inf, as std::pow does.
inline double portable_power(double x, double y) { return portable_exp_full_range(y * portable_log(x)); }

}  // namespace shortfall
