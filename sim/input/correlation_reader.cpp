// [performance] correlation: one number for every pair, or a full matrix,
// checked to be a correlation matrix the engine can factorise.
#include <algorithm>
#include <cmath>

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include "sim/input/readers.h"

namespace shortfall {

namespace {

constexpr double k_symmetry_tolerance = 1e-12;    // correlation matrix entries
constexpr double k_eigenvalue_tolerance = 1e-10;  // rounding in a PSD matrix's eigenvalues

// A common correlation c gives eigenvalues 1 + (K-1)c and 1 - c, so it is
// positive semi-definite exactly when c >= -1/(K-1).
Eigen::MatrixXd common_correlation(const Context& context, const toml::node& node, Eigen::Index k,
                                   const std::string& label) {
  const double lowest = k > 1 ? -1.0 / static_cast<double>(k - 1) : -1.0;
  const Interval allowed = Interval::closed(std::max(-1.0, lowest), 1.0);
  const double c = number_value(context, node, label);
  if (!allowed.contains(c)) {
    const std::string why = allowed.low > -1.0
                                ? fmt::format(
                                      " for {} indicators (below -1/(K-1) it is not positive "
                                      "semi-definite)",
                                      k)
                                : "";
    context.fail(&node, fmt::format("{} = {} is outside {}{}", label, describe(node),
                                    allowed.text(), why));
  }
  Eigen::MatrixXd correlation = Eigen::MatrixXd::Constant(k, k, c);
  correlation.diagonal().setOnes();
  return correlation;
}

Eigen::MatrixXd matrix_entries(const Context& context, const toml::array& rows, Eigen::Index k,
                               const std::string& label) {
  const ScenarioKey& entries = keys::row(keys::performance, "correlation");
  if (static_cast<Eigen::Index>(rows.size()) != k) {
    context.fail(&rows,
                 fmt::format("{} has {} row{}; it must be {} x {} (one row per indicator, in "
                             "file order)",
                             label, rows.size(), rows.size() == 1 ? "" : "s", k, k));
  }
  Eigen::MatrixXd correlation(k, k);
  for (Eigen::Index i = 0; i < k; ++i) {
    const toml::node& row_node = *rows.get(static_cast<std::size_t>(i));
    const auto* row = row_node.as_array();
    if (row == nullptr || static_cast<Eigen::Index>(row->size()) != k) {
      context.fail(&row_node, fmt::format("{} row {} = {} must be a list of {} numbers", label,
                                          i + 1, describe(row_node), k));
    }
    for (Eigen::Index j = 0; j < k; ++j) {
      correlation(i, j) = number_within(context, *row->get(static_cast<std::size_t>(j)),
                                        fmt::format("{} row {}, column {}", label, i + 1, j + 1),
                                        entries.allowed);
    }
  }
  return correlation;
}

void check_correlation_matrix(const Context& context, const toml::array& rows,
                              const Eigen::MatrixXd& correlation, const std::string& label) {
  const auto entry = [&](Eigen::Index i, Eigen::Index j) {
    return rows.get(static_cast<std::size_t>(i))->as_array()->get(static_cast<std::size_t>(j));
  };
  for (Eigen::Index i = 0; i < correlation.rows(); ++i) {
    if (correlation(i, i) != 1.0) {
      context.fail(entry(i, i),
                   fmt::format("{} row {}, column {} = {} must be "
                               "1 (a correlation matrix has a unit diagonal)",
                               label, i + 1, i + 1, shortest(correlation(i, i))));
    }
    for (Eigen::Index j = 0; j < i; ++j) {
      if (std::abs(correlation(i, j) - correlation(j, i)) > k_symmetry_tolerance) {
        context.fail(entry(i, j),
                     fmt::format("{} is not symmetric: row {}, column {} = {} "
                                 "but row {}, column {} = {} (they must agree within 1e-12)",
                                 label, i + 1, j + 1, shortest(correlation(i, j)), j + 1, i + 1,
                                 shortest(correlation(j, i))));
      }
    }
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(correlation, Eigen::EigenvaluesOnly);
  const double smallest = correlation.rows() > 0 ? solver.eigenvalues().minCoeff() : 0.0;
  if (smallest < -k_eigenvalue_tolerance) {
    context.fail(&rows, fmt::format("{} is not positive semi-definite: its "
                                    "smallest eigenvalue is {} (must be >= -1e-10)",
                                    label, shortest(smallest)));
  }
}

}  // namespace

Eigen::MatrixXd read_correlation(const Section& performance, std::size_t indicator_count) {
  const auto k = static_cast<Eigen::Index>(indicator_count);
  const toml::node* node = performance.find("correlation");
  if (node == nullptr) return Eigen::MatrixXd::Identity(k, k);
  const Context& context = performance.context();
  const std::string label = performance.label("correlation");
  const auto* rows = node->as_array();
  if (rows == nullptr) {
    if (!node->is_number()) {
      context.fail(node, fmt::format("{} = {} must be a number in [-1, 1] or "
                                     "a {} x {} matrix (a list of lists)",
                                     label, describe(*node), k, k));
    }
    return common_correlation(context, *node, k, label);
  }
  Eigen::MatrixXd correlation = matrix_entries(context, *rows, k, label);
  check_correlation_matrix(context, *rows, correlation, label);
  // Exactly symmetric, so the engine's factorisation sees one matrix.
  const Eigen::MatrixXd symmetric = (correlation + correlation.transpose()) / 2.0;
  return symmetric;
}

void check_correlation_entries(const Context& context, const toml::node& node,
                               const std::string& label) {
  const Interval& allowed = keys::row(keys::performance, "correlation").allowed;
  const auto* rows = node.as_array();
  if (rows == nullptr) {
    if (!node.is_number()) {
      context.fail(&node, fmt::format("{} = {} must be a number in [-1, 1] or a K x K matrix (a "
                                      "list of lists)",
                                      label, describe(node)));
    }
    number_within(context, node, label, allowed);
    return;
  }
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const toml::node& row_node = *rows->get(i);
    const auto* row = row_node.as_array();
    if (row == nullptr) {
      context.fail(&row_node, fmt::format("{} row {} = {} must be a list of numbers", label, i + 1,
                                          describe(row_node)));
    }
    for (std::size_t j = 0; j < row->size(); ++j) {
      number_within(context, *row->get(j), fmt::format("{} row {}, column {}", label, i + 1, j + 1),
                    allowed);
    }
  }
}

}  // namespace shortfall
