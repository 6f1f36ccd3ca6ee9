#include "sim/input/sobol_sequence.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

using namespace shortfall;

// Independent answers: scipy.stats.qmc.Sobol(d=128, scramble=False) of
// SciPy 1.10 (Debian's python3-scipy), which ships Joe and Kuo's direction
// numbers and gives points as 30-bit fractions; times 2^32 they are these
// words (the sequence's low two bits are 0 below 2^30 points).

TEST_CASE("Sobol points are SciPy's in Gray-code order", "[sobol_sequence]") {
  // Points 0..7: the van der Corput sequence in dimension 0, and the first
  // dimensions with a polynomial of their own.
  const std::vector<std::uint32_t> dimension_0{0u,          2147483648u, 3221225472u, 1073741824u,
                                               1610612736u, 3758096384u, 2684354560u, 536870912u};
  const std::vector<std::uint32_t> dimension_1{0u,          2147483648u, 1073741824u, 3221225472u,
                                               1610612736u, 3758096384u, 536870912u,  2684354560u};
  const std::vector<std::uint32_t> dimension_2{0u,          2147483648u, 1073741824u, 3221225472u,
                                               2684354560u, 536870912u,  3758096384u, 1610612736u};
  CHECK(sobol_sequence(0, 8) == dimension_0);
  CHECK(sobol_sequence(1, 8) == dimension_1);
  CHECK(sobol_sequence(2, 8) == dimension_2);
  CHECK(sobol_sequence(127, 8) == dimension_2);  // the same first eight, by SciPy too
}

TEST_CASE("Sobol points far along the sequence are SciPy's", "[sobol_sequence]") {
  // Deep points exercise the recurrence for m_j beyond the initial numbers
  // (2^20 - 1 uses v_1..v_20 of a degree-7 dimension).
  struct Known {
    std::size_t point;
    int dimension;
    std::uint32_t word;
  };
  const std::vector<Known> known{{1000, 50, 1514143744u}, {1023, 127, 3007315968u},
                                 {777, 99, 2193620992u},  {1048575, 63, 2322862080u},
                                 {123456, 5, 872972288u}, {999999, 126, 2891943936u},
                                 {524288, 1, 1342197760u}};
  for (const auto& [point, dimension, word] : known) {
    INFO("point " << point << " of dimension " << dimension);
    CHECK(sobol_sequence(dimension, point + 1).back() == word);
  }
}

TEST_CASE("the first 2^m Sobol points stratify [0, 1) in every dimension", "[sobol_sequence]") {
  // The property the sweep relies on: one point in each of 2^m equal intervals.
  for (int dimension = 0; dimension < k_sobol_dimensions; ++dimension) {
    for (const int m : {1, 4, 10}) {
      const std::size_t count = std::size_t{1} << m;
      std::vector<int> hits(count, 0);
      for (const std::uint32_t word : sobol_sequence(dimension, count)) ++hits[word >> (32 - m)];
      INFO("dimension " << dimension << ", 2^" << m << " points");
      CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
    }
  }
}

TEST_CASE("Sobol refuses dimensions it has no numbers for", "[sobol_sequence]") {
  CHECK_THROWS_AS(sobol_sequence(-1, 4), std::invalid_argument);
  CHECK_THROWS_WITH(sobol_sequence(k_sobol_dimensions, 4), "Sobol dimension 128 is outside 0..127");
  CHECK(sobol_sequence(3, 0).empty());
}
