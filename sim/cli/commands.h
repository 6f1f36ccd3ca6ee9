// The command line: `run`, `check` and `summary` (INTERFACE.md).
#pragma once

namespace shortfall {

// Parses the arguments, runs the command and returns the exit code: 0
// success, 1 invalid input, 2 a failure while running. Errors are printed
// to stderr, one message each.
int run_command_line(int argc, char** argv);

}  // namespace shortfall
