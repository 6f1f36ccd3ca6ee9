// Estimators of docs/model.md section 7, as free functions on plain numbers so
// they can be tested against hand computations.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>

namespace shortfall {

inline constexpr double k_wilson_z = 1.959964;  // docs/model.md section 7
inline constexpr double k_cvar_share = 0.05;    // CVaR 5 %, docs/model.md section 7

// 95 % Wilson score interval for `successes` out of `trials` (trials > 0).
// With no successes the low end is exactly 0, with all of them the high end
// exactly 1.
std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t trials,
                                          double z = k_wilson_z);

// Quantile by linear interpolation between order statistics at position
// q (N-1), NumPy's default. `values` is reordered (partially sorted) in place.
// NaN when `values` is empty or holds a NaN (as NumPy gives).
double quantile_linear(std::span<double> values, double q);

// The point a fraction gamma of the way from a to b, as NumPy's _lerp: from
// the nearer end, so a quantile never leaves [a, b].
double interpolate(double a, double b, double gamma);

// Several quantiles of the same values at once (ascending q); reorders values.
void quantiles_linear(std::span<double> values, std::span<const double> qs, std::span<double> out);

// The number of values in the lower tail: ceil(share N), with share N taken
// as the whole number it is meant to be when rounding has moved it off by a
// few ulps (0.05 * 100 is 5, never 6). At least 1 when N > 0.
std::int64_t lower_tail_count(std::int64_t n, double share);

// Mean of the worst ceil(share N) values (the lower tail): CVaR of docs/model.md
// section 7 with share 0.05. Reorders values. NaN when `values` is empty or
// holds a NaN.
double lower_tail_mean(std::span<double> values, double share);

// A paired difference d = y_a - y_b over the same N runs: its mean and its
// paired standard error sd(d) / sqrt(N), sd with N - 1 (docs/model.md
// section 7); the error is NaN for N < 2.
struct PairedDifference {
  double mean;
  double standard_error;
};

// The paired difference of two 0/1 indicators (shortfall under a and under
// b) from the counts of runs with d = +1 (`plus`) and d = -1 (`minus`) out
// of `n` > 0. The squared deviations are summed per value of d, so they
// are a function of the counts alone.
PairedDifference paired_difference_of_indicators(std::int64_t plus, std::int64_t minus,
                                                 std::int64_t n);

// A sum of doubles kept exactly, as a fixed-point integer wide enough for
// every finite double (a "long accumulator"). Exact addition is associative,
// so sums of blocks merge to the same bits however the runs were split into
// blocks, and the rounded total does not drift with the number of runs.
// Infinities and NaN are remembered apart and dominate the value as IEEE
// addition would (+inf and -inf together give NaN).
class ExactSum {
 public:
  // Bit 0 of the fixed-point integer weighs 2^-1074 (the smallest subnormal);
  // 34 limbs hold any finite double (2098 bits), a sign bit and 77 bits of
  // headroom for carries, i.e. 2^77 additions of the largest double.
  static constexpr int k_limb_count = 34;
  using Limbs = std::array<std::uint64_t, k_limb_count>;  // two's complement, limb 0 lowest

  // Bits of special_flags().
  static constexpr std::uint8_t k_has_nan = 1;
  static constexpr std::uint8_t k_has_plus_infinity = 2;
  static constexpr std::uint8_t k_has_minus_infinity = 4;

  ExactSum() = default;
  // Rebuilds a sum from its state (deserialisation).
  ExactSum(const Limbs& limbs, std::uint8_t special_flags);

  void add(double x);
  ExactSum& operator+=(double x) {
    add(x);
    return *this;
  }
  ExactSum& operator+=(const ExactSum& other);

  // The exact sum rounded to the nearest double (ties to even); +0.0 when
  // it is zero.
  double value() const;

  const Limbs& limbs() const { return limbs_; }
  std::uint8_t special_flags() const { return special_flags_; }

  friend bool operator==(const ExactSum&, const ExactSum&) = default;

 private:
  Limbs limbs_{};
  std::uint8_t special_flags_ = 0;
};

}  // namespace shortfall
