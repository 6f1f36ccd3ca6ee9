// What one run records under one payment structure (docs/model.md section 7).
// A plain record: the model kernel fills it, the tallies in analysis/ merge it.
#pragma once

namespace shortfall {

struct RunOutcome {
  bool shortfall = false;
  int first_shortfall_month = 0;  // 0 when there was none
  int months_in_shortfall = 0;
  double min_cash = 0.0;          // over months 1..T
  double end_cash = 0.0;
  double support = 0.0;           // max(0, S - min_cash)
  double pot = 0.0;               // sum of P_k over periods settled or due
  double earned = 0.0;            // sum of E_k
  double received = 0.0;          // outcome money received as cash within the horizon (net of clawbacks)
  double receivable = 0.0;        // settlements due after T (negative for a clawback)
  double earned_fraction = 0.0;   // earned / pot
  double commissioner_cost = 0.0; // sum B_t + O_t + R_t
};

}  // namespace shortfall
