#include "models/operating_cost.h"

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("operating cost follows docs/model.md section 3 term by term", "[cost]") {
  ProviderFinance provider;
  provider.underlying_deficit = 0.03;
  provider.fixed_cost_share = 0.6;
  provider.cost_growth = 0.025;
  provider.cost_noise = 0.01;
  const double value = 240.0e6;
  const OperatingCostModel cost(provider, value, 24);
  const std::vector<double> activity{1.2, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                                     1.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  std::vector<double> shocks(24, 0.0);
  shocks[0] = 2.0;
  shocks[13] = -1.0;
  std::vector<double> out(24);
  cost.cost_path(activity, shocks, out);
  // Hand-written K_t = (1+d) V (1+g_C)^y / 12 [phi + (1-phi) A_t] (1 + sigma_c zeta_t).
  CHECK(out[0] == Approx(1.03 * 20.0e6 * (0.6 + 0.4 * 1.2) * 1.02).epsilon(1e-14));
  CHECK(out[1] == Approx(1.03 * 20.0e6 * (0.6 + 0.4 * 0.8)).epsilon(1e-14));
  CHECK(out[13] == Approx(1.03 * 20.0e6 * 1.025 * (0.6 + 0.4 * 1.5) * 0.99).epsilon(1e-14));
  CHECK(cost.monthly_scale(13) == Approx(1.03 * 20.0e6 * 1.025).epsilon(1e-15));
}
