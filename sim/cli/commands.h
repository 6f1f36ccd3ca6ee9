// The command line (README, "Command line"): CLI11's set-up of `run`, `check`,
// `summary` and `merge`, and the dispatch to each command's own file
// (run_command.h, check_command.h, summary_command.h, merge_command.h).
#pragma once

namespace shortfall {

// Parses the arguments, runs the command and returns the exit code: 0
// success, 1 invalid input, 2 a failure while running. Errors are printed
// to stderr, one message each.
int run_command_line(int argc, char** argv);

}  // namespace shortfall
