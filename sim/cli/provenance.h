// Where a results file came from: the facts a file records about the run
// that made it (docs/model.md section 7: program_version, git_revision, created_utc,
// command_line, host), and the text of `shortfall --version`. Gathered here
// only, so `run`, `merge` and `--version` say the same thing.
#pragma once

#include <string>

namespace shortfall {

// The program's version, e.g. "0.1.0" (CMake's project version).
std::string program_version();
// The git revision the program was built from, e.g. "d79067d1a2b3" or
// "d79067d1a2b3-modified"; "unknown" outside a git checkout.
std::string git_revision();
// `shortfall --version`: "0.1.0 (d79067d1a2b3), with MPI".
std::string version_text();

// Now, in UTC, to the second: "2026-12-06T14:03:27Z".
std::string utc_now();
// This machine's name, or "unknown".
std::string host_name();
// The arguments as one line, an argument with a space or a quote in single
// quotes: "shortfall run 'my scenario.toml' --runs 10".
std::string joined_command_line(int argc, const char* const* argv);

}  // namespace shortfall
