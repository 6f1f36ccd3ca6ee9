#include "analysis/estimators.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace shortfall {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

bool holds_nan(std::span<const double> values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

// Fixed-point integer arithmetic on ExactSum's limbs. `low` lands at limb
// `index`, `high` at the next one; the carry (or borrow) runs up as far as
// it goes.
void add_at(ExactSum::Limbs& limbs, int index, std::uint64_t low, std::uint64_t high) {
  std::uint64_t carry = 0;
  auto add_limb = [&](int i, std::uint64_t addend) {
    const std::uint64_t partial = limbs[i] + addend;
    const std::uint64_t total = partial + carry;
    carry =
        static_cast<std::uint64_t>(partial < addend) | static_cast<std::uint64_t>(total < carry);
    limbs[i] = total;
  };
  add_limb(index, low);
  add_limb(index + 1, high);
  for (int i = index + 2; carry != 0 && i < ExactSum::k_limb_count; ++i) add_limb(i, 0);
}

void subtract_at(ExactSum::Limbs& limbs, int index, std::uint64_t low, std::uint64_t high) {
  std::uint64_t borrow = 0;
  auto subtract_limb = [&](int i, std::uint64_t subtrahend) {
    const std::uint64_t partial = limbs[i] - subtrahend;
    const std::uint64_t total = partial - borrow;
    borrow = static_cast<std::uint64_t>(limbs[i] < subtrahend) |
             static_cast<std::uint64_t>(partial < borrow);
    limbs[i] = total;
  };
  subtract_limb(index, low);
  subtract_limb(index + 1, high);
  for (int i = index + 2; borrow != 0 && i < ExactSum::k_limb_count; ++i) subtract_limb(i, 0);
}

void negate(ExactSum::Limbs& limbs) {
  for (auto& limb : limbs) limb = ~limb;
  add_at(limbs, 0, 1, 0);
}

// Puts the order statistics of the given ranks (ascending, distinct, all in
// [begin, end)) in place: values[k] becomes the k-th smallest for every k.
// The range is partitioned about its middle rank first and each side only
// about its own ranks, so the five reported quantiles (ten ranks) cost about
// 2.5 N comparisons instead of 3.5 N when selecting from the left.
void select_ranks(std::span<double> values, std::span<const std::size_t> ranks, std::size_t begin,
                  std::size_t end) {
  if (ranks.empty()) return;
  const auto at = [&](std::size_t i) { return values.begin() + static_cast<std::ptrdiff_t>(i); };
  const std::size_t middle = ranks.size() / 2;
  const std::size_t rank = ranks[middle];
  if (rank == begin) {
    std::iter_swap(at(begin), std::min_element(at(begin), at(end)));  // the range's minimum
  } else if (rank + 1 == end) {
    std::iter_swap(at(rank), std::max_element(at(begin), at(end)));  // the range's maximum
  } else {
    std::nth_element(at(begin), at(rank), at(end));
  }
  select_ranks(values, ranks.first(middle), begin, rank);
  select_ranks(values, ranks.subspan(middle + 1), rank + 1, end);
}

// The values of the given order statistics (ascending, distinct ranks).
// Small arrays (under 4,096 values): select_ranks in place. Large ones: one pass for the range,
// one to count values into equal-width buckets, one to collect only the
// buckets that hold a wanted rank, then selection inside those - about three
// cheap passes instead of partitioning the whole array several times. Exact:
// the bucket index is a monotone function of the value, so a value's rank
// among all values is its rank within its bucket plus the counts below it.
std::vector<double> order_statistics(std::span<double> values, std::span<const std::size_t> ranks) {
  std::vector<double> result(ranks.size());
  const std::size_t n = values.size();
  if (n < 4096) {
    select_ranks(values, ranks, 0, n);
    for (std::size_t r = 0; r < ranks.size(); ++r) result[r] = values[ranks[r]];
    return result;
  }
  const std::size_t bucket_count = std::min<std::size_t>(4096, n / 8);  // ~8+ values a bucket
  const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
  const double low = *lowest, high = *highest;
  if (!(high > low)) {  // all equal
    std::fill(result.begin(), result.end(), low);
    return result;
  }
  const double scale = static_cast<double>(bucket_count) / (high - low);
  const auto bucket_of = [&](double value) {
    return std::min(bucket_count - 1, static_cast<std::size_t>((value - low) * scale));
  };
  std::vector<std::size_t> below(bucket_count + 1, 0);  // counts, then counts below each bucket
  for (const double value : values) ++below[bucket_of(value) + 1];
  for (std::size_t b = 0; b < bucket_count; ++b) below[b + 1] += below[b];
  // Each wanted rank's bucket gets a slot that collects the bucket's values.
  constexpr std::uint32_t k_unwanted = ~std::uint32_t{0};
  std::vector<std::uint32_t> slot_of(bucket_count, k_unwanted);
  std::vector<std::size_t> slot_bucket;
  std::vector<std::uint32_t> rank_slot(ranks.size());
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const auto b = static_cast<std::size_t>(
        std::upper_bound(below.begin(), below.end(), ranks[r]) - below.begin()) - 1;
    if (slot_of[b] == k_unwanted) {
      slot_of[b] = static_cast<std::uint32_t>(slot_bucket.size());
      slot_bucket.push_back(b);
    }
    rank_slot[r] = slot_of[b];
  }
  std::vector<std::vector<double>> collected(slot_bucket.size());
  for (std::size_t slot = 0; slot < slot_bucket.size(); ++slot) {
    collected[slot].reserve(below[slot_bucket[slot] + 1] - below[slot_bucket[slot]]);
  }
  for (const double value : values) {
    const auto slot = slot_of[bucket_of(value)];
    if (slot != k_unwanted) collected[slot].push_back(value);
  }
  for (std::size_t r = 0; r < ranks.size();) {
    // The wanted ranks of one bucket are consecutive (ranks ascend).
    const auto slot = rank_slot[r];
    const std::size_t offset = below[slot_bucket[slot]];
    std::vector<std::size_t> local;
    std::size_t end = r;
    for (; end < ranks.size() && rank_slot[end] == slot; ++end) local.push_back(ranks[end] - offset);
    select_ranks(collected[slot], local, 0, collected[slot].size());
    for (std::size_t j = r; j < end; ++j) result[j] = collected[slot][local[j - r]];
    r = end;
  }
  return result;
}

}  // namespace

