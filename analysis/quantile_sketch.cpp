#include "analysis/quantile_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/byte_codec.h"
#include "analysis/estimators.h"

namespace shortfall {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// Below 2^20 the £1,000 bound is the wider one (0.1 % of 2^20 is £1,049),
// so buckets there are linear, 2 × £1,000 wide; from 2^20 up they are
// relative, 2^9 to a binade (half-width 2^-10 of the binade's start).
constexpr double k_linear_width = 2.0 * QuantileSketch::k_absolute_accuracy;
constexpr int k_first_log_exponent = 20;
constexpr double k_first_log_value = 1048576.0;  // 2^20
constexpr int k_sub_bucket_bits = 9;
constexpr std::int64_t k_sub_buckets = std::int64_t{1} << k_sub_bucket_bits;
// Bucket numbers: 0 is the value 0; 1..k_linear_buckets the linear buckets
// above it ((j - 1) × width up to j × width); then the log buckets; negative
// values mirror positive ones.
constexpr auto k_linear_buckets =
    static_cast<std::int64_t>(k_first_log_value / k_linear_width) + 1;  // 525

// The bucket of the largest finite double (exponent 1023, every
// sub-bucket): no bucket lies beyond it, on either side.
constexpr std::int64_t k_largest_bucket =
    k_linear_buckets + 1 + (1023 - k_first_log_exponent + 1) * k_sub_buckets;

static_assert(0.5 / k_sub_buckets <= QuantileSketch::k_relative_accuracy,
              "log buckets wider than the promised relative accuracy");

std::int64_t magnitude_bucket(double magnitude) {
  if (magnitude == 0.0) return 0;
  if (magnitude < k_first_log_value) {
    return 1 + static_cast<std::int64_t>(std::floor(magnitude / k_linear_width));
  }
  const auto bits = std::bit_cast<std::uint64_t>(magnitude);
  const auto exponent = static_cast<std::int64_t>(bits >> 52) - 1023;
  const auto sub_bucket = static_cast<std::int64_t>((bits >> (52 - k_sub_bucket_bits)) &
                                                    static_cast<std::uint64_t>(k_sub_buckets - 1));
  return k_linear_buckets + 1 + (exponent - k_first_log_exponent) * k_sub_buckets + sub_bucket;
}

double magnitude_middle(std::int64_t bucket) {
  if (bucket == 0) return 0.0;
  if (bucket <= k_linear_buckets) return (static_cast<double>(bucket - 1) + 0.5) * k_linear_width;
  const std::int64_t index = bucket - k_linear_buckets - 1;
  const auto exponent = static_cast<int>(index / k_sub_buckets) + k_first_log_exponent;
  const auto sub_bucket = static_cast<double>(index % k_sub_buckets);
  return std::ldexp(1.0 + (sub_bucket + 0.5) / static_cast<double>(k_sub_buckets), exponent);
}

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

constexpr std::uint8_t k_sketch_format = 1;

}  // namespace

std::int64_t QuantileSketch::bucket_of(double value) {
  const std::int64_t magnitude = magnitude_bucket(std::fabs(value));
  return value < 0.0 ? -magnitude : magnitude;
}

double QuantileSketch::middle_of(std::int64_t bucket) {
  const double magnitude = magnitude_middle(bucket < 0 ? -bucket : bucket);
  return bucket < 0 ? -magnitude : magnitude;
}

void QuantileSketch::add(std::span<const double> values) {
  for (const double value : values) add(value);
}

void QuantileSketch::make_room(std::int64_t bucket) {
  if (counts_.empty()) {
    first_bucket_ = bucket;
    counts_.assign(1, 0);
    return;
  }
  const std::int64_t end = first_bucket_ + std::ssize(counts_);
  // Grow by at least a quarter (and 64 buckets) on the side that needs it,
  // so a sketch filled one value at a time is resized a few dozen times.
  const std::int64_t headroom = std::max<std::int64_t>(64, std::ssize(counts_) / 4);
  if (bucket < first_bucket_) {
    const std::int64_t new_first = std::min(bucket, first_bucket_ - headroom);
    counts_.insert(counts_.begin(), static_cast<std::size_t>(first_bucket_ - new_first), 0);
    first_bucket_ = new_first;
  } else if (bucket >= end) {
    counts_.resize(static_cast<std::size_t>(std::max(bucket + 1, end + headroom) - first_bucket_), 0);
  }
}

