// Payments a scenario's calendar puts after the horizon T (docs/model.md 6,
// 7 and 9): the settlement of period k in month kM + L, the risk-share
// transfer of financial year y in month 12(y + 1) + L, and a lead's payment
// for month t to subcontractor j in month t + D_j. A run holds the money of
// those due after T as its receivable ("owed at T"), not as cash, so the
// cash path does not show them: under advance, a clawback.
//
// These are facts of the calendar, the same in every run: a risk-share
// transfer is counted whether or not the year's variance leaves the
// corridor, a settlement whether or not anything was earned.
#pragma once

#include <vector>

#include "scenario.h"

namespace shortfall {

// Periods k = 1..T/M whose settlement, month kM + L, falls after T.
int settlements_after_horizon(int horizon_months, int period_months, int settlement_lag_months);

// Financial years ending within the horizon (month 12(y + 1) <= T) whose
// risk-share transfer, month 12(y + 1) + L, falls after T.
int risk_share_transfers_after_horizon(int horizon_months, int settlement_lag_months);

// The smallest horizon of at least `month` months that is a multiple of
// `period_months` (a valid simulation.horizon_months).
int smallest_horizon_from(int month, int period_months);

// What of one contract, or of one subcontract, falls after T.
struct LatePayments {
  int provider = 0;      // the contract's holder, or the subcontractor (its position)
  int subcontract = -1;  // the subcontract's position in network.subcontracts; -1: a contract
  int settlements = 0;   // outcome settlements (contract)
  int risk_share_transfers = 0;  // risk-share transfers (contract with a risk share)
  int subcontract_payments = 0;  // the lead's monthly payments, min(D_j, T) (subcontract)
  int last_month = 0;            // when the last of them is due, > T
  // The smallest valid horizon that holds them all, >= last_month and a
  // multiple of every contract's M. A longer horizon has periods (and
  // payments) of its own that fall after it in turn whenever L > 0 (D_j > 0).
  int covering_horizon = 0;

  int count() const { return settlements + risk_share_transfers + subcontract_payments; }
};

// Every contract of the scenario (its holders in provider order), then
// every subcontract, that has a payment due after T; empty when everything
// falls within the horizon.
std::vector<LatePayments> payments_after_horizon(const Scenario& scenario);

}  // namespace shortfall
