// A provider's cash month by month, and what a run records about it
// (docs/model.md section 4):
//
//   Cash_t = Cash_{t-1} + money_in_t - K_t - r/12 max(0, -Cash_{t-1})
//
// a shortfall in every month with Cash_t < S, and the financial stress
// s_t = clamp((Z - Cash_t)/(Z - S), 0, 1) that drags next month's
// performance. Every kernel steps its providers' cash through this one
// account, so a network of one provider and the single-provider kernel do
// the same arithmetic in the same order.
//
// All of it is inline, the run's end too: the single-provider kernel can
// keep the account in registers through its monthly loop only while the
// account's address never leaves the function; one out-of-line member call
// would let it escape, and the compiler would then have to store and reload
// it around every call in the loop (advance_indicators, the sampler).
#pragma once

#include <algorithm>
#include <limits>

#include "run_outcome.h"
#include "scenario.h"

namespace shortfall {

// Financial stress s = clamp((Z - cash)/(Z - S), 0, 1) (docs/model.md section 4).
inline double financial_stress(const ProviderFinance& provider, double cash) {
  const double stress = (provider.stress_start_cash - cash) /
                        (provider.stress_start_cash - provider.shortfall_threshold);
  return std::clamp(stress, 0.0, 1.0);
}

class CashAccount {
 public:
  // Cash_0 = provider.opening_cash, and s_0 from it. The account keeps a
  // pointer to `finance`, which must outlive it.
  explicit CashAccount(const ProviderFinance& finance)
      : finance_(&finance),
        cash_(finance.opening_cash),
        stress_(financial_stress(finance, finance.opening_cash)) {}

  // Month t: `money_in` is everything received less everything paid on
  // (B_t + O_t + R_t for a contract's holder), `cost` is K_t. The interest
  // is on last month's overdraft. The grouping (money_in - cost) - interest
  // is the one every result was computed with; do not reassociate it.
  void step(int month, double money_in, double cost) {
    const double interest = finance_->overdraft_rate / 12.0 * std::max(0.0, -cash_);
    cash_ += money_in - cost - interest;
    stress_ = financial_stress(*finance_, cash_);
    min_cash_ = std::min(min_cash_, cash_);
    if (cash_ < finance_->shortfall_threshold) {
      ++months_in_shortfall_;
      if (first_shortfall_month_ == 0) first_shortfall_month_ = month;
    }
  }

  double cash() const { return cash_; }      // Cash_t after the last step
  double stress() const { return stress_; }  // s_t, what month t+1's performance feels

  // The run's cash record: shortfall, its first month and its count, the
  // lowest and the last cash, and the support max(0, S - min cash) that
  // would have kept the provider above its line. Touches no other field.
  void finish(RunOutcome& outcome) const {
    outcome.shortfall = months_in_shortfall_ > 0;
    outcome.first_shortfall_month = first_shortfall_month_;
    outcome.months_in_shortfall = months_in_shortfall_;
    outcome.min_cash = min_cash_;
    outcome.end_cash = cash_;
    outcome.support = std::max(0.0, finance_->shortfall_threshold - min_cash_);
  }

 private:
  const ProviderFinance* finance_;
  double cash_;
  double stress_;
  double min_cash_ = std::numeric_limits<double>::infinity();  // over months 1..T
  int months_in_shortfall_ = 0;
  int first_shortfall_month_ = 0;  // 0 while there has been none
};

}  // namespace shortfall