void QuantileSketch::add(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  make_room(other.first_bucket_);
  make_room(other.first_bucket_ + std::ssize(other.counts_) - 1);
  const auto offset = static_cast<std::size_t>(other.first_bucket_ - first_bucket_);
  for (std::size_t i = 0; i < other.counts_.size(); ++i) counts_[offset + i] += other.counts_[i];
  count_ += other.count_;
  smallest_ = std::min(smallest_, other.smallest_);
  largest_ = std::max(largest_, other.largest_);
}

double QuantileSketch::value_at_rank(std::int64_t rank) const {
  if (rank <= 0) return smallest_;
  if (rank >= count_ - 1) return largest_;
  std::int64_t below = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    below += counts_[i];
    if (below > rank) {
      return std::clamp(middle_of(first_bucket_ + static_cast<std::int64_t>(i)), smallest_, largest_);
    }
  }
  return largest_;  // unreachable: the counts add up to count_
}

void QuantileSketch::quantiles(std::span<const double> qs, std::span<double> out) const {
  if (qs.size() != out.size()) {
    throw std::invalid_argument(fmt::format(
        "QuantileSketch::quantiles: {} quantiles asked but room for {}", qs.size(), out.size()));
  }
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (!(qs[i] >= 0.0 && qs[i] <= 1.0)) {
      throw std::invalid_argument(
          fmt::format("QuantileSketch::quantiles: q = {} is outside [0, 1]", qs[i]));
    }
    if (count_ == 0) {
      out[i] = k_nan;
      continue;
    }
    // The positions of estimators.cpp's quantiles_linear, NumPy's default.
    const double position = static_cast<double>(count_ - 1) * qs[i];
    const double gamma = position - std::floor(position);
    const std::int64_t lower = std::min(static_cast<std::int64_t>(std::floor(position)), count_ - 1);
    out[i] = gamma == 0.0 || lower + 1 >= count_
                 ? value_at_rank(lower)
                 : interpolate(value_at_rank(lower), value_at_rank(lower + 1), gamma);
  }
}

double QuantileSketch::quantile(double q) const {
  double result = k_nan;
  quantiles(std::span<const double>(&q, 1), std::span<double>(&result, 1));
  return result;
}

double QuantileSketch::lower_tail_mean(double share) const {
  const std::int64_t tail = lower_tail_count(count_, share);
  if (count_ == 0) return k_nan;
  // Bucket by bucket from the lowest, in a fixed order, so the result is a
  // function of the counts; the lowest value is known exactly and replaces
  // its bucket's middle (and the highest, when the tail is everything).
  double sum = smallest_;
  std::int64_t taken = 1;
  std::int64_t skip = 1;  // the lowest value, already counted
  for (std::size_t i = 0; i < counts_.size() && taken < tail; ++i) {
    std::int64_t in_bucket = counts_[i];
    const std::int64_t skipped = std::min(in_bucket, skip);
    in_bucket -= skipped;
    skip -= skipped;
    const std::int64_t used = std::min(in_bucket, tail - taken);
    if (used == 0) continue;
    const double middle =
        std::clamp(middle_of(first_bucket_ + static_cast<std::int64_t>(i)), smallest_, largest_);
    sum += static_cast<double>(used) * middle;
    taken += used;
  }
  if (tail == count_ && count_ > 1) {
    // The last value taken stands for the largest, known exactly.
    const double last_middle =
        std::clamp(middle_of(bucket_of(largest_)), smallest_, largest_);
    sum += largest_ - last_middle;
  }
  return sum / static_cast<double>(tail);
}

bool QuantileSketch::operator==(const QuantileSketch& other) const {
  if (count_ != other.count_) return false;
  if (count_ == 0) return true;
  if (std::bit_cast<std::uint64_t>(smallest_) != std::bit_cast<std::uint64_t>(other.smallest_) ||
      std::bit_cast<std::uint64_t>(largest_) != std::bit_cast<std::uint64_t>(other.largest_)) {
    return false;
  }
  const auto count_in = [](const QuantileSketch& sketch, std::int64_t bucket) -> std::int64_t {
    const std::int64_t index = bucket - sketch.first_bucket_;
    return index < 0 || index >= std::ssize(sketch.counts_)
               ? 0
               : sketch.counts_[static_cast<std::size_t>(index)];
  };
  const std::int64_t first = std::min(first_bucket_, other.first_bucket_);
  const std::int64_t end = std::max(first_bucket_ + std::ssize(counts_),
                                    other.first_bucket_ + std::ssize(other.counts_));
  for (std::int64_t bucket = first; bucket < end; ++bucket) {
    if (count_in(*this, bucket) != count_in(other, bucket)) return false;
  }
  return true;
}

