#include "measurement.h"

namespace shortfall {

IndicatorMeasurement::IndicatorMeasurement(const Indicator& indicator, PaymentRule rule,
                                           int period_months)
    : indicator_(indicator),
      rule_(rule),
      period_months_(period_months),
      cases_(indicator.cases_per_month * period_months),
      achievement_by_count_(shortfall::achievement_by_count(indicator, rule, cases_)) {}

}  // namespace shortfall
