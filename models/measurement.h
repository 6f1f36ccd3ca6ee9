// Measuring an indicator at the end of an assessment period (docs/model.md
// section 5): the mean of the period's monthly rates pi-bar, the observed
// rate y = Y/N with Y ~ Binomial(N, pi-bar) (or y = pi-bar without sampling
// noise), and the achievement a(y) under the contract's payment rule. Every
// kernel measures through these functions (the network kernel one indicator
// at a time through achievement_of_period, the single-provider kernel a
// period's draws together through its steps), so both give the same bits.
#pragma once

#include <span>
#include <vector>

#include "indicator.h"
#include "scenario.h"

namespace shortfall {

// Binomial measurement: Y ~ Binomial(cases, probability) for (period,
// indicator). The engine's sampler takes its uniforms from the stream of
// (run, period, indicator), so equal probabilities give equal draws.
class MeasurementSampler {
 public:
  // One draw of a period: Y ~ Binomial(cases, probability) under stream
  // indicator `indicator`.
  struct Draw {
    int indicator = 0;
    int cases = 0;
    double probability = 0.0;
  };

  virtual ~MeasurementSampler() = default;
  virtual int cases_met(int period, int indicator, int cases, double probability) = 0;
  // The draws of one period at once: met[d] is cases_met(period, draws[d]...),
  // the same bits; the engine's sampler draws them side by side
  // (sim/engine/binomial_batch.h).
  virtual void cases_met(int period, std::span<const Draw> draws, std::span<int> met) {
    for (std::size_t d = 0; d < draws.size(); ++d) {
      met[d] = cases_met(period, draws[d].indicator, draws[d].cases, draws[d].probability);
    }
  }
};

// How one indicator of one contract is measured and scored.
class IndicatorMeasurement {
 public:
  // `period_months` is M; the indicator is measured on N = n M cases. The
  // indicator's target, floor and direction are copied.
  IndicatorMeasurement(const Indicator& indicator, PaymentRule rule, int period_months);

  // a_{i,k} of the period just ended, from the sum of its M monthly rates
  // pi_{i,t}. `sampler` draws Y under `stream_indicator`, the indicator's
  // number in the sampler's streams; it is not called without sampling noise.
  double achievement_of_period(double rate_sum, int period, MeasurementSampler& sampler,
                               int stream_indicator) const {
    const double rate = mean_rate(rate_sum);
    if (!sampled()) return achievement_of_rate(rate);
    return achievement_of_count(sampler.cases_met(period, stream_indicator, cases_, rate));
  }

  // The steps of achievement_of_period, for a kernel that draws a period's
  // indicators together (MeasurementSampler's batch).
  double mean_rate(double rate_sum) const { return rate_sum / period_months_; }  // pi-bar
  bool sampled() const { return indicator_.cases_per_month != 0; }
  int cases() const { return cases_; }
  // Without sampling noise: y = pi-bar.
  double achievement_of_rate(double rate) const { return achievement(indicator_, rule_, rate); }
  // With it: y = Y / N. The table holds the formula's own bits for every count (indicator.h).
  double achievement_of_count(int met) const {
    return achievement_by_count_.empty() ? achievement(indicator_, rule_, static_cast<double>(met) / cases_)
                                         : achievement_by_count_[static_cast<std::size_t>(met)];
  }

 private:
  Indicator indicator_;
  PaymentRule rule_;
  int period_months_;
  int cases_;  // N = n M
  std::vector<double> achievement_by_count_;  // [N+1], or empty (indicator.h)
};

}  // namespace shortfall
