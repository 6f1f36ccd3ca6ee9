#include "sim/engine/binomial_batch.h"

#include <immintrin.h>

#include <limits>

#include "models/portable_log.h"

namespace shortfall::detail {

namespace {

#define SHORTFALL_AVX512 __attribute__((target("avx512f,avx512dq")))

// Each function below is the scalar code of binomial_sampler.h or
// portable_log.h, operation for operation; a comment names what it mirrors.

SHORTFALL_AVX512 inline __m512d constant(double value) { return _mm512_set1_pd(value); }
SHORTFALL_AVX512 inline __m512d add(__m512d a, __m512d b) { return _mm512_add_pd(a, b); }
SHORTFALL_AVX512 inline __m512d sub(__m512d a, __m512d b) { return _mm512_sub_pd(a, b); }
SHORTFALL_AVX512 inline __m512d mul(__m512d a, __m512d b) { return _mm512_mul_pd(a, b); }
SHORTFALL_AVX512 inline __m512d div(__m512d a, __m512d b) { return _mm512_div_pd(a, b); }
SHORTFALL_AVX512 inline __m512d floor_of(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
SHORTFALL_AVX512 inline __m512d absolute(__m512d x) { return _mm512_abs_pd(x); }

// uniform_from_word: the top 53 bits of each word, times 2^-53 (exact).
SHORTFALL_AVX512 inline __m512d uniform_from_words(const std::uint64_t* words) {
  const __m512i top = _mm512_srli_epi64(_mm512_load_si512(words), 11);
  return mul(_mm512_cvtepu64_pd(top), constant(0x1p-53));
}

// detail::log_of_reduced.
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
// negatives, infinity, NaN: none in a draw but v = 0) take the scalar
// function, so every lane has its bits.
SHORTFALL_AVX512 inline __m512d portable_log_lanes(__m512d x) {
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
    alignas(64) double lanes[k_btrd_lanes];
    alignas(64) double logs[k_btrd_lanes];
    _mm512_store_pd(lanes, x);
    _mm512_store_pd(logs, result);
    for (int lane = 0; lane < k_btrd_lanes; ++lane) {
      if (!(normal & (1u << lane))) logs[lane] = portable_log(lanes[lane]);
    }
    result = _mm512_load_pd(logs);
  }
  return result;
}

}  // namespace

SHORTFALL_AVX512 void portable_log_lanes_avx512(const double* x, double* log_x) {
  _mm512_storeu_pd(log_x, portable_log_lanes(_mm512_loadu_pd(x)));
}

// BinomialSampler::draw_by_btrd, eight lanes, two attempts.
SHORTFALL_AVX512 unsigned btrd_lanes_avx512(const BtrdLanes& lanes, int* counts) {
  const __m512d n = _mm512_load_pd(lanes.cases);
  const __m512d p = _mm512_load_pd(lanes.probability);
  const __m512d half = constant(0.5);
  // Set-up.
  const __m512d q = sub(constant(1.0), p);
  const __m512d spread = _mm512_sqrt_pd(mul(mul(n, p), q));
  const __m512d b = add(constant(1.15), mul(constant(2.53), spread));
  const __m512d a = add(add(constant(-0.0873), mul(constant(0.0248), b)), mul(constant(0.01), p));
  const __m512d c = add(mul(n, p), half);
  const __m512d inverse_v_r = div(b, sub(mul(constant(0.92), b), constant(4.2)));
  const __m512d two_a = mul(constant(2.0), a);

  __mmask8 pending = 0xff;
  __m512d count = _mm512_setzero_pd();
  bool outside_box_set_up = false;
  __m512d alpha = count;
  __m512d v_r = count;
  __m512d mode = count;
  __m512d log_odds = count;
  for (int attempt = 0; attempt < 2 && pending != 0; ++attempt) {
    // Step 1: the central box.
    const __m512d first = uniform_from_words(lanes.words[2 * attempt]);
    const __m512d w = mul(first, inverse_v_r);
    const __mmask8 in_box = pending & _mm512_cmp_pd_mask(w, constant(0.86), _CMP_LE_OQ);
    if (in_box != 0) {
      const __m512d u = sub(w, constant(0.43));
      const __m512d box_count = floor_of(add(mul(add(div(two_a, sub(half, absolute(u))), b), u), c));
      count = _mm512_mask_mov_pd(count, in_box, box_count);
      pending &= static_cast<__mmask8>(~in_box);
    }
    if (pending == 0) break;
    if (!outside_box_set_up) {
      const __m512d inverse_b = div(constant(1.0), b);
      alpha = mul(add(constant(2.83), mul(constant(5.1), inverse_b)), spread);
      v_r = sub(constant(0.92), mul(constant(4.2), inverse_b));
      mode = _mm512_roundscale_pd(mul(add(n, constant(1.0)), p), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
      log_odds = portable_log_lanes(div(p, q));
      outside_box_set_up = true;
    }
    // Step 2: a point (u, v) under the hat outside the box.
    const __m512d second = uniform_from_words(lanes.words[2 * attempt + 1]);
    const __mmask8 beyond = _mm512_cmp_pd_mask(w, constant(1.0), _CMP_GE_OQ);
    const __m512d u_near = sub(w, constant(0.93));
    const __mmask8 negative = _mm512_cmp_pd_mask(u_near, _mm512_setzero_pd(), _CMP_LT_OQ);
    const __m512d u_folded = sub(_mm512_mask_blend_pd(negative, half, constant(-0.5)), u_near);
    const __m512d u = _mm512_mask_blend_pd(beyond, u_folded, sub(second, half));
    const __m512d v_drawn = _mm512_mask_blend_pd(beyond, mul(second, v_r), first);
    // Step 3: the candidate, and the exact acceptance test from the table.
    const __m512d inverse_us = div(constant(1.0), sub(half, absolute(u)));
    const __m512d candidate = floor_of(add(mul(add(mul(two_a, inverse_us), b), u), c));
    const __mmask8 in_range = pending & _mm512_cmp_pd_mask(candidate, _mm512_setzero_pd(), _CMP_GE_OQ) &
                              _mm512_cmp_pd_mask(candidate, n, _CMP_LE_OQ);
    if (in_range == 0) continue;
    const __m512d v = div(mul(v_drawn, alpha), add(mul(mul(a, inverse_us), inverse_us), b));
    alignas(64) double candidates[k_btrd_lanes];
    alignas(64) double modes[k_btrd_lanes];
    alignas(64) double log_ratios[k_btrd_lanes] = {};
    _mm512_store_pd(candidates, candidate);
    _mm512_store_pd(modes, mode);
    for (int lane = 0; lane < k_btrd_lanes; ++lane) {
      if (!(in_range & (1u << lane))) continue;
      const double* log_choose = lanes.log_choose[lane];
      log_ratios[lane] = log_choose[static_cast<int>(candidates[lane])] - log_choose[static_cast<int>(modes[lane])];
    }
    // (k - mode) is exact in double, as the scalar int difference converted.
    const __m512d bound = add(_mm512_load_pd(log_ratios), mul(sub(candidate, mode), log_odds));
    const __mmask8 accepted = in_range & _mm512_cmp_pd_mask(portable_log_lanes(v), bound, _CMP_LE_OQ);
    count = _mm512_mask_mov_pd(count, accepted, candidate);
    pending &= static_cast<__mmask8>(~accepted);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(counts), _mm512_cvttpd_epi32(count));
  return pending;
}

}  // namespace shortfall::detail
