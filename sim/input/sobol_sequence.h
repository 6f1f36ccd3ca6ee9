// Sobol's low-discrepancy sequence, for the sample matrices of a
// `mode = "sobol"` sweep (sim/input/sweep_design.h, docs/sweeps.md).
//
// A pure function with no state: the first `count` points of one dimension,
// unscrambled, as 32-bit binary fractions. The sweep design randomises them
// with a digital shift drawn from its own streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shortfall {

// Dimensions 0..127 of Joe and Kuo's direction numbers (new-joe-kuo-6.21201;
// S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
// two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635-2654).
// Dimension 0 is the van der Corput sequence in base 2.
inline constexpr int k_sobol_dimensions = 128;

// Points 0..count-1 of Sobol's sequence in dimension `dimension`, in
// Antonov and Saleev's Gray-code order (the order of Joe and Kuo's own
// program and of scipy.stats.qmc.Sobol(scramble=False)): point n is the XOR
// of the direction numbers v_j (j = 1..32) for the bits j - 1 set in
// n ^ (n >> 1), as a fraction word / 2^32. Point 0 is 0. The first 2^m points
// of a dimension put exactly one point in each interval [i / 2^m, (i + 1) / 2^m).
//
// Throws std::invalid_argument for a dimension outside [0, k_sobol_dimensions)
// or count > 2^32 (the sequence has 2^32 points at 32 bits).
std::vector<std::uint32_t> sobol_sequence(int dimension, std::size_t count);

}  // namespace shortfall
