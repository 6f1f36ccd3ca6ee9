// The search of `shortfall solve` (docs/model.md, "Solving for a safe
// design"): where a probability that moves with one scenario key crosses a
// target α, and the 95 % interval of that crossing by test inversion.
//
// Pure: it asks a function for shortfall counts at the points it chooses,
// so tests feed it closed forms, and `solve` feeds it whole studies on one
// shock key. The points depend only on the counts, so the same counts give
// the same points, which is what makes a solve deterministic and lets an
// interrupted one replay its saved evaluations.
//
// The search, for every structure at once:
// 1. A coarse grid over [low, high] (the ends and evenly spaced points
//    between; integers only for an integer key), evaluated as one batch.
// 2. Per structure: if P̂ at the two ends lies on the same side of α, α is
//    not crossed ("not found", never extrapolated). Otherwise the end with
//    P̂ ≤ α is the safe side. If any two evaluated points x < x' differ
//    against that direction by more than 3 standard errors of their
//    difference, taken as if the two estimates were independent
//    (sqrt(p(1-p)/n + p'(1-p')/n')), P̂ is not monotone beyond its noise:
//    "not found". Common random numbers make the true noise of such a
//    difference far smaller, so this rule only fires on a real reversal.
// 3. Three crossings per structure, each the last evaluated point before,
//    walking in from the safe end, the first point where its test holds:
//      the answer      P̂(x) > α                 (P looks unsafe)
//      the near end    Wilson upper(x) ≥ α       (P may be unsafe)
//      the far end     Wilson lower(x) > α       (P is surely unsafe)
//    A crossing whose two points are further apart than the tolerance asks
//    for their midpoint (integers: the floor of it) in the next batch. The
//    reported value is the crossing's point on the safe side, so the answer
//    is an evaluated point with P̂ ≤ α, within the tolerance of the crossing;
//    for an integer key it is the last safe integer, and the interval is the
//    set of integers that may be the last safe one.
// 4. Batches repeat until no crossing asks for a point; points already
//    evaluated are never asked for again, and every structure's tests use
//    every point evaluated for any structure.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace shortfall {

// Shortfalls (of the statistic solved for) in `runs` runs at one point.
struct ShortfallCount {
  std::int64_t shortfalls = 0;
  std::int64_t runs = 0;

  double p() const { return static_cast<double>(shortfalls) / static_cast<double>(runs); }
};

struct SolveSearch {
  double low = 0.0;   // the bracket, low < high
  double high = 1.0;
  double target = 0.05;    // α in (0, 1)
  double tolerance = 0.0;  // > 0: the widest a crossing's two points may be at the end
  bool integer = false;    // evaluate integers only (low and high are integers)
  int structures = 1;      // counts per point
  // "P(shortfall)": what the reasons call the probability.
  std::string statistic = "P(shortfall)";
  int grid_points = 9;  // the first batch: the ends and 7 points between
  double monotone_z = 3.0;
};

enum class SafeSide { below, above };  // P ≤ α below the crossing, or above it

// One structure's answer.
struct Crossing {
  bool found = false;
  std::string reason;  // why not found
  SafeSide safe = SafeSide::below;
  double value = 0.0;  // the answer: the safe point of its crossing
  double low = 0.0;    // the 95 % interval
  double high = 0.0;
  ShortfallCount at_value;  // the counts at `value`
  // An end of the interval is the bracket's own end: the test-inversion set
  // reaches it, and may go on beyond it (nothing is extrapolated).
  bool low_at_bracket = false;
  bool high_at_bracket = false;
};

// The counts at `points` (ascending, distinct): [point][structure].
using EvaluatePoints =
    std::function<std::vector<std::vector<ShortfallCount>>(std::span<const double> points)>;

struct SolveResult {
  std::vector<Crossing> crossings;  // [structure]
  std::vector<double> evaluated;    // every point, in the order evaluated
  int batches = 0;
};

// Told after each batch how many more points the search expects to
// evaluate (0 once it is done), for the progress bar: each point it asks for
// next starts a chain of halvings of its gap down to the tolerance.
// Crossings that share a chain and later part, or that move, make it an
// estimate, not a bound.
using OnOutlook = std::function<void(int points_expected)>;

// Throws std::invalid_argument for a search that breaks the rules above
// (the command checks its options first and says it in their words).
SolveResult solve_crossings(const SolveSearch& search, const EvaluatePoints& evaluate,
                            const OnOutlook& on_outlook = {});

// The first batch: `grid_points` points from low to high, both ends exact;
// for an integer key distinct integers (every integer when there are few).
std::vector<double> bracket_grid(const SolveSearch& search);

// An upper bound on the points a search evaluates (the first batch, then
// every crossing halving its gap down to the tolerance, with room for
// crossings that move): for sizing the saved state and the progress bar.
int most_points(const SolveSearch& search);

// About how many points a search evaluates: the first batch, then each
// crossing halving its gap down to the tolerance (for the progress bar).
int expected_points(const SolveSearch& search);

// The most batches a search runs before it gives up on a crossing that
// keeps moving (reported as "not found").
int most_batches(const SolveSearch& search);

}  // namespace shortfall
