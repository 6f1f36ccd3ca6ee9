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

TEST_CASE("correlated shocks are C z month by month", "[correlation]") {
  Eigen::MatrixXd correlation(2, 2);
  correlation << 1.0, 0.6, 0.6, 1.0;
  const ShockCorrelation factor(correlation);
  // Two months of two shocks. Cholesky of [[1, .6], [.6, 1]] is [[1, 0], [.6, .8]].
  const std::vector<double> z{1.0, 2.0, -0.5, 0.25};
  std::vector<double> eps(4);
  factor.apply_months(z, eps, 2);
  CHECK(eps[0] == Approx(1.0).epsilon(1e-15));
  CHECK(eps[1] == Approx(0.6 + 1.6).epsilon(1e-15));
  CHECK(eps[2] == Approx(-0.5).epsilon(1e-15));
  CHECK(eps[3] == Approx(-0.3 + 0.2).epsilon(1e-15));

  const ShockCorrelation identity(Eigen::MatrixXd::Identity(2, 2));
  identity.apply_months(z, eps, 2);
  CHECK(eps == z);
}

TEST_CASE("a singular correlation gives perfectly correlated shocks", "[correlation]") {
  const ShockCorrelation factor(Eigen::MatrixXd::Ones(3, 3));
  const std::vector<double> z{0.5, -1.0, 2.0, 1.5, 0.25, -0.75};
  std::vector<double> eps(6);
  factor.apply_months(z, eps, 2);
  for (std::size_t t = 0; t < 2; ++t) {
    CHECK(eps[3 * t + 1] == Approx(eps[3 * t]).epsilon(1e-12));
    CHECK(eps[3 * t + 2] == Approx(eps[3 * t]).epsilon(1e-12));
  }
}
