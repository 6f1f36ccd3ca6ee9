// Outcome indicators (docs/model.md section 5): latent performance on the logit
// scale, measurement, and achievement under the payment rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "portable_exp.h"
#include "portable_log.h"
#include "scenario.h"

namespace shortfall {

inline double logit(double p) { return portable_log(p / (1.0 - p)); }
inline double logistic(double x) { return 1.0 / (1.0 + portable_exp(-x)); }

// The constants of one indicator's latent process, in the form the monthly
// step uses.
struct IndicatorProcess {
  double logit_baseline;   // logit(pi0_i)
  double trend_per_month;  // tau_i / 12
  double reversion;        // kappa_i
  double volatility;       // sigma_i
  double direction;        // dir_i: +1 higher is better, -1 lower is better

  explicit IndicatorProcess(const Indicator& indicator)
      : logit_baseline(logit(indicator.baseline)),
        trend_per_month(indicator.trend / 12.0),
        reversion(indicator.reversion),
        volatility(indicator.volatility),
        direction(static_cast<double>(static_cast<int>(indicator.direction))) {}

  // mu_{i,t} = logit(pi0) + tau t/12 + dir (delta_w h - gamma s_{t-1}); the
  // bracket is passed in as `feedback` because it is shared by all indicators.
  double target_level(int month, double feedback) const {
    return logit_baseline + trend_per_month * month + direction * feedback;
  }

  // x_{i,t} = x_{i,t-1} + kappa (mu_{i,t} - x_{i,t-1}) + sigma eps_{i,t}.
  double step(double previous, double level, double shock) const {
    return previous + reversion * (level - previous) + volatility * shock;
  }
};

// The constants of all K indicators' latent processes as arrays, for the
// batch step below (the same numbers as the IndicatorProcess objects).
struct IndicatorProcesses {
  std::vector<double> logit_baseline, trend_per_month, reversion, volatility, direction;  // [K]

  IndicatorProcesses() = default;
  explicit IndicatorProcesses(std::span<const IndicatorProcess> processes) {
    for (const auto& process : processes) {
      logit_baseline.push_back(process.logit_baseline);
      trend_per_month.push_back(process.trend_per_month);
      reversion.push_back(process.reversion);
      volatility.push_back(process.volatility);
      direction.push_back(process.direction);
    }
  }
  std::size_t size() const { return logit_baseline.size(); }
};

// One month of every indicator's latent process (docs/model.md 5):
//   latent[i] = step(latent[i], target_level(month, feedback), shock[i])
//   rate_sum[i] += logistic(latent[i])
// for i = 0..K-1, the same bits as those calls one indicator at a time (the
// same operations in the same order, no FMA). Built three times, for SSE2,
// AVX2 and AVX-512, and picked by the instruction-set path (isa.h): they
// step two, four and eight indicators at once. The spans have K elements.
// advance_indicators is step_indicators then add_rates; the kernel calls
// the two apart so that add_rates takes every structure's indicators in one
// call (the logistic is most of the step's time, and K = 10 leaves two
// lanes of a structure to scalar code).
void advance_indicators(const IndicatorProcesses& processes, int month, double feedback,
                        std::span<const double> shock, std::span<double> latent,
                        std::span<double> rate_sum);
void step_indicators(const IndicatorProcesses& processes, int month, double feedback,
                     std::span<const double> shock, std::span<double> latent);
// rate_sum[j] += logistic(latent[j]) for every j: any number of lanes, each
// on its own, so a caller may lay several structures' indicators end to end
// and pad them to whole vectors (indicator_lanes).
void add_rates(std::span<const double> latent, std::span<double> rate_sum);
// n lanes rounded up to whole vectors of the widest path (eight doubles).
constexpr std::size_t indicator_lanes(std::size_t n) { return (n + 7) / 8 * 8; }

// Achievement a_{i,k} in [0, 1] for an observed rate y (docs/model.md section 5).
// threshold: 1 when the target is met (y >= target, or y <= target when lower
// is better); linear: clamp((y - floor)/(target - floor), 0, 1), which holds
// for both directions because the floor lies on the far side of the target.
// Inline: it runs once per indicator, period, structure and run.
inline double achievement(const Indicator& indicator, PaymentRule rule, double observed_rate) {
  if (rule == PaymentRule::threshold) {
    const bool met = indicator.direction == Direction::higher ? observed_rate >= indicator.target
                                                              : observed_rate <= indicator.target;
    return met ? 1.0 : 0.0;
  }
  const double fraction = (observed_rate - indicator.floor) / (indicator.target - indicator.floor);
  return std::clamp(fraction, 0.0, 1.0);
}

// The smallest count c with c/N >= target in double precision (higher is
// better), i.e. the count needed to meet a threshold out of N cases; N+1 when
// no count meets it. Used by tests and by documentation of the threshold rule.
int threshold_count(double target, int cases);

// Achievement a(Y) for every count Y = 0..cases out of `cases`, with exactly
// the formula of achievement() (y = Y/cases in double, then the rule), so a
// measurement costs a lookup instead of two divisions. Empty when the
// indicator is measured without sampling noise (cases = 0) or with so many
// cases that a table of 8 bytes a count would outgrow the cache.
std::vector<double> achievement_by_count(const Indicator& indicator, PaymentRule rule, int cases);

}  // namespace shortfall
