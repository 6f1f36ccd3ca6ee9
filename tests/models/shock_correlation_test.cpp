#include "models/shock_correlation.h"

#include <vector>

#include <catch2/catch.hpp>

using namespace shortfall;

TEST_CASE("the factor reproduces the correlation matrix", "[correlation]") {
  Eigen::MatrixXd positive_definite(3, 3);
  positive_definite << 1.0, 0.3, 0.2, 0.3, 1.0, 0.1, 0.2, 0.1, 1.0;
  Eigen::MatrixXd singular = Eigen::MatrixXd::Ones(3, 3);  // perfectly correlated: PSD, rank 1
  for (const auto& correlation : {positive_definite, singular}) {
    const ShockCorrelation factor(correlation);
    const Eigen::MatrixXd product = factor.factor() * factor.factor().transpose();
    CHECK((product - correlation).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("apply multiplies by the factor; the identity passes shocks through", "[correlation]") {
  Eigen::MatrixXd correlation(2, 2);
  correlation << 1.0, 0.6, 0.6, 1.0;
  const ShockCorrelation factor(correlation);
  const std::vector<double> z{1.0, 2.0};
  std::vector<double> eps(2);
  factor.apply(z, eps);
  // Cholesky of [[1, .6], [.6, 1]] is [[1, 0], [.6, .8]].
  CHECK(eps[0] == Approx(1.0).epsilon(1e-15));
  CHECK(eps[1] == Approx(0.6 + 1.6).epsilon(1e-15));

  const ShockCorrelation identity(Eigen::MatrixXd::Identity(2, 2));
  identity.apply(z, eps);
  CHECK(eps == z);
}

TEST_CASE("many months at once equal one month at a time", "[correlation]") {
  // Same products, so equal up to the order of the sums: 1e-15 relative.
  Eigen::MatrixXd positive_definite(3, 3);
  positive_definite << 1.0, 0.3, 0.2, 0.3, 1.0, 0.1, 0.2, 0.1, 1.0;
  const Eigen::MatrixXd singular = Eigen::MatrixXd::Ones(3, 3);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(3, 3);
  const std::vector<double> z{0.5, -1.0, 2.0, 1.5, 0.25, -0.75, -2.0, 0.1, 0.9, 0.0, 1.0, -1.0};
  for (const auto& correlation : {positive_definite, singular, identity}) {
    const ShockCorrelation factor(correlation);
    std::vector<double> together(z.size()), one(3);
    factor.apply_months(z, together, 4);
    for (std::size_t t = 0; t < 4; ++t) {
      factor.apply(std::span(z).subspan(3 * t, 3), one);
      for (std::size_t i = 0; i < 3; ++i) CHECK(together[3 * t + i] == Approx(one[i]).epsilon(1e-15).margin(1e-15));
    }
  }
}
