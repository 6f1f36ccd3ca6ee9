#include "models/payment_structure.h"

#include <cmath>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "support/scenario_fixture.h"

using namespace shortfall;

TEST_CASE("structure names from withhold fractions", "[payment_structure]") {
  CHECK(PaymentStructure::from_fraction(0.0).name == "bonus");
  CHECK(PaymentStructure::from_fraction(1.0).name == "withhold");
  CHECK(PaymentStructure::from_fraction(0.5).name == "hybrid_0.5");
  CHECK(PaymentStructure::from_fraction(0.25).name == "hybrid_0.25");
  CHECK(PaymentStructure::from_fraction(0.25).withhold_fraction == 0.25);
  CHECK_THROWS_AS(PaymentStructure::from_fraction(1.5), std::invalid_argument);
  CHECK(PaymentStructure::paid_in_advance().advance);
  CHECK(PaymentStructure::paid_in_advance().withhold_fraction == 1.0);
}

TEST_CASE("base income, advances and pots follow docs/model.md section 2", "[payment_structure]") {
  auto scenario = shortfall::testing::quiet_scenario();
  auto& contract = scenario.contract;
  contract.income_growth = 0.05;
  contract.outcome_share = {0.02, 0.04};
  contract.assessment_months = 12;
  contract.settlement_lag_months = 3;
  DemandProcess process;
  process.growth = 0.1;
  const DemandModel demand(process, 36);
  const double value = contract.annual_value;  // V = 120m

  const PaymentSchedule bonus(contract, PaymentStructure::bonus(), demand, 36);
  const PaymentSchedule hybrid(contract, PaymentStructure::from_fraction(0.5), demand, 36);
  const PaymentSchedule advance(contract, PaymentStructure::paid_in_advance(), demand, 36);
  // B_t = (1 - h p_y) V_y / 12 on a block contract.
  CHECK(bonus.base_income(1, 7.0) == Approx(value / 12.0).epsilon(1e-15));
  CHECK(hybrid.base_income(13, 7.0) == Approx((1.0 - 0.5 * 0.04) * value * 1.05 / 12.0).epsilon(1e-15));
  CHECK(advance.base_income(25, 7.0) == Approx((1.0 - 0.04) * value * 1.05 * 1.05 / 12.0).epsilon(1e-15));
  // Advances p_y V_y / 12 under advance only; never scaled by activity.
  CHECK(advance.advance_payment(2) == Approx(0.02 * value / 12.0).epsilon(1e-15));
  CHECK(bonus.advance_payment(2) == 0.0);
  // P_k = p_{y(k)} V_{y(k)} M / 12; settled in month kM + L.
  CHECK(bonus.period_count() == 3);
  CHECK(bonus.outcome_pot(1) == Approx(0.02 * value).epsilon(1e-15));
  CHECK(bonus.outcome_pot(3) == Approx(0.04 * value * 1.05 * 1.05).epsilon(1e-15));
  CHECK(bonus.settlement_month(2) == 27);
  // Settlement: E_k, or under advance the clawback -(P_k - E_k).
  CHECK(bonus.settlement(1, 1.0e6) == 1.0e6);
  CHECK(advance.settlement(1, 1.0e6) == Approx(1.0e6 - 0.02 * value).epsilon(1e-15));

  contract.basis = Basis::capitation;
  const PaymentSchedule capitation(contract, PaymentStructure::bonus(), demand, 36);
  CHECK(capitation.base_income(7, 3.0) == Approx(value / 12.0 * std::pow(1.1, 0.5)).epsilon(1e-15));
  contract.basis = Basis::episodic;
  const PaymentSchedule episodic(contract, PaymentStructure::bonus(), demand, 36);
  CHECK(episodic.base_income(7, 1.3) == Approx(value / 12.0 * 1.3).epsilon(1e-15));
  CHECK(efficient_cost_payment(contract, demand, 13, 0.9) == Approx(value * 1.05 / 12.0 * 0.9).epsilon(1e-15));
}

TEST_CASE("the effort term sees advance as a full withhold, whatever its fraction", "[payment_structure]") {
  CHECK(effort_fraction(PaymentStructure::bonus()) == 0.0);
  CHECK(effort_fraction(PaymentStructure::withhold()) == 1.0);
  CHECK(effort_fraction(PaymentStructure::from_fraction(0.25)) == 0.25);
  CHECK(effort_fraction(PaymentStructure{"advance_without_withhold", 0.0, true}) == 1.0);
  CHECK(effort_fraction(PaymentStructure{"advance_half", 0.5, true}) == 1.0);
}

