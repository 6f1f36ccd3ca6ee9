#include "sim/input/sweep_design.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/random/uniform_int_distribution.hpp>

#include "models/portable_exp.h"
#include "models/portable_log.h"
#include "sim/engine/random_streams.h"
#include "sim/input/sobol_sequence.h"

namespace shortfall {

namespace {

// The two streams of one key (see the header): indicator 0 permutes the
// strata, indicator 1 places the points inside them.
constexpr std::uint32_t k_permutation_stream = 0;
constexpr std::uint32_t k_position_stream = 1;
// A Saltelli design's one stream per key: the digital shifts of A and B.
constexpr std::uint32_t k_saltelli_shift_stream = 2;

template <typename Keyed>
void require_distinct_keys(std::span<const Keyed> keyed) {
  std::set<std::string_view> seen;
  for (const auto& item : keyed) {
    if (!seen.insert(item.key).second) {
      throw std::invalid_argument(fmt::format("sweep key '{}' is listed twice", item.key));
    }
  }
}

void require_values(const DesignAxis& axis) {
  if (axis.values.empty()) {
    throw std::invalid_argument(fmt::format("sweep key '{}' has no values", axis.key));
  }
}

// A word's top 53 bits as a double in [0, 1 - 2^-53]: exact, evenly spaced,
// one word per draw.
double unit_interval(std::uint64_t word) { return static_cast<double>(word >> 11) * 0x1.0p-53; }

// The common checks of Latin-hypercube and Saltelli designs; `mode` names the
// design in the messages.
void require_ranges(std::span<const LatinHypercubeRange> ranges, int points,
                    std::string_view mode) {
  if (points < 1) {
    throw std::invalid_argument(
        fmt::format("sweep {} points = {} must be at least 1", mode, points));
  }
  if (ranges.empty()) throw std::invalid_argument(fmt::format("sweep {} has no keys", mode));
  require_distinct_keys(ranges);
  for (const auto& range : ranges) {
    if (!std::isfinite(range.low) || !std::isfinite(range.high)) {
      throw std::invalid_argument(
          fmt::format("sweep range of '{}' is [{}, {}]: both ends must be finite", range.key,
                      range.low, range.high));
    }
    if (!(range.low < range.high)) {
      throw std::invalid_argument(
          fmt::format("sweep range of '{}' is [{}, {}]: low must be below high", range.key,
                      range.low, range.high));
    }
    if (range.integer && (range.log || range.low != std::trunc(range.low) ||
                          range.high != std::trunc(range.high))) {
      throw std::invalid_argument(fmt::format(
          "sweep range of '{}' is [{}, {}]{}: an integer key takes whole-number bounds{}",
          range.key, range.low, range.high, range.log ? " with log = true" : "",
          range.log ? " and no log" : ""));
    }
    if (range.log && !(range.low > 0.0)) {
      throw std::invalid_argument(
          fmt::format("sweep range of '{}' is [{}, {}] with log = true: low must be above 0",
                      range.key, range.low, range.high));
    }
  }
}

// A fraction of [0, 1] as a value of the range: std::lerp (monotone, exact at
// both ends), through ln space for a log range, clamped to [low, high].
double range_value(const LatinHypercubeRange& range, double fraction) {
  if (range.integer) {
    // fraction < 1, so the integer is at most high; the clamp guards rounding.
    const double span = range.high - range.low + 1.0;
    return std::min(range.low + std::floor(fraction * span), range.high);
  }
  const double from = range.log ? portable_log(range.low) : range.low;
  const double to = range.log ? portable_log(range.high) : range.high;
  const double mapped = std::lerp(from, to, fraction);
  const double value = range.log ? portable_exp(mapped) : mapped;
  return std::clamp(value, range.low, range.high);
}

}  // namespace

std::string design_value_text(const DesignValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return fmt::format("{}", *number);
  if (const auto* list = std::get_if<std::vector<double>>(&value)) {
    return fmt::format("[{}]", fmt::join(*list, ", "));
  }
  return std::get<std::string>(value);
}

Design grid_design(std::span<const DesignAxis> axes, std::size_t max_points) {
  if (axes.empty()) throw std::invalid_argument("sweep grid has no keys");
  require_distinct_keys(axes);
  for (const auto& axis : axes) require_values(axis);

  // The product with overflow detected, so a huge grid is refused by its
  // size rather than wrapping round to a small one.
  std::size_t point_count = 1;
  bool overflows = false;
  std::string factors;
  for (const auto& axis : axes) {
    const std::size_t length = axis.values.size();
    if (point_count > std::numeric_limits<std::size_t>::max() / length) overflows = true;
    point_count *= length;
    factors += fmt::format("{}{}", factors.empty() ? "" : " x ", length);
  }
  if (overflows || point_count > max_points) {
    const std::string size =
        overflows ? fmt::format("more than {}", std::numeric_limits<std::size_t>::max())
                  : fmt::format("{}", point_count);
    throw std::invalid_argument(fmt::format(
        "sweep grid has {} points ({}), more than the limit of {}", size, factors, max_points));
  }

  // An odometer over the value indices, the last axis turning fastest.
  Design design;
  design.reserve(point_count);
  std::vector<std::size_t> index(axes.size(), 0);
  for (std::size_t p = 0; p < point_count; ++p) {
    std::vector<DesignValue> point;
    point.reserve(axes.size());
    for (std::size_t k = 0; k < axes.size(); ++k) point.push_back(axes[k].values[index[k]]);
    design.push_back(std::move(point));
    for (std::size_t k = axes.size(); k-- > 0;) {
      if (++index[k] < axes[k].values.size()) break;
      index[k] = 0;
    }
  }
  return design;
}

Design zip_design(std::span<const DesignAxis> axes) {
  if (axes.empty()) throw std::invalid_argument("sweep zip has no keys");
  require_distinct_keys(axes);
  const DesignAxis& first = axes.front();
  for (const auto& axis : axes) {
    if (axis.values.size() != first.values.size()) {
      throw std::invalid_argument(
          fmt::format("sweep zip needs keys of equal length: '{}' has {} values but '{}' has {}",
                      first.key, first.values.size(), axis.key, axis.values.size()));
    }
  }
  require_values(first);

  Design design(first.values.size());
  for (std::size_t p = 0; p < design.size(); ++p) {
    design[p].reserve(axes.size());
    for (const auto& axis : axes) design[p].push_back(axis.values[p]);
  }
  return design;
}

Design latin_hypercube_design(std::span<const LatinHypercubeRange> ranges, int points,
                              std::uint64_t seed) {
  require_ranges(ranges, points, "lhs");

  const auto point_count = static_cast<std::size_t>(points);
  const double strata = static_cast<double>(points);
  Design design(point_count);
  for (auto& point : design) point.reserve(ranges.size());

  const StreamKey key{seed, k_design_shock_key};
  std::vector<int> stratum_of(point_count);
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    const LatinHypercubeRange& range = ranges[k];

    RandomStream permutation(key, {k, 0, 0, k_permutation_stream, Purpose::design});
    std::iota(stratum_of.begin(), stratum_of.end(), 0);
    for (int i = points - 1; i > 0; --i) {
      const int j = boost::random::uniform_int_distribution<int>(0, i)(permutation);
      std::swap(stratum_of[static_cast<std::size_t>(i)], stratum_of[static_cast<std::size_t>(j)]);
    }

    RandomStream position(key, {k, 0, 0, k_position_stream, Purpose::design});
    for (std::size_t p = 0; p < point_count; ++p) {
      const double stratum = static_cast<double>(stratum_of[p]);
      // The fraction of the range (in the space the strata are equal in),
      // kept below the next stratum's edge even when stratum + u rounds up
      // to stratum + 1.
      const double fraction = std::min((stratum + unit_interval(position())) / strata,
                                       std::nextafter((stratum + 1.0) / strata, 0.0));
      design[p].emplace_back(range_value(range, fraction));
    }
  }
  return design;
}

