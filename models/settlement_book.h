// The outcome money of one contract's holder in one run (docs/model.md section
// 6): each period's pot P_k and earned money E_k, the settlement scheduled
// for month kM + L (the earned money, or under advance the clawback
// -(P_k - E_k)), and what falls due after the horizon, which is reported as
// a receivable rather than cash. Every kernel settles its periods through
// this one book, so both give the same bits for the same contract.
//
// Inline throughout, like the cash account (cash_account.h), so the book of
// the single-provider kernel stays in registers.
#pragma once

#include <algorithm>
#include <limits>
#include <span>

#include "payment_structure.h"
#include "run_outcome.h"

namespace shortfall {

class SettlementBook {
 public:
  // `due_by_month` [T] receives the settlements falling due in months
  // 1..T; the book clears it, and it must outlive the book.
  explicit SettlementBook(std::span<double> due_by_month) : due_by_month_(due_by_month) {
    std::fill(due_by_month_.begin(), due_by_month_.end(), 0.0);
  }

  // Settles period k of `schedule`, which earned `earned` (E_k). A contract
  // of several segments settles each segment's schedule into the same book,
  // in segment order.
  void settle(const PaymentSchedule& schedule, int period, double earned) {
    const double settlement = schedule.settlement(period, earned);
    const int due = schedule.settlement_month(period);
    if (due <= static_cast<int>(due_by_month_.size())) {
      due_by_month_[static_cast<std::size_t>(due - 1)] += settlement;
    } else {
      receivable_ += settlement;
    }
    pot_ += schedule.outcome_pot(period);
    earned_ += earned;
  }

  // Other money owed to the holder after the horizon (a lead's payment to a
  // subcontractor that falls due after T), in the order it arises.
  void add_receivable(double amount) { receivable_ += amount; }

  // The settlements received in month t: part of O_t.
  double due_in(int month) const { return due_by_month_[static_cast<std::size_t>(month - 1)]; }

  // The run's outcome-money record: pot, earned, receivable, and the earned
  // fraction (undefined, NaN, when there was no pot to earn). Touches no
  // other field.
  void finish(RunOutcome& outcome) const {
    outcome.pot = pot_;
    outcome.earned = earned_;
    outcome.receivable = receivable_;
    outcome.earned_fraction =
        pot_ > 0.0 ? earned_ / pot_ : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  std::span<double> due_by_month_;
  double pot_ = 0.0;         // sum of P_k over the periods settled or due
  double earned_ = 0.0;      // sum of E_k
  double receivable_ = 0.0;  // due after T (negative for a clawback)
};

}  // namespace shortfall
