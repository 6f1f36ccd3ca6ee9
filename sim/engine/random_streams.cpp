#include "sim/engine/random_streams.h"

#include <immintrin.h>

#include <algorithm>

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include "models/portable_exp.h"
#include "models/portable_log.h"

namespace shortfall {

namespace {

// Boost.Random's ziggurat for the standard normal
// (boost/random/normal_distribution.hpp, unit_normal_distribution), step for
// step with its tables and its word-to-number conversions, which are plain
// integer and double arithmetic, except at its two calls into glibc, which
// may round differently on CPUs with and without FMA:
// - the wedge test's e^{-x²/2} uses portable_exp;
// - the tail beyond x_1 (about 1 draw in 3,600) is Marsaglia's method, as
//   in Boost, with its two exponential draws by inversion through
//   portable_log1p instead of Boost's exponential ziggurat.
// The fast path (97.2 % of draws) gives Boost's bits.
template <class Words>
double ziggurat_normal(Words& words) {
  using boost::random::detail::generate_int_float_pair;
  using boost::random::detail::normal_table;
  const double* const table_x = normal_table<double>::table_x;
  const double* const table_y = normal_table<double>::table_y;
  for (;;) {
    const std::pair<double, int> drawn = generate_int_float_pair<double, 8>(words);
    const int sign = (drawn.second & 1) * 2 - 1;
    const int i = drawn.second >> 1;
    const double x = drawn.first * table_x[i];
    if (x < table_x[i + 1]) return x * sign;
    if (i == 0) {
      // The tail: x = x_1 + E_1 / x_1 accepted when 2 E_2 > (E_1 / x_1)²,
      // E_1, E_2 standard exponentials.
      const double tail_start = table_x[1];
      for (;;) {
        const double beyond = -portable_log1p(-boost::random::uniform_01<double>()(words)) / tail_start;
        const double exponential = -portable_log1p(-boost::random::uniform_01<double>()(words));
        if (2.0 * exponential > beyond * beyond) return (beyond + tail_start) * sign;
      }
    }
    const double y01 = boost::random::uniform_01<double>()(words);
    const double y = table_y[i] + y01 * (table_y[i + 1] - table_y[i]);
    // Boost's bounds: above the upper one, reject; below the lower one,
    // accept; between, compare with the density. Convex above x = 1 (the
    // inflection region included, as Boost's comment shows), concave below.
    const double tangent = table_y[i] + (table_x[i] - x) * table_y[i] * table_x[i];
    const double chord = (table_x[i] - table_x[i + 1]) * y01 - (table_x[i] - x);
    const double y_above_upper = table_x[i] >= 1 ? chord : y - tangent;
    const double y_above_lower = table_x[i] >= 1 ? y - tangent : chord;
    if (y_above_upper < 0 && (y_above_lower < 0 || y < portable_exp(-(x * x / 2)))) return x * sign;
  }
}

}  // namespace

double standard_normal(RandomStream& stream) { return ziggurat_normal(stream); }

// ziggurat_normal's first step, lane by lane. Boost's
// generate_int_float_pair<double, 8> with a 64-bit word u: the layer and
// sign are u's low 8 bits, and the magnitude is (u with bit 11 cleared) >> 8
// converted to double (rounded to nearest, as the scalar conversion) times
// 2^-56.
__attribute__((target("avx512f,avx512dq"))) std::size_t normals_from_opening_words_avx512(
    std::span<const std::uint64_t> opening_words, std::span<double> values, std::span<std::uint32_t> undecided) {
  const double* const table_x = boost::random::detail::normal_table<double>::table_x;
  std::size_t undecided_count = 0;
  const std::size_t count = opening_words.size();
  for (std::size_t j = 0; j < count; j += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, count - j);
    const auto active = static_cast<__mmask8>((1u << lanes) - 1);
    const __m512i word = _mm512_maskz_loadu_epi64(active, opening_words.data() + j);
    const __m512i bucket = _mm512_and_si512(word, _mm512_set1_epi64(0xff));
    const __m512i magnitude_bits =
        _mm512_srli_epi64(_mm512_andnot_si512(_mm512_set1_epi64(std::int64_t{1} << 11), word), 8);
    const __m512d magnitude = _mm512_mul_pd(_mm512_cvtepu64_pd(magnitude_bits), _mm512_set1_pd(0x1p-56));
    // sign = (bucket & 1) * 2 - 1, as a double.
    const __m512i sign_int = _mm512_sub_epi64(
        _mm512_slli_epi64(_mm512_and_si512(bucket, _mm512_set1_epi64(1)), 1), _mm512_set1_epi64(1));
    const __m512d sign = _mm512_cvtepi64_pd(sign_int);
    const __m512i layer = _mm512_srli_epi64(bucket, 1);
    const __m512d layer_x = _mm512_i64gather_pd(layer, table_x, 8);
    const __m512d next_x = _mm512_i64gather_pd(_mm512_add_epi64(layer, _mm512_set1_epi64(1)), table_x, 8);
    const __m512d x = _mm512_mul_pd(magnitude, layer_x);
    const __mmask8 decided = active & _mm512_cmp_pd_mask(x, next_x, _CMP_LT_OQ);
    _mm512_mask_storeu_pd(values.data() + j, active, _mm512_mul_pd(x, sign));
    for (unsigned lane = 0, left = active & ~decided; left != 0; ++lane, left >>= 1) {
      if (left & 1u) undecided[undecided_count++] = static_cast<std::uint32_t>(j + lane);
    }
  }
  return undecided_count;
}

double standard_normal(DrawStream& stream) { return ziggurat_normal(stream); }

}  // namespace shortfall
