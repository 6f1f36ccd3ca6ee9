// An indicator's measurement at the end of a period (docs/model.md section 5)
// against answers worked out by hand: what the sampler is asked, and the
// achievement of the rate it returns. Tolerances of 1e-12 relative cover
// the rounding of decimal targets and floors; the rest is exact.
#include "models/measurement.h"

#include <stdexcept>

#include <catch2/catch.hpp>

using namespace shortfall;

namespace {

Indicator indicator(int cases_per_month, Direction direction = Direction::higher) {
  Indicator spec;
  spec.id = "seen_in_time";
  spec.weight = 1.0;
  spec.direction = direction;
  spec.target = direction == Direction::higher ? 0.8 : 0.2;
  spec.floor = 0.5;  // below a higher-is-better target, above a lower-is-better one
  spec.cases_per_month = cases_per_month;
  return spec;
}

class NoDraws final : public MeasurementSampler {
 public:
  int cases_met(int, int, int, double) override { throw std::logic_error("unexpected draw"); }
};

// Returns `met` and remembers what it was asked.
class FixedDraw final : public MeasurementSampler {
 public:
  struct Request {
    int period = 0, indicator = 0, cases = 0;
    double probability = 0.0;
  };
  explicit FixedDraw(int met) : met_(met) {}
  int cases_met(int period, int indicator, int cases, double probability) override {
    ++calls;
    asked = {period, indicator, cases, probability};
    return met_;
  }
  int calls = 0;
  Request asked;

 private:
  int met_;
};

}  // namespace

TEST_CASE("without sampling noise the period's mean rate is scored and nothing is drawn",
          "[measurement]") {
  NoDraws sampler;
  // Quarterly: rates 0.625, 0.75 and 0.875 sum to 2.25 (exact), mean 0.75.
  const IndicatorMeasurement linear(indicator(0), PaymentRule::linear, 3);
  CHECK(linear.achievement_of_period(2.25, 1, sampler, 0) == Approx(0.25 / 0.3).epsilon(1e-12));
  const IndicatorMeasurement threshold(indicator(0), PaymentRule::threshold, 3);
  CHECK(threshold.achievement_of_period(2.25, 1, sampler, 0) == 0.0);  // 0.75 < 0.8
  CHECK(threshold.achievement_of_period(2.625, 1, sampler, 0) == 1.0);  // 0.875
  // Lower is better: 0.25 over a month misses a target of 0.2, 0.125 meets it.
  const IndicatorMeasurement lower(indicator(0, Direction::lower), PaymentRule::threshold, 1);
  CHECK(lower.achievement_of_period(0.25, 1, sampler, 0) == 0.0);
  CHECK(lower.achievement_of_period(0.125, 1, sampler, 0) == 1.0);
}

TEST_CASE("the draw is of n M cases at the period's mean rate, in the indicator's stream",
          "[measurement]") {
  FixedDraw sampler(18);
  const IndicatorMeasurement measured(indicator(10), PaymentRule::linear, 3);
  const double a = measured.achievement_of_period(2.25, 7, sampler, 4);
  CHECK(sampler.calls == 1);
  CHECK(sampler.asked.period == 7);
  CHECK(sampler.asked.indicator == 4);
  CHECK(sampler.asked.cases == 30);
  CHECK(sampler.asked.probability == 0.75);
  // y = 18/30 = 0.6: (0.6 - 0.5)/0.3 = 1/3.
  CHECK(a == Approx(1.0 / 3.0).epsilon(1e-12));
}

TEST_CASE("achievement of every count Y out of N = 30 under both rules", "[measurement]") {
  // Threshold 0.8: met from Y = 24 (24/30 rounds to the double 0.8 itself).
  // Linear, floor 0.5, target 0.8: a = clamp((Y/30 - 1/2)/(3/10), 0, 1) = clamp((Y - 15)/9, 0, 1).
  const IndicatorMeasurement threshold(indicator(10), PaymentRule::threshold, 3);
  const IndicatorMeasurement linear(indicator(10), PaymentRule::linear, 3);
  for (int met = 0; met <= 30; ++met) {
    FixedDraw sampler(met);
    INFO("Y = " << met);
    CHECK(threshold.achievement_of_period(2.4, 1, sampler, 0) == (met >= 24 ? 1.0 : 0.0));
    const double expected = met <= 15 ? 0.0 : met >= 24 ? 1.0 : (met - 15) / 9.0;
    CHECK(linear.achievement_of_period(2.4, 1, sampler, 0) == Approx(expected).epsilon(1e-12));
  }
}

TEST_CASE("very many cases: no table, the same rule", "[measurement]") {
  // N = 30000 * 3 = 90000 counts would outgrow the table (indicator.h).
  const IndicatorMeasurement threshold(indicator(30000), PaymentRule::threshold, 3);
  FixedDraw at_target(72000), below(71999);
  CHECK(threshold.achievement_of_period(2.4, 1, at_target, 0) == 1.0);
  CHECK(threshold.achievement_of_period(2.4, 1, below, 0) == 0.0);
  CHECK(at_target.asked.cases == 90000);
}
