#include "sim/engine/binomial_batch.h"

#include <immintrin.h>

#include <limits>

#include "models/portable_math_avx512.h"

namespace shortfall::detail {

namespace {

using avx512::add;
using avx512::constant;
using avx512::div;
using avx512::mul;
using avx512::sub;

// Each function below is the scalar code of binomial_sampler.h, operation
// for operation; a comment names what it mirrors.

SHORTFALL_AVX512 inline __m512d floor_of(__m512d x) {
  return _mm512_roundscale_pd(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
}
SHORTFALL_AVX512 inline __m512d absolute(__m512d x) { return _mm512_abs_pd(x); }

// uniform_from_word: the top 53 bits of each word, times 2^-53 (exact).
SHORTFALL_AVX512 inline __m512d uniform_from_words(const std::uint64_t* words) {
  const __m512i top = _mm512_srli_epi64(_mm512_load_si512(words), 11);
  return mul(_mm512_cvtepu64_pd(top), constant(0x1p-53));
}

}  // namespace

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
      log_odds = avx512::portable_log(div(p, q));
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
    alignas(64) double candidates[k_lanes];
    alignas(64) double modes[k_lanes];
    alignas(64) double log_ratios[k_lanes] = {};
    _mm512_store_pd(candidates, candidate);
    _mm512_store_pd(modes, mode);
    for (int lane = 0; lane < k_lanes; ++lane) {
      if (!(in_range & (1u << lane))) continue;
      const double* log_choose = lanes.log_choose[lane];
      log_ratios[lane] = log_choose[static_cast<int>(candidates[lane])] - log_choose[static_cast<int>(modes[lane])];
    }
    // (k - mode) is exact in double, as the scalar int difference converted.
    const __m512d bound = add(_mm512_load_pd(log_ratios), mul(sub(candidate, mode), log_odds));
    const __mmask8 accepted = in_range & _mm512_cmp_pd_mask(avx512::portable_log(v), bound, _CMP_LE_OQ);
    count = _mm512_mask_mov_pd(count, accepted, candidate);
    pending &= static_cast<__mmask8>(~accepted);
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(counts), _mm512_cvttpd_epi32(count));
  return pending;
}

// BinomialSampler::draw_by_inversion, eight lanes: the set-up
// (inverse_probability_of_none) in vector, then the sequential search,
// lanes leaving it as the scalar loop would end.
SHORTFALL_AVX512 void inversion_lanes_avx512(const InversionLanes& lanes, int* counts) {
  const __m512d n = _mm512_load_pd(lanes.cases);
  const __m512d p = _mm512_load_pd(lanes.probability);
  const __m512d one = constant(1.0);
  const __m512d odds = div(p, sub(one, p));
  // 1 / f(0) = q^-n: by squaring for n <= k_power_max_cases (64), else exp(-n ln(1 - p)).
  const __m512i cases = _mm512_load_si512(lanes.case_count);
  __m512d inverse_none = one;
  __m512d square = div(one, sub(one, p));
  for (int bit = 0; bit < 7; ++bit) {
    const __mmask8 has_bit = _mm512_test_epi64_mask(cases, _mm512_set1_epi64(std::int64_t{1} << bit));
    inverse_none = _mm512_mask_mul_pd(inverse_none, has_bit, inverse_none, square);
    square = mul(square, square);
  }
  const __mmask8 large = _mm512_cmp_epi64_mask(cases, _mm512_set1_epi64(64), _MM_CMPINT_GT);
  if (large != 0) {
    const __m512d by_exp = avx512::portable_exp(mul(sub(_mm512_setzero_pd(), n), avx512::portable_log1p(sub(_mm512_setzero_pd(), p))));
    inverse_none = _mm512_mask_blend_pd(large, inverse_none, by_exp);
  }
  const __m512d threshold = mul(uniform_from_words(lanes.word), inverse_none);  // u / f(0)
  // The sums run in every lane without masks, so that a step's chain is one
  // product and one sum; a lane's count is the step at which the scalar
  // loop would have left (sums stopped moving, passed the threshold, or
  // k = n), recorded once. Every lane still searching is at the same k, the
  // step number, so the ratio (n - k + 1)/k comes from it, off the chain.
  __m512d term = one;
  __m512d cumulative = one;
  __m512d count = _mm512_setzero_pd();
  __mmask8 searching = _mm512_cmp_pd_mask(threshold, cumulative, _CMP_GE_OQ) &
                       _mm512_cmp_pd_mask(count, n, _CMP_LT_OQ);
  for (double k = 1.0; searching != 0; k += 1.0) {
    const __m512d step = constant(k);
    const __m512d ratio = div(add(sub(n, step), one), step);
    term = mul(term, mul(ratio, odds));
    const __m512d next = add(cumulative, term);
    const __mmask8 leaves = searching & (_mm512_cmp_pd_mask(next, cumulative, _CMP_EQ_OQ) |
                                         _mm512_cmp_pd_mask(threshold, next, _CMP_NGE_UQ) |
                                         _mm512_cmp_pd_mask(step, n, _CMP_NLT_UQ));
    count = _mm512_mask_mov_pd(count, leaves, step);
    searching &= static_cast<__mmask8>(~leaves);
    cumulative = next;
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(counts), _mm512_cvttpd_epi32(count));
}

}  // namespace shortfall::detail