std::pair<double, double> wilson_interval(std::int64_t successes, std::int64_t trials, double z) {
  if (trials <= 0 || successes < 0 || successes > trials) {
    throw std::invalid_argument(fmt::format(
        "wilson_interval: {} successes out of {} trials is not a proportion", successes, trials));
  }
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z2 = z * z;
  // Wilson (1927): centre and half-width of the score interval.
  const double shrink = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / shrink;
  const double half_width = z / shrink * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  // At 0 and N the closed form gives the end exactly; rounding would leave a
  // speck of probability that is not there.
  const double low = successes == 0 ? 0.0 : std::max(0.0, centre - half_width);
  const double high = successes == trials ? 1.0 : std::min(1.0, centre + half_width);
  return {low, high};
}

PairedDifference paired_difference_of_indicators(std::int64_t plus, std::int64_t minus,
                                                 std::int64_t n) {
  if (n <= 0 || plus < 0 || minus < 0 || plus + minus > n) {
    throw std::invalid_argument(fmt::format(
        "paired_difference_of_indicators: {} runs up and {} down out of {} is not a paired count",
        plus, minus, n));
  }
  const auto up = static_cast<double>(plus);
  const auto down = static_cast<double>(minus);
  const auto runs = static_cast<double>(n);
  const double mean = (up - down) / runs;
  PairedDifference difference{mean, std::numeric_limits<double>::quiet_NaN()};
  if (n >= 2) {
    const double squared_deviations = up * (1.0 - mean) * (1.0 - mean) +
                                      down * (1.0 + mean) * (1.0 + mean) +
                                      (runs - up - down) * mean * mean;
    const double variance = squared_deviations / (runs - 1.0);  // sd with N - 1
    difference.standard_error = std::sqrt(variance / runs);
  }
  return difference;
}

