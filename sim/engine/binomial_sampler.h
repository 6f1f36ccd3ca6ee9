// Exact Binomial(n, p) draws for a number of cases n fixed per indicator and
// a probability p that changes from draw to draw (docs/model.md section 5:
// an indicator is measured on N = n M cases every period).
//
// Why not Boost's binomial_distribution: it is built for a fixed p, so every
// draw with a new p pays its set-up, and its slow path calls log up to four
// times and divides up to fifteen times. Here what does not depend on p is
// computed once per indicator: ln C(n, k) for every k, the ratios
// (n - k + 1)/k of inversion, and the regime cut-off. And every
// transcendental function is the project's own (models/portable_exp.h,
// models/portable_log.h), so a draw has the same bits on every CPU.
//
// Method, after p > 1/2 is mapped to n - Binomial(n, 1 - p) (1 - p is exact
// there):
// - mean n p below k_inversion_mean_limit (20): exact inversion, the
//   sequential search from 0 (Kemp 1986): one uniform u, X = the least k
//   with u < F(k). It couples draws monotonically: for one u, X grows with
//   p, so two structures with close probabilities get close counts.
// - mean at or above it: BTRD (Hormann 1993, "The generation of binomial
//   random variates", J. Statist. Comput. Simul. 46), the transformed
//   rejection with a decomposition that Boost also implements. Its exact
//   acceptance test, v <= f(k)/f(m) with m the mode, is taken in logs from
//   the table: ln v <= ln C(n,k) - ln C(n,m) + (k - m) ln(p/q), one
//   portable_log of v (and one of p/q per draw, when first needed) in place
//   of the recursion, the squeeze and the Stirling-series slow path.
//   BTRD needs n p >= 10, hence the limit's lower bound.
//
// Exactness: both methods are exact in real arithmetic. In double,
// BTRD's acceptance test carries an absolute error of a few ulp of ln n!
// (about 1e-12 at n = 1,500, 1e-10 at n = 100,000), and inversion's
// cumulative probabilities a relative error of about k ulp at k: far below
// anything a simulation can detect (chi-square tests in
// tests/sim/engine/binomial_sampler_test.cpp).
//
// Uniforms come from 64-bit words (a UniformRandomBitGenerator over the full
// 64-bit range, such as RandomStream): uniform_from_word keeps the top 53
// bits, k 2^-53 for k in [0, 2^53), so every double is exact and 1 is never
// drawn.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "models/portable_exp.h"
#include "models/portable_log.h"

namespace shortfall {

// A uniform on [0, 1) from the top 53 bits of a 64-bit word.
inline double uniform_from_word(std::uint64_t word) { return static_cast<double>(word >> 11) * 0x1p-53; }

// ln k! for k >= 0: exact k! through ln for k <= 22 (22! is exact in a
// double), Stirling's series beyond (to 1/k^7: truncation below 2e-15).
double log_factorial(std::int64_t k);

class BinomialSampler {
 public:
  // Inversion below this mean (n min(p, 1 - p)): as fast as BTRD up to here
  // on the benchmark (docs/performance.md), and monotone.
  static constexpr double k_inversion_mean_limit = 20.0;
  // ln C(n, k) is tabulated up to this n (8 MB); beyond, it is computed per
  // draw by the same expression, so the bits are the same.
  static constexpr int k_table_max_cases = 1 << 20;

  // `cases` is n >= 0; `inversion_mean_limit` >= 10 (BTRD's range) is for
  // benchmarks and tests of the regimes.
  explicit BinomialSampler(int cases, double inversion_mean_limit = k_inversion_mean_limit);

  int cases() const { return cases_; }
  // The least p (after mapping p > 1/2 to 1 - p) drawn by BTRD: inversion
  // exactly when p < inversion_below().
  double inversion_below() const { return inversion_below_; }
  // ln C(n, k) for k = 0..n, or nullptr above k_table_max_cases: the vector
  // path of binomial_batch.h reads the same table as draw().
  const double* log_choose_table() const { return log_choose_.empty() ? nullptr : log_choose_.data(); }

  // X ~ Binomial(n, p). p <= 0 (or NaN) gives 0 and p >= 1 gives n, without
  // taking a word.
  template <class Words>
  int draw(double probability, Words& words) const {
    static_assert(Words::min() == 0 && Words::max() == std::numeric_limits<std::uint64_t>::max(),
                  "the sampler takes full 64-bit words");
    if (!(probability > 0.0)) return 0;
    if (probability >= 1.0) return cases_;
    if (probability > 0.5) return cases_ - draw_at_most_half(1.0 - probability, words);
    return draw_at_most_half(probability, words);
  }

  // BTRD for p in [inversion_below(), 1/2], from `words` on. Its attempts do
  // not depend on one another (each starts from the set-up, a function of p
  // alone, and takes one word in the box, two outside it), so a draw whose
  // first attempts were made elsewhere and rejected (binomial_batch.h's
  // lanes) continues here from the words after them, to the same count.
  template <class Words>
  int draw_by_btrd(double p, Words& words) const;

 private:
  template <class Words>
  int draw_at_most_half(double p, Words& words) const {
    return p < inversion_below_ ? draw_by_inversion(p, words) : draw_by_btrd(p, words);
  }

  template <class Words>
  int draw_by_inversion(double p, Words& words) const;

