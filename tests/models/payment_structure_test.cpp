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

TEST_CASE("base income, advances and pots follow MODEL.md section 2", "[payment_structure]") {
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
