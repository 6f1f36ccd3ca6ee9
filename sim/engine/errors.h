// The two kinds of failure the command line tells apart (the README's exit
// codes): invalid input, exit 1, and a failure while running, exit 2.
#pragma once

#include <stdexcept>

namespace shortfall {

// Options, an output path that cannot be used, a file that does not match.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Disk full, I/O error, interrupted: the input was fine but the run failed.
class RunFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace shortfall