Design saltelli_design(std::span<const LatinHypercubeRange> ranges, int base_points,
                       std::uint64_t seed, std::size_t max_points) {
  require_ranges(ranges, base_points, "sobol");
  const std::size_t keys = ranges.size();
  if (keys > static_cast<std::size_t>(k_saltelli_max_keys)) {
    throw std::invalid_argument(
        fmt::format("sweep sobol has {} keys, more than the {} its Sobol sequence has dimensions "
                    "for",
                    keys, k_saltelli_max_keys));
  }
  const auto rows = static_cast<std::size_t>(base_points);
  const std::size_t blocks = keys + 2;
  // rows <= INT_MAX and blocks <= 66: no overflow in 64 bits.
  if (rows * blocks > max_points) {
    throw std::invalid_argument(
        fmt::format("sweep sobol has {} x ({} + 2) = {} points, more than the limit of {}", rows,
                    keys, rows * blocks, max_points));
  }

  // a[i][n], b[i][n]: key i's value in row n of A and of B.
  std::vector<std::vector<double>> a(keys), b(keys);
  const StreamKey key{seed, k_design_shock_key};
  for (std::size_t i = 0; i < keys; ++i) {
    RandomStream shifts(key, {i, 0, 0, k_saltelli_shift_stream, Purpose::design});
    const std::uint64_t shift_a = shifts();
    const std::uint64_t shift_b = shifts();
    const int dimension = 2 * static_cast<int>(i);
    const auto column = [&](int sobol_dimension, std::uint64_t shift) {
      std::vector<double> values;
      values.reserve(rows);
      for (const std::uint32_t word : sobol_sequence(sobol_dimension, rows)) {
        const double fraction = unit_interval((std::uint64_t{word} << 32) ^ shift);
        values.push_back(range_value(ranges[i], fraction));
      }
      return values;
    };
    a[i] = column(dimension, shift_a);
    b[i] = column(dimension + 1, shift_b);
  }

  Design design(rows * blocks);
  for (std::size_t block = 0; block < blocks; ++block) {
    for (std::size_t n = 0; n < rows; ++n) {
      std::vector<DesignValue>& point = design[block * rows + n];
      point.reserve(keys);
      for (std::size_t i = 0; i < keys; ++i) {
        // Block 0 is A, block 1 is B, block 2 + j is A with key j from B.
        const bool from_b = block == 1 || block == i + 2;
        point.emplace_back(from_b ? b[i][n] : a[i][n]);
      }
    }
  }
  return design;
}

}  // namespace shortfall
