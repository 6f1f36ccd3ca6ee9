#include "sim/cli/solver.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "analysis/estimators.h"

namespace shortfall {

namespace {

std::string percent(double p) { return fmt::format("{:.4g} %", 100.0 * p); }

// The evaluated points of one structure, ascending.
struct Curve {
  std::vector<double> x;
  std::vector<ShortfallCount> count;

  std::size_t size() const { return x.size(); }
};

// One crossing found by walking in from the safe end: the last point before
// the first where the test holds.
struct Walk {
  std::size_t reported = 0;         // index into the curve
  std::optional<double> next_point;  // the midpoint of its gap, if still too wide
  bool at_bracket = false;          // no point on one side: the bracket's end
};

class CrossingFinder {
 public:
  CrossingFinder(const SolveSearch& search, const Curve& curve, SafeSide safe)
      : search_(search), curve_(curve) {
    for (std::size_t i = 0; i < curve.size(); ++i) order_.push_back(i);
    if (safe == SafeSide::above) std::reverse(order_.begin(), order_.end());
  }

  template <class Test>
  Walk walk(Test holds) const {
    Walk found;
    for (std::size_t step = 0; step < order_.size(); ++step) {
      if (!holds(curve_.count[order_[step]])) continue;
      if (step == 0) {
        found.reported = order_.front();
        found.at_bracket = true;
        return found;
      }
      found.reported = order_[step - 1];
      found.next_point = midpoint(curve_.x[order_[step - 1]], curve_.x[order_[step]]);
      return found;
    }
    found.reported = order_.back();
    found.at_bracket = true;
    return found;
  }

 private:
  // The point halving the gap between a and b, or nothing once the gap is
  // within the tolerance (or cannot be halved).
  std::optional<double> midpoint(double a, double b) const {
    const double from = std::min(a, b);
    const double to = std::max(a, b);
    if (to - from <= search_.tolerance) return std::nullopt;
    const double middle = search_.integer ? std::floor(from + (to - from) / 2.0) : from + (to - from) / 2.0;
    if (!(middle > from && middle < to)) return std::nullopt;
    return middle;
  }