double interpolate(double a, double b, double gamma) {
  const double difference = b - a;
  return gamma >= 0.5 ? b - difference * (1.0 - gamma) : a + difference * gamma;
}

void quantiles_linear(std::span<double> values, std::span<const double> qs, std::span<double> out) {
  if (qs.size() != out.size()) {
    throw std::invalid_argument(
        fmt::format("quantiles_linear: {} quantiles asked but room for {}", qs.size(), out.size()));
  }
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (!(qs[i] >= 0.0 && qs[i] <= 1.0) || (i > 0 && qs[i] < qs[i - 1])) {
      throw std::invalid_argument(
          fmt::format("quantiles_linear: q = {} is outside [0, 1] or below the previous q", qs[i]));
    }
  }
  const std::size_t n = values.size();
  if (n == 0 || holds_nan(values)) {
    std::fill(out.begin(), out.end(), k_nan);
    return;
  }
  // Each quantile interpolates between the order statistics at floor(p) and
  // floor(p) + 1, p = (n - 1) q (NumPy's default); place all of them at once.
  std::vector<std::size_t> ranks;
  const auto lower_rank = [n](double q) {
    return std::min(static_cast<std::size_t>(std::floor(static_cast<double>(n - 1) * q)), n - 1);
  };
  for (const double q : qs) {
    const auto lower = lower_rank(q);
    ranks.push_back(lower);
    if (lower + 1 < n) ranks.push_back(lower + 1);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  const std::vector<double> placed = order_statistics(values, ranks);
  const auto value_at = [&](std::size_t rank) {
    return placed[static_cast<std::size_t>(std::lower_bound(ranks.begin(), ranks.end(), rank) -
                                           ranks.begin())];
  };
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const double position = static_cast<double>(n - 1) * qs[i];
    const double gamma = position - std::floor(position);
    const auto lower = lower_rank(qs[i]);
    out[i] = gamma == 0.0 || lower + 1 >= n ? value_at(lower)
                                            : interpolate(value_at(lower), value_at(lower + 1), gamma);
  }
}

double quantile_linear(std::span<double> values, double q) {
  double result = k_nan;
  quantiles_linear(values, std::span<const double>(&q, 1), std::span<double>(&result, 1));
  return result;
}

std::int64_t lower_tail_count(std::int64_t n, double share) {
  if (!(share > 0.0 && share <= 1.0)) {
    throw std::invalid_argument(
        fmt::format("lower_tail_count: share = {} is outside (0, 1]", share));
  }
  if (n < 0) throw std::invalid_argument(fmt::format("lower_tail_count: N = {} is negative", n));
  if (n == 0) return 0;
  const double tail = share * static_cast<double>(n);
  // share N carries at most a couple of roundings (share itself and the
  // product), a few ulps; a gap 64 ulps wide absorbs them and is far below
  // the 1/N steps a decimal share can genuinely fall short of a whole number.
  const double whole = std::round(tail);
  const double tolerance = 64.0 * std::numeric_limits<double>::epsilon() * std::max(1.0, tail);
  const double count = std::abs(tail - whole) <= tolerance ? whole : std::ceil(tail);
  return std::clamp(static_cast<std::int64_t>(count), std::int64_t{1}, n);
}

double lower_tail_mean(std::span<double> values, double share) {
  const auto n = static_cast<std::int64_t>(values.size());
  const std::int64_t tail_count = lower_tail_count(n, share);
  if (n == 0 || holds_nan(values)) return k_nan;
  const auto tail_end = values.begin() + static_cast<std::ptrdiff_t>(tail_count);
  std::nth_element(values.begin(), tail_end - 1, values.end());
  // The tail arrives in whatever order the partition left it; an exact sum
  // makes the mean a function of the values alone.
  ExactSum tail_sum;
  for (auto it = values.begin(); it != tail_end; ++it) tail_sum += *it;
  return tail_sum.value() / static_cast<double>(tail_count);
}

ExactSum::ExactSum(const Limbs& limbs, std::uint8_t special_flags)
    : limbs_(limbs), special_flags_(special_flags) {}

