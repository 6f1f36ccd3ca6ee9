// portable_log and portable_exp on eight lanes of AVX-512, each lane the
// bits of the scalar function (models/portable_log.h, portable_exp.h): the
// same operations in the same order, no FMA (the build passes
// -ffp-contract=off). For the vector paths of the binomial draws
// (sim/engine/binomial_batch.cpp) and of the indicator step (indicator.cpp).
//
// Every function here needs AVX-512F and DQ: call them only from functions
// with the same target, on the path isa_in_use() == Isa::avx512.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <limits>

#include "portable_exp.h"
#include "portable_log.h"

namespace shortfall::avx512 {

#define SHORTFALL_AVX512 __attribute__((target("avx512f,avx512dq")))

SHORTFALL_AVX512 inline __m512d constant(double value) { return _mm512_set1_pd(value); }
SHORTFALL_AVX512 inline __m512d add(__m512d a, __m512d b) { return _mm512_add_pd(a, b); }
SHORTFALL_AVX512 inline __m512d sub(__m512d a, __m512d b) { return _mm512_sub_pd(a, b); }
SHORTFALL_AVX512 inline __m512d mul(__m512d a, __m512d b) { return _mm512_mul_pd(a, b); }
SHORTFALL_AVX512 inline __m512d div(__m512d a, __m512d b) { return _mm512_div_pd(a, b); }
// shortfall::detail::log_of_reduced.
SHORTFALL_AVX512 inline __m512d log_of_reduced(__m512d f, __m512d exponent) {
  constexpr double k_ln2_hi = 6.93147180369123816490e-01;
  constexpr double k_ln2_lo = 1.90821492927058770002e-10;
  const __m512d s = div(f, add(constant(2.0), f));
  const __m512d z = mul(s, s);
  const __m512d z2 = mul(z, z);
  const __m512d z4 = mul(z2, z2);
  const __m512d z8 = mul(z4, z4);
  const __m512d c12 = add(constant(2.0 / 3.0), mul(z, constant(2.0 / 5.0)));
  const __m512d c34 = add(constant(2.0 / 7.0), mul(z, constant(2.0 / 9.0)));
  const __m512d c56 = add(constant(2.0 / 11.0), mul(z, constant(2.0 / 13.0)));
  const __m512d c78 = add(constant(2.0 / 15.0), mul(z, constant(2.0 / 17.0)));
  const __m512d c910 = add(constant(2.0 / 19.0), mul(z, constant(2.0 / 21.0)));
  const __m512d r =
      mul(z, add(add(add(c12, mul(z2, c34)), mul(z4, add(c56, mul(z2, c78)))), mul(z8, c910)));
  const __m512d half_f_squared = mul(mul(constant(0.5), f), f);
  return sub(mul(exponent, constant(k_ln2_hi)),
             sub(sub(half_f_squared, add(mul(s, add(half_f_squared, r)), mul(exponent, constant(k_ln2_lo)))), f));
}

// portable_log. Lanes outside the normal positive range (0, subnormals,
// negatives, infinity, NaN) take the scalar function, so every lane has
// its bits.
SHORTFALL_AVX512 inline __m512d portable_log(__m512d x) {
  const __m512i bits = _mm512_castpd_si512(x);
  const __m512i high = _mm512_add_epi64(_mm512_srli_epi64(bits, 32), _mm512_set1_epi64(0x3ff00000 - 0x3fe6a09e));
  const __m512i exponent = _mm512_sub_epi64(_mm512_srli_epi64(high, 20), _mm512_set1_epi64(0x3ff));
  const __m512i mantissa_high =
      _mm512_add_epi64(_mm512_and_si512(high, _mm512_set1_epi64(0x000fffff)), _mm512_set1_epi64(0x3fe6a09e));
  const __m512i low = _mm512_and_si512(bits, _mm512_set1_epi64(0xffffffff));
  const __m512d m = _mm512_castsi512_pd(_mm512_or_si512(_mm512_slli_epi64(mantissa_high, 32), low));
  __m512d result = log_of_reduced(sub(m, constant(1.0)), _mm512_cvtepi64_pd(exponent));
  const __mmask8 normal = _mm512_cmp_pd_mask(x, constant(0x1p-1022), _CMP_GE_OQ) &
                          _mm512_cmp_pd_mask(x, constant(std::numeric_limits<double>::infinity()), _CMP_LT_OQ);
  if (normal != 0xff) {
    alignas(64) double lanes[8];
    alignas(64) double logs[8];
    _mm512_store_pd(lanes, x);
    _mm512_store_pd(logs, result);
    for (int lane = 0; lane < 8; ++lane) {
      if (!(normal & (1u << lane))) logs[lane] = shortfall::portable_log(lanes[lane]);
    }
    result = _mm512_load_pd(logs);
  }
  return result;
}

// portable_log1p: its two branches computed, then blended, as are its
// special cases (1 + x at or below 0, or infinite: the logarithm of 1 + x alone).
SHORTFALL_AVX512 inline __m512d portable_log1p(__m512d x) {
  const __mmask8 reduced = _mm512_cmp_pd_mask(x, constant(-0.2928932188134524), _CMP_GE_OQ) &
                           _mm512_cmp_pd_mask(x, constant(0.4142135623730950), _CMP_LT_OQ);
  const __m512d direct = log_of_reduced(x, _mm512_setzero_pd());
  if (reduced == 0xff) return direct;
  const __m512d u = add(constant(1.0), x);
  const __mmask8 small = _mm512_cmp_pd_mask(x, constant(1.0), _CMP_LE_OQ);
  const __m512d rounding_error =
      _mm512_mask_blend_pd(small, sub(constant(1.0), sub(u, x)), sub(x, sub(u, constant(1.0))));
  const __m512d log_u = portable_log(u);
  const __mmask8 ordinary = _mm512_cmp_pd_mask(u, _mm512_setzero_pd(), _CMP_GT_OQ) &
                            _mm512_cmp_pd_mask(u, constant(std::numeric_limits<double>::infinity()), _CMP_NEQ_UQ);
  const __m512d shifted = _mm512_mask_blend_pd(ordinary, log_u, add(log_u, div(rounding_error, u)));
  return _mm512_mask_blend_pd(reduced, shifted, direct);
}

// portable_exp, its clamp as std::min(std::max(x, -708), 709).
SHORTFALL_AVX512 inline __m512d portable_exp(__m512d x) {
  constexpr double k_log2_e = 1.4426950408889634;
  constexpr double k_ln2_hi = 6.93147180369123816490e-01;
  constexpr double k_ln2_lo = 1.90821492927058770002e-10;
  constexpr double k_round = 6755399441055744.0;
  x = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, constant(-708.0), _CMP_LT_OQ), x, constant(-708.0));
  x = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(constant(709.0), x, _CMP_LT_OQ), x, constant(709.0));
  const __m512d shifted = add(mul(x, constant(k_log2_e)), constant(k_round));
  const __m512d n = sub(shifted, constant(k_round));
  const __m512d r = sub(sub(x, mul(n, constant(k_ln2_hi))), mul(n, constant(k_ln2_lo)));
  const __m512d r2 = mul(r, r);
  const __m512d r4 = mul(r2, r2);
  const __m512d r8 = mul(r4, r4);
  const __m512d c01 = add(constant(1.0), r);
  const __m512d c23 = add(constant(0.5), mul(r, constant(1.0 / 6.0)));
  const __m512d c45 = add(constant(1.0 / 24.0), mul(r, constant(1.0 / 120.0)));
  const __m512d c67 = add(constant(1.0 / 720.0), mul(r, constant(1.0 / 5040.0)));
  const __m512d c89 = add(constant(1.0 / 40320.0), mul(r, constant(1.0 / 362880.0)));
  const __m512d c1011 = add(constant(1.0 / 3628800.0), mul(r, constant(1.0 / 39916800.0)));
  const __m512d c1213 = add(constant(1.0 / 479001600.0), mul(r, constant(1.0 / 6227020800.0)));
  const __m512d low = add(add(c01, mul(r2, c23)), mul(r4, add(c45, mul(r2, c67))));
  const __m512d high = add(add(c89, mul(r2, c1011)), mul(r4, c1213));
  const __m512d polynomial = add(low, mul(r8, high));
  const __m512i n_bits =
      _mm512_sub_epi64(_mm512_castpd_si512(shifted), _mm512_castpd_si512(constant(k_round)));
  const __m512i scale = _mm512_slli_epi64(_mm512_add_epi64(n_bits, _mm512_set1_epi64(1023)), 52);
  return mul(polynomial, _mm512_castsi512_pd(scale));
}

// logistic(x) = 1 / (1 + portable_exp(-x)) (indicator.h); -x by its sign bit.
SHORTFALL_AVX512 inline __m512d logistic(__m512d x) {
  const __m512d minus_x = _mm512_castsi512_pd(
      _mm512_xor_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(std::numeric_limits<std::int64_t>::min())));
  return div(constant(1.0), add(constant(1.0), portable_exp(minus_x)));
}

}  // namespace shortfall::avx512
