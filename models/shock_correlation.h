// Correlated indicator shocks eps_t ~ N(0, R) (docs/model.md section 5) from
// independent standard normals z_t: eps_t = C z_t with C C^T = R.
//
// C is the Cholesky factor when R is positive definite. A singular but
// positive semi-definite R (e.g. perfectly correlated indicators) has no
// Cholesky factor, so C then comes from the eigen-decomposition
// R = Q diag(lambda) Q^T as Q diag(sqrt(max(lambda, 0))).
#pragma once

#include <span>

#include <Eigen/Core>

namespace shortfall {

class ShockCorrelation {
 public:
  explicit ShockCorrelation(const Eigen::MatrixXd& correlation);

  // eps_t = C z_t for `months` months at once, row-major [month][indicator]:
  // one matrix product, which Eigen vectorises, instead of one a month.
  void apply_months(std::span<const double> independent, std::span<double> correlated,
                    int months) const;

  const Eigen::MatrixXd& factor() const { return factor_; }

 private:
  Eigen::MatrixXd factor_;  // C, row-major use: eps_i = sum_j C_ij z_j
  bool identity_ = false;
  bool lower_triangular_ = false;
};

}  // namespace shortfall