void QuantileSketch::write(ByteWriter& writer) const {
  writer.put_u8(k_sketch_format);
  writer.put_varint(static_cast<std::uint64_t>(count_));
  writer.put_f64(smallest_);
  writer.put_f64(largest_);
  std::int64_t buckets = 0;
  for (const std::int64_t count : counts_) buckets += count != 0 ? 1 : 0;
  writer.put_varint(static_cast<std::uint64_t>(buckets));
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const std::int64_t bucket = first_bucket_ + static_cast<std::int64_t>(i);
    writer.put_varint(zigzag(bucket - previous));
    writer.put_varint(static_cast<std::uint64_t>(counts_[i]));
    previous = bucket;
  }
}

QuantileSketch QuantileSketch::read(ByteReader& reader, const char* what) {
  if (const std::uint8_t format = reader.get_u8(what); format != k_sketch_format) {
    reader.fail(fmt::format("{}: sketch format {} is not the known {}", what, format,
                            k_sketch_format));
  }
  QuantileSketch sketch;
  const std::uint64_t count = reader.get_varint(what);
  const double smallest = reader.get_f64(what);
  const double largest = reader.get_f64(what);
  const std::uint64_t buckets = reader.get_varint(what);
  // Each bucket takes at least two bytes: a damaged count fails here, before
  // it is believed.
  if (buckets > reader.remaining() / 2 || count > static_cast<std::uint64_t>(INT64_MAX)) {
    reader.fail(fmt::format("{}: {} buckets, {} values do not fit the bytes left", what, buckets,
                            count));
  }
  std::int64_t previous = 0;
  std::int64_t total = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> filled;
  filled.reserve(static_cast<std::size_t>(buckets));
  for (std::uint64_t i = 0; i < buckets; ++i) {
    // Damaged bytes may hold any gap: bounded before it is added.
    const std::int64_t gap = unzigzag(reader.get_varint(what));
    const std::uint64_t in_bucket_bits = reader.get_varint(what);
    const bool gap_fits = gap >= -k_largest_bucket && gap <= k_largest_bucket;
    const std::int64_t bucket = gap_fits ? previous + gap : 0;
    const auto in_bucket = static_cast<std::int64_t>(in_bucket_bits);
    if (!gap_fits || (i > 0 && bucket <= previous) || in_bucket_bits > static_cast<std::uint64_t>(INT64_MAX) ||
        in_bucket <= 0 || in_bucket > INT64_MAX - total || bucket < -k_largest_bucket ||
        bucket > k_largest_bucket) {
      reader.fail(fmt::format("{}: bucket {} with {} values is out of order or out of range", what,
                              bucket, in_bucket));
    }
    filled.emplace_back(bucket, in_bucket);
    total += in_bucket;
    previous = bucket;
  }
  const bool bounds_fit =
      total == 0 ? !(smallest <= largest)
                 : std::isfinite(smallest) && std::isfinite(largest) && smallest <= largest &&
                       bucket_of(smallest) == filled.front().first &&
                       bucket_of(largest) == filled.back().first;
  if (total != static_cast<std::int64_t>(count) || !bounds_fit) {
    reader.fail(fmt::format("{}: {} values in the buckets, {} recorded, or bounds {} and {} outside them",
                            what, total, count, smallest, largest));
  }
  if (!filled.empty()) {
    sketch.first_bucket_ = filled.front().first;
    sketch.counts_.assign(static_cast<std::size_t>(filled.back().first - filled.front().first + 1), 0);
    for (const auto& [bucket, in_bucket] : filled) {
      sketch.counts_[static_cast<std::size_t>(bucket - sketch.first_bucket_)] = in_bucket;
    }
  }
  sketch.count_ = total;
  sketch.smallest_ = smallest;
  sketch.largest_ = largest;
  return sketch;
}

}  // namespace shortfall
