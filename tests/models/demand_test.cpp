#include "models/demand.h"

#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("demand without noise follows trend and seasonality exactly", "[demand]") {
  DemandProcess process;
  process.growth = 0.02;
  process.seasonality = {1.1, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 0.95};
  const DemandModel demand(process, 24);
  std::vector<double> shocks(24, 0.0), activity(24);
  demand.activity_path(shocks, activity);
  for (int t = 1; t <= 24; ++t) {
    // G_t (docs/model.md 2), against long double: portable_power is within
    // 3 + 3|y ln x| ulp (models/portable_pow.h), a few ulp here.
    const double trend = static_cast<double>(std::pow(1.02L, static_cast<long double>(t - 1) / 12.0L));
    CHECK(demand.trend(t) == Approx(trend).epsilon(1e-15));
    const double expected = trend * process.seasonality[static_cast<std::size_t>((t - 1) % 12)];
    CHECK(activity[static_cast<std::size_t>(t - 1)] == Approx(expected).epsilon(1e-15));
  }
}

TEST_CASE("state variance follows the AR(1) recursion, and its unit-root limit", "[demand]") {
  for (const double rho : {0.7, -0.5, 0.0, 1.0}) {
    DemandProcess process;
    process.volatility = 0.05;
    process.persistence = rho;
    const DemandModel demand(process, 60);
    double variance = 0.0;  // Var(a_t) = rho^2 Var(a_{t-1}) + sigma^2, a_0 = 0
    for (int t = 1; t <= 60; ++t) {
      variance = rho * rho * variance + 0.05 * 0.05;
      CHECK(demand.state_variance(t) == Approx(variance).epsilon(1e-12));
    }
  }
}

TEST_CASE("activity noise has mean one in every month", "[demand]") {
  // E[exp(a_t - v_t/2)] = 1 (docs/model.md 3). Monte Carlo over n paths with a
  // fixed seed: each month's mean lies within 4 standard errors of 1.
  DemandProcess process;
  process.volatility = 0.15;
  process.persistence = 0.8;
  const int months = 24;
  const DemandModel demand(process, months);
  std::mt19937_64 generator(20170401);
  std::normal_distribution<double> normal;
  const int paths = 200000;
  std::vector<double> sum(months, 0.0), sum_squares(months, 0.0), shocks(months), activity(months);
  for (int p = 0; p < paths; ++p) {
    for (auto& shock : shocks) shock = normal(generator);
    demand.activity_path(shocks, activity);
    for (int t = 0; t < months; ++t) {
      sum[static_cast<std::size_t>(t)] += activity[static_cast<std::size_t>(t)];
      sum_squares[static_cast<std::size_t>(t)] += activity[static_cast<std::size_t>(t)] * activity[static_cast<std::size_t>(t)];
    }
  }
  for (int t = 0; t < months; ++t) {
    const double mean = sum[static_cast<std::size_t>(t)] / paths;
    const double variance = (sum_squares[static_cast<std::size_t>(t)] - paths * mean * mean) / (paths - 1);
    const double standard_error = std::sqrt(variance / paths);
    CHECK(std::abs(mean - 1.0) < 4.0 * standard_error);
  }
}