  // 1/f(0) = q^-n. For n up to k_power_max_cases by repeated squaring of
  // 1/q (fast; relative error at most about 2n ulp), beyond through
  // exp(-n ln(1 - p)) (error a few ulp of n ln q).
  static constexpr int k_power_max_cases = 64;
  double inverse_probability_of_none(double p) const {
    if (cases_ > k_power_max_cases) return portable_exp(-cases_ * portable_log1p(-p));
    double power = 1.0;
    double square = 1.0 / (1.0 - p);
    for (int e = cases_; e != 0; e >>= 1) {
      if (e & 1) power *= square;
      square *= square;
    }
    return power;
  }

  // (n - k + 1)/k, the ratio f(k)/f(k-1) without its factor p/q.
  double count_ratio(int k) const {
    return k < static_cast<int>(count_ratios_.size()) ? count_ratios_[static_cast<std::size_t>(k)]
                                                      : count_ratio_uncached(k);
  }
  double count_ratio_uncached(int k) const { return static_cast<double>(cases_ - k + 1) / k; }
  double log_choose(int k) const {
    return log_choose_.empty() ? log_choose_uncached(k) : log_choose_[static_cast<std::size_t>(k)];
  }
  double log_choose_uncached(int k) const {
    return (log_factorial(cases_) - log_factorial(k)) - log_factorial(cases_ - k);
  }

  int cases_;
  double inversion_below_;
  std::vector<double> count_ratios_;  // [0] unused; k = 1..min(n, 1024)
  std::vector<double> log_choose_;    // ln C(n, k), k = 0..n; empty above k_table_max_cases
};

template <class Words>
int BinomialSampler::draw_by_inversion(double p, Words& words) const {
  // X is the least k with u < F(k) = f(0) G(k), where G(k) = sum_{j <= k}
  // f(j)/f(0) and f(j)/f(j-1) = count_ratio(j) p/q. Comparing u / f(0) with
  // G(k), rather than u with F(k), lets the search run while q^-n is still
  // being computed: G does not depend on it.
  const double odds = p / (1.0 - p);
  const double threshold = uniform_from_word(words()) * inverse_probability_of_none(p);  // u / f(0)
  double term = 1.0;        // f(k)/f(0)
  double cumulative = 1.0;  // G(k)
  int k = 0;
  // If rounding leaves the threshold above the whole sum (u within a few
  // ulp of 1, probability about 1e-15), the search stops where the terms no
  // longer change the sum (F(k) = 1 in double), or at n.
  while (threshold >= cumulative && k < cases_) {
    ++k;
    term *= count_ratio(k) * odds;
    const double next = cumulative + term;
    if (next == cumulative) break;
    cumulative = next;
  }
  return k;
}

template <class Words>
int BinomialSampler::draw_by_btrd(double p, Words& words) const {
  // Set-up (Hormann 1993, Table 1), for this p. The fast path (step 1) waits
  // on a square root and two divisions in a row; v_r's reciprocal
  // b / (0.92 b - 4.2) replaces Hormann's division by v_r with a product,
  // and what only steps 2-3 use is computed there, once a draw needs it
  // (computing it up front was 10 % slower: docs/performance.md).
  const double n = cases_;
  const double q = 1.0 - p;
  const double spread = std::sqrt(n * p * q);  // sqrt is correctly rounded in IEEE 754
  const double b = 1.15 + 2.53 * spread;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double inverse_v_r = b / (0.92 * b - 4.2);  // 1 / v_r, v_r = 0.92 - 4.2/b
  double log_odds = 0.0;
  bool outside_box_set_up = false;
  double alpha = 0.0;
  double v_r = 0.0;
  int mode = 0;
  for (;;) {
    // Step 1: the central box, with one uniform: w = v / v_r <= 0.86, 72 %
    // of draws at a spread of 19 (n = 1,500, p = 1/2), more as it grows.
    const double first = uniform_from_word(words());
    const double w = first * inverse_v_r;
    if (w <= 0.86) {
      const double u = w - 0.43;
      return static_cast<int>(std::floor((2.0 * a / (0.5 - std::abs(u)) + b) * u + c));
    }
    if (!outside_box_set_up) {
      const double inverse_b = 1.0 / b;
      alpha = (2.83 + 5.1 * inverse_b) * spread;
      v_r = 0.92 - 4.2 * inverse_b;
      mode = static_cast<int>((n + 1.0) * p);
      log_odds = portable_log(p / q);
      outside_box_set_up = true;
    }
    // Step 2: a point (u, v) under the hat outside the box.
    double u;
    double v;
    if (w >= 1.0) {
      u = uniform_from_word(words()) - 0.5;
      v = first;
    } else {
      u = w - 0.93;
      u = (u < 0.0 ? -0.5 : 0.5) - u;
      v = uniform_from_word(words()) * v_r;
    }
    // Step 3: the candidate k (u = -1/2 or 1/2 gives an infinite k, rejected
    // here before any conversion to int).
    const double inverse_us = 1.0 / (0.5 - std::abs(u));
    const double candidate = std::floor((2.0 * a * inverse_us + b) * u + c);
    if (!(candidate >= 0.0 && candidate <= n)) continue;
    const int k = static_cast<int>(candidate);
    v = v * alpha / (a * inverse_us * inverse_us + b);
    // Exact acceptance: v <= f(k)/f(mode), in logs from the table. (Hormann's
    // product of ratios near the mode, from a table, was 10 % slower: its
    // loops' exits are mispredicted.)
    if (portable_log(v) <= (log_choose(k) - log_choose(mode)) + (k - mode) * log_odds) return k;
  }
}

}  // namespace shortfall