  const SolveSearch& search_;
  const Curve& curve_;
  std::vector<std::size_t> order_;
};

// The reason P̂ is not monotone over the bracket beyond its noise, if it is
// not: the pair of points whose difference against the direction of the
// bracket is the most standard errors (solver.h, step 2).
std::optional<std::string> not_monotone(const SolveSearch& search, const Curve& curve,
                                        SafeSide safe) {
  const double rising = safe == SafeSide::below ? 1.0 : -1.0;
  double worst = 0.0;
  std::optional<std::pair<std::size_t, std::size_t>> pair;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    for (std::size_t j = i + 1; j < curve.size(); ++j) {
      const double p = curve.count[i].p();
      const double q = curve.count[j].p();
      const double against = rising * (p - q);
      if (against <= 0.0) continue;
      const double se = std::sqrt(p * (1.0 - p) / static_cast<double>(curve.count[i].runs) +
                                  q * (1.0 - q) / static_cast<double>(curve.count[j].runs));
      const double errors = se > 0.0 ? against / se : INFINITY;
      if (errors > search.monotone_z && errors > worst) {
        worst = errors;
        pair = std::pair{i, j};
      }
    }
  }
  if (!pair) return std::nullopt;
  const auto [i, j] = *pair;
  const std::string size = std::isinf(worst) ? "with no noise at all"
                                             : fmt::format("{:.1f} standard errors", worst);
  return fmt::format("{} is not monotone over [{}, {}]: it {} from {} at {} to {} at {} ({}), "
                     "although it {} over the bracket",
                     search.statistic, search.low, search.high, rising > 0 ? "falls" : "rises",
                     percent(curve.count[i].p()), curve.x[i], percent(curve.count[j].p()),
                     curve.x[j], size, rising > 0 ? "rises" : "falls");
}

// Why α is not crossed when both ends lie on the same side of it.
std::string not_crossed(const SolveSearch& search, const Curve& curve, bool unsafe) {
  std::string ends = fmt::format("{} at {}, {} at {}", percent(curve.count.front().p()),
                                 search.low, percent(curve.count.back().p()), search.high);
  // A point between on the other side: the curve goes there and back.
  for (std::size_t i = 1; i + 1 < curve.size(); ++i) {
    if ((curve.count[i].p() > search.target) != unsafe) {
      ends += fmt::format("; but {} at {}, so it is not monotone", percent(curve.count[i].p()),
                          curve.x[i]);
      break;
    }
  }
  if (unsafe) {
    return fmt::format("{} stays above {} over [{}, {}] ({}): no value in the bracket is safe",
                       search.statistic, percent(search.target), search.low, search.high, ends);
  }
  return fmt::format("{} stays at or below {} over [{}, {}] ({}): every value in the bracket is "
                     "safe; widen it to find where it crosses",
                     search.statistic, percent(search.target), search.low, search.high, ends);
}

struct Analysis {
  bool settled = false;  // the crossing is final (found or not)
  Crossing crossing;
  std::vector<double> next_points;
};

// One structure's state after a batch (solver.h, steps 2 and 3).
Analysis analyse(const SolveSearch& search, const Curve& curve) {
  Analysis analysis;
  Crossing& crossing = analysis.crossing;
  const double alpha = search.target;
  const bool low_unsafe = curve.count.front().p() > alpha;
  const bool high_unsafe = curve.count.back().p() > alpha;
  if (low_unsafe == high_unsafe) {
    analysis.settled = true;
    crossing.reason = not_crossed(search, curve, low_unsafe);
    return analysis;
  }
  crossing.safe = low_unsafe ? SafeSide::above : SafeSide::below;
  if (auto reason = not_monotone(search, curve, crossing.safe)) {
    analysis.settled = true;
    crossing.reason = std::move(*reason);
    return analysis;
  }

  const CrossingFinder finder(search, curve, crossing.safe);
  const Walk answer = finder.walk([&](const ShortfallCount& c) { return c.p() > alpha; });
  const Walk near = finder.walk([&](const ShortfallCount& c) {
    return wilson_interval(c.shortfalls, c.runs).second >= alpha;
  });
  const Walk far = finder.walk([&](const ShortfallCount& c) {
    return wilson_interval(c.shortfalls, c.runs).first > alpha;
  });
  crossing.found = true;
  crossing.value = curve.x[answer.reported];
  crossing.at_value = curve.count[answer.reported];
  const bool below = crossing.safe == SafeSide::below;
  const Walk& low = below ? near : far;
  const Walk& high = below ? far : near;
  crossing.low = curve.x[low.reported];
  crossing.high = curve.x[high.reported];
  crossing.low_at_bracket = low.at_bracket;
  crossing.high_at_bracket = high.at_bracket;
  for (const Walk* walk : {&answer, &near, &far}) {
    if (walk->next_point) analysis.next_points.push_back(*walk->next_point);
  }
  analysis.settled = analysis.next_points.empty();
  return analysis;
}

void check_search(const SolveSearch& search) {
  if (!(std::isfinite(search.low) && std::isfinite(search.high) && search.low < search.high))
    throw std::invalid_argument("solve: the bracket must be finite with low < high");
  if (!(search.target > 0.0 && search.target < 1.0))
    throw std::invalid_argument("solve: the target must lie in (0, 1)");
  if (!(search.tolerance > 0.0) || !std::isfinite(search.tolerance))
    throw std::invalid_argument("solve: the tolerance must be positive");
  if (search.integer && (search.low != std::trunc(search.low) || search.high != std::trunc(search.high)))
    throw std::invalid_argument("solve: an integer key's bracket must be integers");
  if (search.grid_points < 2 || search.structures < 1)
    throw std::invalid_argument("solve: at least two grid points and one structure");
}

}  // namespace

std::vector<double> bracket_grid(const SolveSearch& search) {
  check_search(search);
  const int n = search.grid_points;
  std::vector<double> grid;
  if (search.integer && search.high - search.low + 1.0 <= n) {
    for (double x = search.low; x <= search.high; x += 1.0) grid.push_back(x);
    return grid;
  }
  for (int i = 0; i < n; ++i) {
    const double share = static_cast<double>(i) / (n - 1);
    double x = i == n - 1 ? search.high : search.low + (search.high - search.low) * share;
    if (search.integer) x = std::round(x);
    if (grid.empty() || x > grid.back()) grid.push_back(x);
  }
  return grid;
}

