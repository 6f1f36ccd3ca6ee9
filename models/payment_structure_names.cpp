// Names of payment structures: the `structure` coordinate of results files
// (results files, --set and sweep keys), so they must be stable and one name must mean one fraction.
#include <charconv>
#include <stdexcept>
#include <string>

#include "scenario.h"

namespace shortfall {
namespace {

// Shortest decimal text that reads back as the same double: two different
// fractions never share a name, and 0.5 reads as "0.5", not "0.50000".
std::string shortest_decimal(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

PaymentStructure PaymentStructure::from_fraction(double h) {
  // The loader validates fractions; this guards other callers, NaN included.
  if (!(h >= 0.0 && h <= 1.0)) {
    throw std::invalid_argument("withhold fraction " + shortest_decimal(h) + " is outside [0, 1]");
  }
  if (h == 0.0) return bonus();
  if (h == 1.0) return withhold();
  return {"hybrid_" + shortest_decimal(h), h, false};
}

}  // namespace shortfall
