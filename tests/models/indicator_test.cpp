#include "models/indicator.h"

#include <catch2/catch.hpp>

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
