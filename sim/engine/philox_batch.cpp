#include "sim/engine/philox_batch.h"

#include <algorithm>

#include <immintrin.h>

#include <Random123/philox.h>

namespace shortfall {

namespace {

// Random123's Philox4x64 constants (philox.h): the multipliers and the
// Weyl increments of the key.
constexpr std::uint64_t k_multiplier_0 = 0xD2E7470EE14C6C93ULL;
constexpr std::uint64_t k_multiplier_1 = 0xCA5A826395121157ULL;
constexpr std::uint64_t k_key_step_0 = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t k_key_step_1 = 0xBB67AE8584CAA73BULL;
constexpr int k_rounds = 10;

struct Arrays {
  const std::uint64_t* counter[4];
  std::uint64_t* word[4];
};

void blocks_scalar(const Arrays& a, std::size_t first, std::size_t end, std::uint64_t key_0,
                   std::uint64_t key_1) {
  const r123::Philox4x64 philox;
  for (std::size_t b = first; b < end; ++b) {
    const r123::Philox4x64::ctr_type counter{{a.counter[0][b], a.counter[1][b], a.counter[2][b], a.counter[3][b]}};
    const auto block = philox(counter, {{key_0, key_1}});
    for (int w = 0; w < 4; ++w) a.word[w][b] = block.v[w];
  }
}

// The vector paths: one Philox round is two 64 x 64 -> 128-bit products
// and four exclusive ors (philox.h, _philox4xWround_tpl). The high half of
// a product a m, from 32-bit halves a = a1 2^32 + a0, m = m1 2^32 + m0:
//   mid  = a1 m0 + (a0 m0 >> 32)        (no overflow: below 2^64)
//   mid2 = a0 m1 + (mid mod 2^32)
//   high = a1 m1 + (mid >> 32) + (mid2 >> 32)
//   low  = (mid2 << 32) | (a0 m0 mod 2^32)

__attribute__((target("avx2"))) inline void multiply_avx2(__m256i a, __m256i m, __m256i& high, __m256i& low) {
  const __m256i low_half = _mm256_set1_epi64x(0xFFFFFFFF);
  const __m256i a1 = _mm256_srli_epi64(a, 32);
  const __m256i m1 = _mm256_srli_epi64(m, 32);
  const __m256i p00 = _mm256_mul_epu32(a, m);
  const __m256i mid = _mm256_add_epi64(_mm256_mul_epu32(a1, m), _mm256_srli_epi64(p00, 32));
  const __m256i mid2 = _mm256_add_epi64(_mm256_mul_epu32(a, m1), _mm256_and_si256(mid, low_half));
  high = _mm256_add_epi64(_mm256_add_epi64(_mm256_mul_epu32(a1, m1), _mm256_srli_epi64(mid, 32)),
                          _mm256_srli_epi64(mid2, 32));
  low = _mm256_or_si256(_mm256_slli_epi64(mid2, 32), _mm256_and_si256(p00, low_half));
}

__attribute__((target("avx2"))) std::size_t blocks_avx2(const Arrays& a, std::size_t n, std::uint64_t key_0,
                                                         std::uint64_t key_1) {
  const __m256i m0 = _mm256_set1_epi64x(static_cast<long long>(k_multiplier_0));
  const __m256i m1 = _mm256_set1_epi64x(static_cast<long long>(k_multiplier_1));
  std::size_t b = 0;
  for (; b + 4 <= n; b += 4) {
    __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.counter[0] + b));
    __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.counter[1] + b));
    __m256i c2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.counter[2] + b));
    __m256i c3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.counter[3] + b));
    std::uint64_t k0 = key_0, k1 = key_1;
    for (int round = 0; round < k_rounds; ++round) {
      if (round > 0) {
        k0 += k_key_step_0;
        k1 += k_key_step_1;
      }
      __m256i high_0, low_0, high_1, low_1;
      multiply_avx2(c0, m0, high_0, low_0);
      multiply_avx2(c2, m1, high_1, low_1);
      const __m256i next_0 =
          _mm256_xor_si256(_mm256_xor_si256(high_1, c1), _mm256_set1_epi64x(static_cast<long long>(k0)));
      const __m256i next_2 =
          _mm256_xor_si256(_mm256_xor_si256(high_0, c3), _mm256_set1_epi64x(static_cast<long long>(k1)));
      c0 = next_0;
      c1 = low_1;
      c2 = next_2;
      c3 = low_0;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.word[0] + b), c0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.word[1] + b), c1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.word[2] + b), c2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.word[3] + b), c3);
  }
  return b;
}