TEST_CASE("earned money is the period's pot times its weighted achievement", "[payment_structure]") {
  auto scenario = shortfall::testing::quiet_scenario();
  scenario.contract.outcome_share = {0.02, 0.04};
  const DemandModel demand(scenario.demand, 36);
  const PaymentSchedule withhold(scenario.contract, PaymentStructure::withhold(), demand, 36);
  // E_k = P_k sum w_i a_{i,k}: quarter 2 in year 0, quarter 5 in year 1 (P = p_y 120m / 4).
  CHECK(withhold.earned(2, 0.75) == Approx(0.75 * 0.02 * 30.0e6).epsilon(1e-15));
  CHECK(withhold.earned(5, 0.5) == Approx(0.5 * 0.04 * 30.0e6).epsilon(1e-15));
  CHECK(withhold.earned(5, 0.0) == 0.0);
}

TEST_CASE("the efficient-cost payment month by month, as the basis says", "[payment_structure]") {
  auto scenario = shortfall::testing::quiet_scenario();
  auto& contract = scenario.contract;
  contract.income_growth = 0.05;
  DemandProcess process;
  process.growth = 0.1;
  const DemandModel demand(process, 36);
  const double monthly = contract.annual_value / 12.0;  // V / 12 = 10m
  // V_y / 12, (V_y / 12) G_t with G_t = 1.1^((t-1)/12), (V_y / 12) A_t; activity
  // moves only the episodic payment.
  contract.basis = Basis::block;
  const EfficientCostPayments block(contract, demand, 36);
  CHECK(block.in_month(1, 1.7) == Approx(monthly).epsilon(1e-15));
  CHECK(block.in_month(25, 0.4) == Approx(monthly * 1.05 * 1.05).epsilon(1e-15));
  contract.basis = Basis::capitation;
  const EfficientCostPayments capitation(contract, demand, 36);
  CHECK(capitation.in_month(19, 1.7) == Approx(monthly * 1.05 * std::pow(1.1, 1.5)).epsilon(1e-14));
  contract.basis = Basis::episodic;
  const EfficientCostPayments episodic(contract, demand, 36);
  CHECK(episodic.in_month(13, 0.9) == Approx(monthly * 1.05 * 0.9).epsilon(1e-15));
  CHECK(episodic.in_month(13, 0.0) == 0.0);
}

TEST_CASE("a flat comparator pays its structure's base and e-bar p_y V_y / 12, and settles nothing",
          "[payment_structure][decomposition]") {
  auto scenario = shortfall::testing::quiet_scenario();
  auto& contract = scenario.contract;
  contract.income_growth = 0.05;
  contract.outcome_share = {0.02, 0.04};
  contract.basis = Basis::episodic;
  const DemandModel demand(scenario.demand, 36);
  const double value = contract.annual_value;  // V = 120m

  PaymentStructure flat{"withhold:flat", 1.0, false};
  flat.flat_earned_fraction = {0.25, 0.75};  // e-bar of providers 0 and 1
  const PaymentSchedule schedule(contract, flat, demand, 36, 1);
  const PaymentSchedule withhold(contract, PaymentStructure::withhold(), demand, 36);
  // The base is the withhold's, scaled by activity like it; the flat pay is
  // provider 1's e-bar of p_y V_y / 12, never scaled.
  CHECK(schedule.base_income(14, 1.3) == withhold.base_income(14, 1.3));
  CHECK(schedule.advance_payment(2) == Approx(0.75 * 0.02 * value / 12.0).epsilon(1e-15));
  CHECK(schedule.advance_payment(14) == Approx(0.75 * 0.04 * value * 1.05 / 12.0).epsilon(1e-15));
  // Nothing to earn, nothing settled, whatever the achievement.
  CHECK(schedule.period_count() == withhold.period_count());
  CHECK(schedule.outcome_pot(3) == 0.0);
  CHECK(schedule.earned(3, 1.0) == 0.0);
  CHECK(schedule.settlement(3, schedule.earned(3, 1.0)) == 0.0);
  // With e-bar = 1 the flat pay is exactly the advance of `advance`.
  flat.flat_earned_fraction = {1.0};
  const PaymentSchedule full(contract, flat, demand, 36);
  const PaymentSchedule advance(contract, PaymentStructure::paid_in_advance(), demand, 36);
  for (int t = 1; t <= 36; ++t) CHECK(full.advance_payment(t) == advance.advance_payment(t));
  // No outcome link, so no loss framing: the effort term sees h = 0.
  CHECK(effort_fraction(flat) == 0.0);
}
