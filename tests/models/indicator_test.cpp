#include "models/indicator.h"

#include <bit>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include "support/split_mix.h"

using namespace shortfall;

namespace {
Indicator make(Direction direction, double target, double floor) {
  Indicator indicator;
  indicator.id = "x";
  indicator.direction = direction;
  indicator.target = target;
  indicator.floor = floor;
  return indicator;
}
}  // namespace

TEST_CASE("threshold achievement compares in the indicator's direction", "[indicator]") {
  const auto higher = make(Direction::higher, 0.8, 0.6);
  CHECK(achievement(higher, PaymentRule::threshold, 0.8) == 1.0);
  CHECK(achievement(higher, PaymentRule::threshold, 0.79999) == 0.0);
  const auto lower = make(Direction::lower, 0.08, 0.11);
  CHECK(achievement(lower, PaymentRule::threshold, 0.08) == 1.0);
  CHECK(achievement(lower, PaymentRule::threshold, 0.0801) == 0.0);
}

TEST_CASE("linear achievement runs from the floor to the target, both directions", "[indicator]") {
  const auto higher = make(Direction::higher, 0.8, 0.6);
  CHECK(achievement(higher, PaymentRule::linear, 0.5) == 0.0);
  CHECK(achievement(higher, PaymentRule::linear, 0.7) == Approx(0.5).epsilon(1e-15));
  CHECK(achievement(higher, PaymentRule::linear, 0.9) == 1.0);
  const auto lower = make(Direction::lower, 0.08, 0.12);
  CHECK(achievement(lower, PaymentRule::linear, 0.13) == 0.0);
  CHECK(achievement(lower, PaymentRule::linear, 0.11) == Approx(0.25).epsilon(1e-12));
  CHECK(achievement(lower, PaymentRule::linear, 0.05) == 1.0);
}

TEST_CASE("threshold count is the smallest c with c/N >= target in double", "[indicator]") {
  CHECK(threshold_count(0.6, 30) == 18);
  CHECK(threshold_count(0.95, 270) == 257);  // 256/270 = 0.948..., 257/270 = 0.9518...
  CHECK(threshold_count(0.0, 10) == 0);
  CHECK(threshold_count(1.0, 10) == 10);
  // 0.7 * 10 is 7.000000000000001 in double, but 7/10 == 0.7 exactly as doubles.
  CHECK(threshold_count(0.7, 10) == 7);
}

TEST_CASE("the latent step moves a share kappa toward its level", "[indicator]") {
  Indicator indicator;
  indicator.baseline = 0.5;
  indicator.trend = 1.2;
  indicator.reversion = 0.25;
  indicator.volatility = 0.1;
  indicator.direction = Direction::lower;
  const IndicatorProcess process(indicator);
  CHECK(process.logit_baseline == 0.0);
  // mu = 0 + 1.2 * 6/12 + (-1) * 0.3 = 0.3
  CHECK(process.target_level(6, 0.3) == Approx(0.3).epsilon(1e-15));
  // x = 1 + 0.25 (0.3 - 1) + 0.1 * 2 = 1.025
  CHECK(process.step(1.0, 0.3, 2.0) == Approx(1.025).epsilon(1e-15));
  CHECK(logistic(logit(0.3)) == Approx(0.3).epsilon(1e-15));
}

TEST_CASE("advance_indicators gives the bits of the scalar step and logistic", "[indicator][batch]") {
  // The batch step is built for SSE2 and AVX2 and picked by the CPU; either
  // way it must equal IndicatorProcess::step and logistic() bit for bit
  // (no FMA, no reordering). Random constants and states over a wide range,
  // K from 1 to 13 (vector bodies and remainders), many months.
  std::uint64_t state = 12345;
  const auto uniform = [&state](double low, double high) {
    return low + (high - low) * testing::split_mix_uniform(state);
  };
  for (std::size_t k = 1; k <= 13; ++k) {
    std::vector<IndicatorProcess> scalar;
    for (std::size_t i = 0; i < k; ++i) {
      Indicator indicator;
      indicator.baseline = uniform(0.01, 0.99);
      indicator.trend = uniform(-0.5, 0.5);
      indicator.reversion = uniform(0.0, 1.0);
      indicator.volatility = uniform(0.0, 0.5);
      indicator.direction = i % 3 == 0 ? Direction::lower : Direction::higher;
      scalar.emplace_back(indicator);
    }
    const IndicatorProcesses batch(scalar);
    std::vector<double> latent_scalar(k), latent_batch(k), sum_scalar(k, 0.0), sum_batch(k, 0.0), shock(k);
    for (std::size_t i = 0; i < k; ++i) latent_scalar[i] = latent_batch[i] = uniform(-40.0, 40.0);
    for (int month = 1; month <= 120; ++month) {
      const double feedback = uniform(-3.0, 3.0);
      for (auto& z : shock) z = uniform(-30.0, 30.0);  // far tails too: exp's clamps
      for (std::size_t i = 0; i < k; ++i) {
        const double level = scalar[i].target_level(month, feedback);
        latent_scalar[i] = scalar[i].step(latent_scalar[i], level, shock[i]);
        sum_scalar[i] += logistic(latent_scalar[i]);
      }
      advance_indicators(batch, month, feedback, shock, latent_batch, sum_batch);
      for (std::size_t i = 0; i < k; ++i) {
        CAPTURE(k, month, i);
        const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
        REQUIRE(bits(latent_batch[i]) == bits(latent_scalar[i]));
        REQUIRE(bits(sum_batch[i]) == bits(sum_scalar[i]));
      }
    }
  }
}

TEST_CASE("add_rates over several structures' lanes gives the bits of logistic", "[indicator][batch]") {
  // The kernel lays every structure's indicators end to end, padded to whole
  // vectors (indicator_lanes), and sums their rates in one call: each lane
  // must be logistic() of its own latent value, whatever the length (vector
  // bodies, remainders) and wherever it sits.
  std::uint64_t state = 777;
  const auto uniform = [&state](double low, double high) {
    return low + (high - low) * testing::split_mix_uniform(state);
  };
  CHECK(indicator_lanes(0) == 0);
  CHECK(indicator_lanes(1) == 8);
  CHECK(indicator_lanes(30) == 32);
  CHECK(indicator_lanes(32) == 32);
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  for (std::size_t n = 1; n <= 45; ++n) {
    std::vector<double> latent(n), sum(n), expected(n);
    for (std::size_t j = 0; j < n; ++j) {
      latent[j] = uniform(-800.0, 800.0) * (j % 4 == 0 ? 1.0 : 0.01);  // clamps and the usual range
      sum[j] = expected[j] = uniform(0.0, 30.0);
    }
    for (int month = 0; month < 3; ++month) {
      add_rates(latent, sum);
      for (std::size_t j = 0; j < n; ++j) expected[j] += logistic(latent[j]);
    }
    for (std::size_t j = 0; j < n; ++j) {
      CAPTURE(n, j, latent[j]);
      REQUIRE(bits(sum[j]) == bits(expected[j]));
    }
  }
}