void ExactSum::add(double x) {
  if (std::isnan(x)) {
    special_flags_ |= k_has_nan;
    return;
  }
  if (std::isinf(x)) {
    special_flags_ |= x > 0.0 ? k_has_plus_infinity : k_has_minus_infinity;
    return;
  }
  // IEEE 754 binary64: x = mantissa * 2^(offset - 1074), offset = biased
  // exponent - 1 for normal numbers (with the hidden bit), 0 for subnormals.
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const bool negative = (bits >> 63) != 0;
  const auto biased_exponent = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t mantissa = bits & ((std::uint64_t{1} << 52) - 1);
  int offset = 0;
  if (biased_exponent != 0) {
    mantissa |= std::uint64_t{1} << 52;
    offset = biased_exponent - 1;
  }
  if (mantissa == 0) return;
  const int index = offset / 64;
  const int shift = offset % 64;
  const std::uint64_t low = mantissa << shift;
  const std::uint64_t high = shift == 0 ? 0 : mantissa >> (64 - shift);
  if (negative) {
    subtract_at(limbs_, index, low, high);
  } else {
    add_at(limbs_, index, low, high);
  }
}

ExactSum& ExactSum::operator+=(const ExactSum& other) {
  std::uint64_t carry = 0;
  for (int i = 0; i < k_limb_count; ++i) {
    const std::uint64_t partial = limbs_[i] + other.limbs_[i];
    const std::uint64_t total = partial + carry;
    carry = static_cast<std::uint64_t>(partial < other.limbs_[i]) |
            static_cast<std::uint64_t>(total < carry);
    limbs_[i] = total;
  }
  special_flags_ |= other.special_flags_;
  return *this;
}

double ExactSum::value() const {
  const bool plus_infinity = (special_flags_ & k_has_plus_infinity) != 0;
  const bool minus_infinity = (special_flags_ & k_has_minus_infinity) != 0;
  if ((special_flags_ & k_has_nan) != 0 || (plus_infinity && minus_infinity)) return k_nan;
  if (plus_infinity) return std::numeric_limits<double>::infinity();
  if (minus_infinity) return -std::numeric_limits<double>::infinity();

  Limbs magnitude = limbs_;
  const bool negative = (limbs_.back() >> 63) != 0;
  if (negative) negate(magnitude);
  int top = k_limb_count - 1;
  while (top >= 0 && magnitude[top] == 0) --top;
  if (top < 0) return 0.0;

  double rounded = 0.0;
  if (top == 0 && magnitude[0] < (std::uint64_t{1} << 53)) {
    // At most 53 significant bits: exact, including every subnormal.
    rounded = std::ldexp(static_cast<double>(magnitude[0]), -1074);
  } else {
    // The leading 64 bits, then round to 53 with the bits below deciding:
    // round half to even, as IEEE addition would round the true sum.
    const int leading_zeros = std::countl_zero(magnitude[top]);
    std::uint64_t window = magnitude[top] << leading_zeros;
    bool below_window_nonzero = false;
    if (top > 0) {
      if (leading_zeros > 0) {
        window |= magnitude[top - 1] >> (64 - leading_zeros);
        below_window_nonzero = (magnitude[top - 1] << leading_zeros) != 0;
      } else {
        below_window_nonzero = magnitude[top - 1] != 0;
      }
      for (int i = 0; i < top - 1 && !below_window_nonzero; ++i) {
        below_window_nonzero = magnitude[i] != 0;
      }
    }
    const int top_bit = top * 64 + 63 - leading_zeros;  // weighs 2^(top_bit - 1074)
    std::uint64_t significand = window >> 11;
    const bool half_bit = ((window >> 10) & 1) != 0;
    const bool sticky = below_window_nonzero || (window & 0x3FF) != 0;
    if (half_bit && (sticky || (significand & 1) != 0)) ++significand;
    // Normal range here, so scaling a 53-bit integer is exact (or overflows
    // to infinity, as the true sum rounded would).
    rounded = std::ldexp(static_cast<double>(significand), top_bit - 52 - 1074);
  }
  return negative ? -rounded : rounded;
}

}  // namespace shortfall
