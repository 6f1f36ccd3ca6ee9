#include "analysis/quantile_sketch.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/byte_codec.h"
#include "analysis/estimators.h"
#include "analysis/scenario_results.h"

namespace shortfall {
namespace {

// The promise of docs/model.md, "Quantiles from a sketch": every value a
// bucket stands for is within max(0.1 % of it, £1,000).
double allowed_error(double value) {
  return std::max(QuantileSketch::k_relative_accuracy * std::abs(value),
                  QuantileSketch::k_absolute_accuracy);
}

// A quantile interpolates two order statistics: its error is within the
// larger of their allowances.
double allowed_quantile_error(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = static_cast<double>(values.size() - 1) * q;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const std::size_t upper = std::min(lower + 1, values.size() - 1);
  return std::max(allowed_error(values[lower]), allowed_error(values[upper]));
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

// Heavy-tailed and two-signed: a Student t with 1.5 degrees of freedom
// (infinite variance) scaled to millions of pounds, shifted so that about a
// third is negative; and a normal around zero, most of it inside the
// linear buckets.
std::vector<double> heavy_two_signed(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::student_t_distribution<double> t(1.5);
  std::normal_distribution<double> normal(0.0, 4.0e5);
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = i % 3 == 0 ? normal(engine) : 2.0e6 + 3.0e6 * t(engine);
  }
  return values;
}

QuantileSketch sketch_of(const std::vector<double>& values) {
  QuantileSketch sketch;
  sketch.add(values);
  return sketch;
}

TEST_CASE("every bucket's middle is within the promised accuracy of the values in it, and the "
          "buckets follow the values' order",
          "[quantile_sketch]") {
  std::mt19937_64 engine(20261207);
  std::uniform_real_distribution<double> exponent(-3.0, 15.0);
  std::vector<double> values{0.0, -0.0, 1999.9999, 2000.0, -2000.0, 1048575.9, 1048576.0,
                             -1048576.0, -1048575.9, 1.7e308, -1.7e308, 5e-324};
  for (int i = 0; i < 200000; ++i) {
    const double magnitude = std::pow(10.0, exponent(engine));
    values.push_back(i % 2 == 0 ? magnitude : -magnitude);
  }
  for (const double value : values) {
    const double middle = QuantileSketch::middle_of(QuantileSketch::bucket_of(value));
    INFO("value " << value << " middle " << middle);
    REQUIRE(std::abs(middle - value) <= allowed_error(value));
  }
  std::sort(values.begin(), values.end());
  for (std::size_t i = 1; i < values.size(); ++i) {
    REQUIRE(QuantileSketch::bucket_of(values[i - 1]) <= QuantileSketch::bucket_of(values[i]));
    REQUIRE(QuantileSketch::middle_of(QuantileSketch::bucket_of(values[i - 1])) <=
            QuantileSketch::middle_of(QuantileSketch::bucket_of(values[i])));
  }
  // Zero is a bucket of its own, so an exact 0 is given back exactly.
  CHECK(QuantileSketch::middle_of(QuantileSketch::bucket_of(0.0)) == 0.0);
  CHECK(QuantileSketch::bucket_of(-0.0) == QuantileSketch::bucket_of(0.0));
  CHECK(QuantileSketch::bucket_of(1e-300) != QuantileSketch::bucket_of(0.0));
}

TEST_CASE("sketch quantiles are within the stated accuracy of the exact quantiles on "
          "heavy-tailed, two-signed values",
          "[quantile_sketch]") {
  const std::vector<double> qs{0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0};
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{1000},
                              std::size_t{100003}}) {
    const std::vector<double> values = heavy_two_signed(n, 17 + n);
    const QuantileSketch sketch = sketch_of(values);
    REQUIRE(sketch.count() == static_cast<std::int64_t>(n));
    for (const double q : qs) {
      std::vector<double> scratch = values;
      const double exact = quantile_linear(scratch, q);
      const double estimate = sketch.quantile(q);
      INFO("n " << n << " q " << q << " exact " << exact << " sketch " << estimate);
      CHECK(std::abs(estimate - exact) <= allowed_quantile_error(values, q));
    }
    // The smallest and largest are exact.
    CHECK(bits(sketch.quantile(0.0)) == bits(*std::min_element(values.begin(), values.end())));
    CHECK(bits(sketch.quantile(1.0)) == bits(*std::max_element(values.begin(), values.end())));
  }
}

TEST_CASE("the sketch's CVaR is within the stated accuracy of the exact mean of the lower tail",
          "[quantile_sketch]") {
  for (const std::size_t n : {std::size_t{1}, std::size_t{19}, std::size_t{20}, std::size_t{21},
                              std::size_t{5000}, std::size_t{100003}}) {
    const std::vector<double> values = heavy_two_signed(n, 99 + n);
    std::vector<double> scratch = values;
    const double exact = lower_tail_mean(scratch, k_cvar_share);
    // Each tail value is replaced by a value within its own allowance, so
    // the mean moves by at most the mean allowance of the tail.
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    const std::int64_t tail = lower_tail_count(static_cast<std::int64_t>(n), k_cvar_share);
    double allowance = 0.0;
    for (std::int64_t i = 0; i < tail; ++i) allowance += allowed_error(sorted[static_cast<std::size_t>(i)]);
    allowance /= static_cast<double>(tail);
    const double estimate = sketch_of(values).lower_tail_mean(k_cvar_share);
    INFO("n " << n << " exact " << exact << " sketch " << estimate);
    CHECK(std::abs(estimate - exact) <= allowance * (1.0 + 1e-9));
  }
  // Every value the same: exactly that value (the smallest and the largest
  // are exact, and every middle is clamped between them).
  const std::vector<double> same(1000, 123456.78);
  CHECK(sketch_of(same).lower_tail_mean(k_cvar_share) == 123456.78);
  CHECK(sketch_of(same).quantile(0.37) == 123456.78);
}

