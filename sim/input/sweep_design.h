// The design points of a scenario sweep (docs/sweeps.md): which
// value every swept key takes at every point, for `mode = "grid"`, `"zip"`,
// `"lhs"` and `"sobol"`.
//
// Pure functions of their arguments, with no TOML and no scenario: the loader
// turns `[sweep.parameters]` into axes or ranges and applies each point's
// values as overrides. Keeping the design apart lets every shard, rank and
// resumed run recompute the same points from the scenario alone, and lets the
// tests check the designs against independent answers.
//
// Errors are std::invalid_argument with a message naming the key; the loader
// adds the file and line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace shortfall {

// One value of a swept key at a design point: a number, a text such as
// "quarterly", or a list of numbers (a phased outcome share, one per year).
using DesignValue = std::variant<double, std::string, std::vector<double>>;

// A value as text for a results file's text coordinate: a text as it is,
// a number or a list of numbers as written in TOML ("[0.02, 0.03]"),
// shortest round-trip digits.
std::string design_value_text(const DesignValue& value);

// A grid or zip axis: a key and its listed values.
struct DesignAxis {
  std::string key;
  std::vector<DesignValue> values;
};

// A Latin-hypercube (or Saltelli) range: `low` < `high`; with `log`, 0 < low and the strata are
// equal in log space (a Saltelli design maps its unit fractions through log space likewise).
// With `integer` (an integer key), low and high are whole numbers and the
// range is the whole numbers low..high: a unit fraction f maps to
// low + floor(f (high - low + 1)), so the N equal strata of [0, 1) fall on
// the integers as evenly as N allows (each of the M integers takes
// floor(N / M) or ceil(N / M) strata); `integer` and `log` do not go together.
struct LatinHypercubeRange {
  std::string key;
  double low = 0.0;
  double high = 0.0;
  bool log = false;
  bool integer = false;
};

// A design: points[p][k] is the value of key k at point p (keys in the order given).
using Design = std::vector<std::vector<DesignValue>>;

// The shock key of the streams a Latin hypercube or a Saltelli design draws from: "SWEEP" in
// ASCII. Those streams already differ from every simulation stream by their
// purpose (Purpose::design); a key of their own also keeps them apart from the
// keys of the sweep's points (0, or one key per point without common random
// numbers), so no change to the simulation's addresses can ever make a run
// draw the words that placed its own design point.
inline constexpr std::uint64_t k_design_shock_key = 0x5357454550;

// Cartesian product in row-major order: the first axis varies slowest.
// Throws std::invalid_argument (plain message naming the key) when an axis is empty,
// or when the product has more than `max_points` points (message gives the product size and the
// limit). Also throws for no axes at all and for a key listed twice: neither is a sweep.
Design grid_design(std::span<const DesignAxis> axes, std::size_t max_points);

// Point p takes value p of every axis. Throws std::invalid_argument when the axes differ in
// length, naming the first key and its length and the first key whose length differs and its
// length; or when empty (no axes, or axes without values). A key listed twice throws too.
Design zip_design(std::span<const DesignAxis> axes);

// `points` points. Each key's range is cut into `points` equal strata (equal
// in log space when `log`): stratum j is [low + j w, low + (j + 1) w). Every
// stratum holds exactly one point, at a uniform random position inside it,
// and the strata of different keys are paired by an independent random
// permutation per key. So each key alone is spread evenly over its range
// whatever the number of keys, which a random sample of the same size is not.
//
// A deterministic function of (ranges, points, seed). Key k (its index in
// `ranges`) draws from two streams of StreamKey{seed, k_design_shock_key}:
//   - {run = k, provider = 0, time = 0, indicator = 0, Purpose::design}: the
//     permutation, by Fisher-Yates from the last point down with
//     boost::random::uniform_int_distribution; point p takes stratum perm[p];
//   - {run = k, provider = 0, time = 0, indicator = 1, Purpose::design}: the
//     positions, one 64-bit word per point in point order, converted exactly
//     to a double in [0, 1 - 2^-53] from its top 53 bits (not uniform_01,
//     which rounds a 64-bit word and rejects the results that round to 1).
// Two streams, so the permutation's rejection steps shift no position, and
// one stream pair per key index, so a key's values depend only on its own
// range and index: appending a key leaves the earlier keys' values unchanged.
// Changing this layout changes every Latin-hypercube design ever written.
//
// Values never leave [low, high]: the position is mapped through std::lerp
// (monotone, exact at both ends, no overflow on wide ranges), in ln space
// through the project's portable_log and portable_exp for log ranges (the
// same bits on every CPU, unlike glibc's), then clamped. A stratum edge is rarely a
// double, so a point within half a unit in the last place of an edge may
// round to its other side: the chance is about the spacing of doubles over
// the stratum width, negligible unless strata are only hundreds of ulps wide.
// Throws std::invalid_argument for points < 1, low >= high, non-finite bounds,
// log with low <= 0, no ranges, or a key listed twice.
Design latin_hypercube_design(std::span<const LatinHypercubeRange> ranges, int points,
                              std::uint64_t seed);

// The most keys a Saltelli design takes: two Sobol dimensions per key.
inline constexpr int k_saltelli_max_keys = 64;

// Saltelli's design for variance-based (Sobol') sensitivity indices
// (`mode = "sobol"`): two N x k sample matrices A and B (N = `base_points`,
// k keys) and, for each key i, A_B^(i), which is A with column i taken from
// B. N (k + 2) points in blocks of N, block by block:
//   points [0, N): A;  [N, 2N): B;  [(2 + i) N, (3 + i) N): A_B^(i), i = 0..k-1.
// Point b N + n is row n of block b, so row n of every block shares A's (or
// B's) values in every column that block takes from them.
//
// A and B come from Sobol's low-discrepancy sequence (sim/input/sobol_sequence.h,
// Joe and Kuo's direction numbers), randomised by a digital shift: key i's
// column of A is dimension 2i, its column of B dimension 2i + 1, points 0..N-1
// in Gray-code order, each XORed with a 64-bit shift word of its own. The
// shifts come from one stream of StreamKey{seed, k_design_shock_key} per key:
//   {run = i, provider = 0, time = 0, indicator = 2, Purpose::design}: its
//   first word shifts A's column, its second word B's.
// The unit fraction of row n is unit_interval((sobol_n << 32) ^ shift), from
// the top 53 bits, so the shift also fills the bits below the sequence's 32.
// A digital shift keeps the sequence's stratification (for N = 2^m each
// column has exactly one row in each of the N equal intervals of [0, 1)) and
// makes every row uniform on [0, 1). Fractions map to [low, high] as in the
// Latin hypercube (std::lerp, through ln space for log ranges, clamped).
//
// A deterministic function of (ranges, base_points, seed). Key i's columns of
// A and B depend only on its range, its index, N and the seed: appending a key
// leaves the earlier keys' columns of A and B, and so the first N (k + 2)
// points on the earlier keys, unchanged (the new key's block comes last).
// Changing this layout changes every Saltelli design ever written.
//
// Throws std::invalid_argument for base_points < 1, an invalid range (as the
// Latin hypercube), no ranges, a key listed twice, more than
// k_saltelli_max_keys keys, or more than `max_points` points in all.
Design saltelli_design(std::span<const LatinHypercubeRange> ranges, int base_points,
                       std::uint64_t seed, std::size_t max_points);

}  // namespace shortfall
