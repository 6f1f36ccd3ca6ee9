// models/portable_math_avx512.h: every lane of the vector portable_log,
// portable_exp and logistic is the scalar function's bits, over every
// binade, the ranges the engine uses and the special values.
#include "models/portable_math_avx512.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "support/split_mix.h"

#include "models/indicator.h"
#include "models/isa.h"

namespace shortfall {
namespace {

using testing::split_mix;

double uniform(std::uint64_t& state) { return testing::split_mix_uniform(state); }

enum class Function { log, log1p, exp, logistic };

SHORTFALL_AVX512 void lanes(Function function, const double* x, double* y) {
  const __m512d v = _mm512_loadu_pd(x);
  const __m512d r = function == Function::log     ? avx512::portable_log(v)
                    : function == Function::log1p ? avx512::portable_log1p(v)
                    : function == Function::exp   ? avx512::portable_exp(v)
                                                  : avx512::logistic(v);
  _mm512_storeu_pd(y, r);
}

double scalar(Function function, double x) {
  switch (function) {
    case Function::log:
      return portable_log(x);
    case Function::log1p:
      return portable_log1p(x);
    case Function::exp:
      return portable_exp(x);
    case Function::logistic:
      return logistic(x);
  }
  return 0.0;
}

bool has_avx512() {
  const auto supported = isas_supported();
  return std::find(supported.begin(), supported.end(), Isa::avx512) != supported.end();
}

void check_lanes(Function function, std::vector<double> values) {
  while (values.size() % 8 != 0) values.push_back(0.75);
  std::size_t checked = 0;
  for (std::size_t j = 0; j < values.size(); j += 8) {
    double y[8];
    lanes(function, &values[j], y);
    for (std::size_t lane = 0; lane < 8; ++lane) {
      const double expected = scalar(function, values[j + lane]);
      INFO("x = " << values[j + lane] << " (bits " << std::bit_cast<std::uint64_t>(values[j + lane]) << ")");
      if (std::isnan(expected)) {
        REQUIRE(std::isnan(y[lane]));
      } else {
        REQUIRE(std::bit_cast<std::uint64_t>(y[lane]) == std::bit_cast<std::uint64_t>(expected));
      }
      ++checked;
    }
  }
  CHECK(checked == values.size());
}

const std::vector<double> k_specials = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 0x1p-1074, 0x1p-1022, -0x1p-1022,
                                        std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN(), 0.70710678118654746,
                                        0.70710678118654757, 1.4142135623730949, 1.4142135623730951, -708.0,
                                        -708.0000000001, 709.0, 709.0000000001, 745.2, -745.2};

}  // namespace

TEST_CASE("vector portable_log is portable_log, lane by lane", "[portable_math][avx512]") {
  if (!has_avx512()) {
    SUCCEED("no AVX-512 path on this CPU");
    return;
  }
  std::uint64_t state = 11;
  std::vector<double> values = k_specials;
  for (int j = 0; j < 300000; ++j) {
    // Any positive bit pattern (every binade, subnormals), near 1, and in (0, 1).
    values.push_back(j % 3 == 0   ? std::bit_cast<double>(split_mix(state) >> 1)
                     : j % 3 == 1 ? 1.0 + (uniform(state) - 0.5) * 1e-3
                                  : uniform(state));
  }
  check_lanes(Function::log, values);
}

TEST_CASE("vector portable_log1p is portable_log1p, lane by lane", "[portable_math][avx512]") {
  if (!has_avx512()) {
    SUCCEED("no AVX-512 path on this CPU");
    return;
  }
  std::uint64_t state = 13;
  std::vector<double> values = k_specials;
  for (const double x : {-1.0, -0.2928932188134524, -0.29289321881345243, 0.4142135623730950, 0.41421356237309498}) {
    values.push_back(x);
  }
  for (int j = 0; j < 300000; ++j) {
    // Both branches (-p for the binomial's p, and beyond), tiny values, and any bit pattern.
    const double u = uniform(state);
    values.push_back(j % 4 == 0 ? -u : j % 4 == 1 ? u * 1e-9 - 5e-10 : j % 4 == 2 ? u * 10.0 - 0.999
                                                                                : std::bit_cast<double>(split_mix(state)));
  }
  check_lanes(Function::log1p, values);
}

TEST_CASE("vector portable_exp and logistic are the scalar functions, lane by lane", "[portable_math][avx512]") {
  if (!has_avx512()) {
    SUCCEED("no AVX-512 path on this CPU");
    return;
  }
  std::uint64_t state = 12;
  std::vector<double> values = k_specials;
  for (int j = 0; j < 300000; ++j) {
    // The clamp's whole range and beyond; the logits the indicators take.
    values.push_back(j % 2 == 0 ? (uniform(state) - 0.5) * 1500.0 : (uniform(state) - 0.5) * 20.0);
  }
  check_lanes(Function::exp, values);
  check_lanes(Function::logistic, values);
}

}  // namespace shortfall
