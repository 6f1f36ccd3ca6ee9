// Quantiles in memory that does not grow with the number of runs.
//
// Exact quantiles need every run's value; at ten million runs of a
// three-year horizon that is gigabytes. A QuantileSketch keeps a histogram
// of integer counts in buckets whose width is set by the accuracy the
// results promise (docs/model.md, "Quantiles from a sketch"):
//
//   |x| below 2^20 (about £1.05m): buckets £2,000 wide, so a bucket's
//     middle is within £1,000 of every value in it; 0 is a bucket of its
//     own, so an exact zero (no support needed) stays exactly 0;
//   |x| from 2^20 up: 512 buckets to each binary order of magnitude, cut by
//     the exponent and the top 9 bits of the significand, so a bucket's
//     middle is within 2^-10 (0.098 %) of every value in it.
//
// Every bucket is within max(0.1 % of the value, £1,000). The buckets are
// numbered in the order of the values they hold, negative to positive.
//
// Counts are integers, so adding sketches in any order, or the same values
// split into blocks any way, gives the same bits: the property the engine's
// reproducibility rests on. The smallest and largest values are kept
// exactly, and a quantile is never outside them.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace shortfall {

class ByteWriter;
class ByteReader;

class QuantileSketch {
 public:
  // The accuracy promised for every value a bucket stands for (recorded in
  // results files).
  static constexpr double k_relative_accuracy = 0.001;
  static constexpr double k_absolute_accuracy = 1000.0;  // pounds

  // The bucket of a finite value, and the value a bucket stands for (its
  // middle). Monotone: a <= b gives bucket_of(a) <= bucket_of(b).
  static std::int64_t bucket_of(double value);
  static double middle_of(std::int64_t bucket);

  // A finite value (the tally refuses others before they get here).
  void add(double value) {
    const std::int64_t bucket = bucket_of(value);
    if (bucket < first_bucket_ || bucket >= first_bucket_ + std::ssize(counts_)) make_room(bucket);
    ++counts_[static_cast<std::size_t>(bucket - first_bucket_)];
    ++count_;
    if (value < smallest_) smallest_ = value;
    if (value > largest_) largest_ = value;
  }
  // Many values: out of line, where bucket_of inlines into the loop.
  void add(std::span<const double> values);
  void add(const QuantileSketch& other);

  std::int64_t count() const { return count_; }
  double smallest() const { return smallest_; }  // +inf when empty
  double largest() const { return largest_; }    // -inf when empty

  // Quantiles by linear interpolation between the order statistics at
  // q (N-1), as NumPy's default, each order statistic replaced by the middle
  // of its bucket (clamped to the smallest and largest values, and exact
  // for the smallest and the largest). `qs` ascending in [0, 1]; NaN when
  // empty.
  void quantiles(std::span<const double> qs, std::span<double> out) const;
  double quantile(double q) const;
  // Mean of the lowest ceil(share N) values (CVaR), each value replaced as
  // in quantiles(); NaN when empty.
  double lower_tail_mean(double share) const;

  // Equal counts, smallest and largest: what every statistic is computed from.
  bool operator==(const QuantileSketch& other) const;

  // Bytes: u8 version tag, varint count, f64 smallest and largest, then the
  // non-empty buckets as (zigzag varint gap from the previous bucket, varint
  // count). A few bytes a bucket.
  void write(ByteWriter& writer) const;
  static QuantileSketch read(ByteReader& reader, const char* what);

 private:
  void make_room(std::int64_t bucket);
  // The value standing for the order statistic at rank (0-based).
  double value_at_rank(std::int64_t rank) const;

  std::int64_t first_bucket_ = 0;
  std::vector<std::int64_t> counts_;  // [bucket - first_bucket_]
  std::int64_t count_ = 0;
  double smallest_ = std::numeric_limits<double>::infinity();
  double largest_ = -std::numeric_limits<double>::infinity();
};

}  // namespace shortfall