// GCC 12 warns that _mm512_set1_epi64's internal __Y "may be used
// uninitialized" (GCC bug 105593): a false alarm in its own header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

__attribute__((target("avx512f"))) inline void multiply_avx512(__m512i a, __m512i m, __m512i& high,
                                                                __m512i& low) {
  const __m512i low_half = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i a1 = _mm512_srli_epi64(a, 32);
  const __m512i m1 = _mm512_srli_epi64(m, 32);
  const __m512i p00 = _mm512_mul_epu32(a, m);
  const __m512i mid = _mm512_add_epi64(_mm512_mul_epu32(a1, m), _mm512_srli_epi64(p00, 32));
  const __m512i mid2 = _mm512_add_epi64(_mm512_mul_epu32(a, m1), _mm512_and_si512(mid, low_half));
  high = _mm512_add_epi64(_mm512_add_epi64(_mm512_mul_epu32(a1, m1), _mm512_srli_epi64(mid, 32)),
                          _mm512_srli_epi64(mid2, 32));
  low = _mm512_or_si512(_mm512_slli_epi64(mid2, 32), _mm512_and_si512(p00, low_half));
}

__attribute__((target("avx512f"))) std::size_t blocks_avx512(const Arrays& a, std::size_t n, std::uint64_t key_0,
                                                              std::uint64_t key_1) {
  const __m512i m0 = _mm512_set1_epi64(static_cast<long long>(k_multiplier_0));
  const __m512i m1 = _mm512_set1_epi64(static_cast<long long>(k_multiplier_1));
  std::size_t b = 0;
  for (; b + 8 <= n; b += 8) {
    __m512i c0 = _mm512_loadu_si512(a.counter[0] + b);
    __m512i c1 = _mm512_loadu_si512(a.counter[1] + b);
    __m512i c2 = _mm512_loadu_si512(a.counter[2] + b);
    __m512i c3 = _mm512_loadu_si512(a.counter[3] + b);
    std::uint64_t k0 = key_0, k1 = key_1;
    for (int round = 0; round < k_rounds; ++round) {
      if (round > 0) {
        k0 += k_key_step_0;
        k1 += k_key_step_1;
      }
      __m512i high_0, low_0, high_1, low_1;
      multiply_avx512(c0, m0, high_0, low_0);
      multiply_avx512(c2, m1, high_1, low_1);
      const __m512i next_0 =
          _mm512_xor_si512(_mm512_xor_si512(high_1, c1), _mm512_set1_epi64(static_cast<long long>(k0)));
      const __m512i next_2 =
          _mm512_xor_si512(_mm512_xor_si512(high_0, c3), _mm512_set1_epi64(static_cast<long long>(k1)));
      c0 = next_0;
      c1 = low_1;
      c2 = next_2;
      c3 = low_0;
    }
    _mm512_storeu_si512(a.word[0] + b, c0);
    _mm512_storeu_si512(a.word[1] + b, c1);
    _mm512_storeu_si512(a.word[2] + b, c2);
    _mm512_storeu_si512(a.word[3] + b, c3);
  }
  return b;
}

#pragma GCC diagnostic pop

}  // namespace

void PhiloxBatch::reserve(std::size_t blocks) {
  for (int w = 0; w < 4; ++w) {
    counters_[static_cast<std::size_t>(w)].resize(blocks);
    words_[static_cast<std::size_t>(w)].resize(blocks);
  }
}

std::size_t PhiloxBatch::add(const std::array<std::uint64_t, 4>& counter) {
  if (size_ == counters_[0].size()) reserve(2 * size_ + 8);
  for (std::size_t w = 0; w < 4; ++w) counters_[w][size_] = counter[w];
  return size_++;
}

void PhiloxBatch::set_counter_word(int w, std::uint64_t value) {
  std::fill_n(counters_[static_cast<std::size_t>(w)].begin(), size_, value);
}

void PhiloxBatch::compute(const std::array<std::uint64_t, 2>& key, Isa isa) {
  const Arrays arrays{{counters_[0].data(), counters_[1].data(), counters_[2].data(), counters_[3].data()},
                      {words_[0].data(), words_[1].data(), words_[2].data(), words_[3].data()}};
  std::size_t done = 0;
  if (isa == Isa::avx512) done = blocks_avx512(arrays, size_, key[0], key[1]);
  if (isa == Isa::avx2) done = blocks_avx2(arrays, size_, key[0], key[1]);
  blocks_scalar(arrays, done, size_, key[0], key[1]);  // the rest, fewer than a vector
}

}  // namespace shortfall
