// Invalid scenario input: where it is, and what is wrong with it.
//
// `where` is "FILE:LINE", "FILE", the "--set KEY=VALUE" argument that put a
// value there, or empty (a file that cannot be read names itself in `what`).
// Keeping the two apart lets a sweep say which design point broke a rule
// ("FILE:LINE: sweep point 3 of 0..26 (...): what") without taking a
// message apart.
#pragma once

#include <stdexcept>
#include <string>

namespace shortfall {

class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string where, std::string what)
      : std::runtime_error(where.empty() ? what : where + ": " + what),
        where_(std::move(where)),
        what_(std::move(what)) {}

  const std::string& where() const { return where_; }
  // The message without its place.
  const std::string& problem() const { return what_; }

 private:
  std::string where_;
  std::string what_;
};

}  // namespace shortfall
