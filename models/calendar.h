// Months, financial years and assessment periods (docs/model.md section 1).
//
// Months are numbered t = 1..T; month 1 is April, the first month of a
// financial year. Period k = 1, 2, ... of length M covers months
// (k-1)M+1 .. kM.
#pragma once

namespace shortfall {

constexpr int financial_year(int month) { return (month - 1) / 12; }  // y(t)
constexpr int month_of_year(int month) { return (month - 1) % 12; }   // m(t), 0 = April
constexpr int period_of_month(int month, int period_months) { return (month - 1) / period_months + 1; }
constexpr int last_month_of_period(int period, int period_months) { return period * period_months; }
constexpr bool is_period_end(int month, int period_months) { return month % period_months == 0; }

}  // namespace shortfall