int most_batches(const SolveSearch& search) {
  check_search(search);
  // The first batch's widest gap, halved to the tolerance: that many
  // batches, twice over for crossings that move, and a few more.
  const double gap = (search.high - search.low) / (search.grid_points - 1);
  const double halvings = std::max(0.0, std::ceil(std::log2(gap / search.tolerance)));
  return 1 + static_cast<int>(2.0 * std::min(halvings, 1100.0)) + 8;
}

int expected_points(const SolveSearch& search) {
  const double gap = (search.high - search.low) / (search.grid_points - 1);
  const double halvings = std::max(0.0, std::ceil(std::log2(gap / search.tolerance)));
  return static_cast<int>(bracket_grid(search).size()) +
         static_cast<int>(std::min(halvings, 1100.0)) * 3 * search.structures;
}

int most_points(const SolveSearch& search) {
  // Each structure's three crossings ask for at most one point a batch.
  return static_cast<int>(bracket_grid(search).size()) +
         (most_batches(search) - 1) * 3 * search.structures;
}

namespace {

// The points a chain of halvings from the gap around `x` (between its
// evaluated neighbours) takes to reach the tolerance, `x` included.
int chain_length(const SolveSearch& search, const std::map<double, std::vector<ShortfallCount>>& seen,
                 double x) {
  const auto above = seen.upper_bound(x);
  const double high = above == seen.end() ? search.high : above->first;
  const double low = above == seen.begin() ? search.low : std::prev(above)->first;
  // An integer key's halvings end at neighbouring integers.
  const double finest = search.integer ? std::max(search.tolerance, 1.0) : search.tolerance;
  return std::max(1, static_cast<int>(std::ceil(std::log2((high - low) / finest))));
}

}  // namespace

SolveResult solve_crossings(const SolveSearch& search, const EvaluatePoints& evaluate,
                            const OnOutlook& on_outlook) {
  check_search(search);
  const auto structures = static_cast<std::size_t>(search.structures);
  std::map<double, std::vector<ShortfallCount>> seen;
  SolveResult result;
  result.crossings.resize(structures);
  std::vector<bool> settled(structures, false);
  const int batch_limit = most_batches(search);

  std::vector<double> batch = bracket_grid(search);
  while (!batch.empty()) {
    const auto counts = evaluate(batch);
    if (counts.size() != batch.size())
      throw std::logic_error("solve: the evaluation returned another number of points");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (counts[i].size() != structures)
        throw std::logic_error("solve: the evaluation returned another number of structures");
      for (const auto& count : counts[i]) {
        if (count.runs <= 0 || count.shortfalls < 0 || count.shortfalls > count.runs)
          throw std::logic_error("solve: an evaluation holds impossible counts");
      }
      seen.emplace(batch[i], counts[i]);
      result.evaluated.push_back(batch[i]);
    }
    ++result.batches;

    std::set<double> wanted;
    for (std::size_t s = 0; s < structures; ++s) {
      if (settled[s]) continue;
      Curve curve;
      for (const auto& [x, at] : seen) {
        curve.x.push_back(x);
        curve.count.push_back(at[s]);
      }
      Analysis analysis = analyse(search, curve);
      result.crossings[s] = std::move(analysis.crossing);
      if (analysis.settled) {
        settled[s] = true;
        continue;
      }
      if (result.batches >= batch_limit) {
        // Not seen in practice: a crossing that kept moving. Say so rather than guess.
        Crossing& gave_up = result.crossings[s];
        gave_up = Crossing{};
        gave_up.reason = fmt::format("{} did not settle on one crossing of {} within {} batches",
                                     search.statistic, percent(search.target), batch_limit);
        settled[s] = true;
        continue;
      }
      for (const double x : analysis.next_points) {
        if (!seen.contains(x)) wanted.insert(x);
      }
    }
    batch.assign(wanted.begin(), wanted.end());
    if (on_outlook) {
      int expected = 0;
      for (const double x : batch) expected += chain_length(search, seen, x);
      on_outlook(expected);
    }
  }
  return result;
}

}  // namespace shortfall