TEST_CASE("an exact zero stays exactly zero: the 95th percentile of support when few runs need it",
          "[quantile_sketch]") {
  std::vector<double> support(1000, 0.0);
  for (int i = 0; i < 40; ++i) support[static_cast<std::size_t>(i) * 25] = 1.0e6 + i;
  CHECK(sketch_of(support).quantile(0.95) == 0.0);
  CHECK(sketch_of(support).quantile(0.5) == 0.0);
}

TEST_CASE("sketches merged in any order, from any split into blocks, are the same bits",
          "[quantile_sketch][reproducibility]") {
  const std::vector<double> values = heavy_two_signed(30011, 5);
  const QuantileSketch whole = sketch_of(values);
  std::vector<double> whole_quantiles(k_reported_quantiles.size());
  whole.quantiles(k_reported_quantiles, whole_quantiles);

  std::mt19937_64 engine(7);
  for (int trial = 0; trial < 20; ++trial) {
    // Random cut points, then the blocks merged in a random order.
    std::vector<std::size_t> cuts{0, values.size()};
    std::uniform_int_distribution<std::size_t> cut(0, values.size());
    for (int c = 0; c < 1 + trial; ++c) cuts.push_back(cut(engine));
    std::sort(cuts.begin(), cuts.end());
    std::vector<QuantileSketch> blocks;
    for (std::size_t b = 0; b + 1 < cuts.size(); ++b) {
      QuantileSketch block;
      block.add(std::span<const double>(values).subspan(cuts[b], cuts[b + 1] - cuts[b]));
      blocks.push_back(block);
    }
    std::shuffle(blocks.begin(), blocks.end(), engine);
    QuantileSketch merged;
    for (const QuantileSketch& block : blocks) merged.add(block);
    REQUIRE(merged == whole);
    std::vector<double> merged_quantiles(k_reported_quantiles.size());
    merged.quantiles(k_reported_quantiles, merged_quantiles);
    for (std::size_t i = 0; i < merged_quantiles.size(); ++i)
      REQUIRE(bits(merged_quantiles[i]) == bits(whole_quantiles[i]));
    REQUIRE(bits(merged.lower_tail_mean(k_cvar_share)) == bits(whole.lower_tail_mean(k_cvar_share)));
  }
}

TEST_CASE("a sketch written and read back is the same sketch; damaged bytes are refused",
          "[quantile_sketch]") {
  const QuantileSketch sketch = sketch_of(heavy_two_signed(5000, 11));
  ByteWriter writer(64);
  sketch.write(writer);
  QuantileSketch{}.write(writer);
  const std::vector<std::byte> bytes = writer.finish();
  ByteReader reader(std::span<const std::byte>(bytes).first(bytes.size() - 8), "test");
  CHECK(QuantileSketch::read(reader, "sketch") == sketch);
  const QuantileSketch empty = QuantileSketch::read(reader, "empty sketch");
  CHECK(empty.count() == 0);
  CHECK(std::isnan(empty.quantile(0.5)));
  CHECK(reader.remaining() == 0);

  // A count that does not match the buckets, and a truncation.
  std::vector<std::byte> damaged(bytes.begin(), bytes.end() - 8);
  damaged[1] = static_cast<std::byte>(std::to_integer<int>(damaged[1]) ^ 0x01);
  ByteReader damaged_reader(damaged, "test");
  CHECK_THROWS_AS(QuantileSketch::read(damaged_reader, "sketch"), std::runtime_error);
  ByteReader short_reader(std::span<const std::byte>(bytes).first(40), "test");
  CHECK_THROWS_AS(QuantileSketch::read(short_reader, "sketch"), std::runtime_error);

  // A bucket far beyond any double's (a damaged gap) is refused before it
  // is added or allocated.
  ByteWriter crafted(64);
  crafted.put_u8(1);          // format
  crafted.put_varint(1);      // one value
  crafted.put_f64(1.0e7);     // smallest
  crafted.put_f64(1.0e7);     // largest
  crafted.put_varint(1);      // one bucket
  crafted.put_varint(std::uint64_t{1} << 62);  // its gap from 0, zigzagged
  crafted.put_varint(1);      // its count
  const std::vector<std::byte> far = crafted.finish();
  ByteReader far_reader(std::span<const std::byte>(far).first(far.size() - 8), "test");
  CHECK_THROWS_AS(QuantileSketch::read(far_reader, "sketch"), std::runtime_error);
}

}  // namespace
}  // namespace shortfall
