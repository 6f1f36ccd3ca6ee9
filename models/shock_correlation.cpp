#include "shock_correlation.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

namespace shortfall {

ShockCorrelation::ShockCorrelation(const Eigen::MatrixXd& correlation) {
  const auto k = correlation.rows();
  identity_ = correlation.isIdentity(0.0);
  if (identity_) {
    factor_ = Eigen::MatrixXd::Identity(k, k);
    return;
  }
  Eigen::LLT<Eigen::MatrixXd> cholesky(correlation);
  if (cholesky.info() == Eigen::Success) {
    factor_ = cholesky.matrixL();
    lower_triangular_ = true;
    return;
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(correlation);
  const Eigen::VectorXd roots = eigen.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  factor_ = eigen.eigenvectors() * roots.asDiagonal();
}

void ShockCorrelation::apply_months(std::span<const double> independent,
                                    std::span<double> correlated, int months) const {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto k = factor_.rows();
  const Eigen::Map<const RowMajor> z(independent.data(), months, k);
  Eigen::Map<RowMajor> eps(correlated.data(), months, k);
  if (identity_) {
    eps = z;
  } else if (lower_triangular_) {
    // Row t of eps is (C z_t)^T = z_t^T C^T, and C^T is upper triangular.
    eps.noalias() = z * factor_.transpose().triangularView<Eigen::Upper>();
  } else {
    eps.noalias() = z * factor_.transpose();
  }
}

}  // namespace shortfall
