// Outcome indicators (MODEL.md section 5): latent performance on the logit
// scale, measurement, and achievement under the payment rule.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "portable_exp.h"
#include "scenario.h"

namespace shortfall {

inline double logit(double p) { return std::log(p / (1.0 - p)); }
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

// Achievement a_{i,k} in [0, 1] for an observed rate y (MODEL.md section 5).
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
