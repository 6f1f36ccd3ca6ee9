// The I/O behind the run plan: what is at a run's output, described as the
// plain values plan_run (run_plan.h) decides from.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "sim/cli/output_lock.h"
#include "sim/cli/run_plan.h"
#include "sim/engine/checkpoint.h"

namespace shortfall {

struct LookedAtOutput {
  OutputOnDisk disk;
  // The output's lock, when this process got it: hold it until the run is
  // over, so nothing changes between looking and running.
  std::optional<OutputLock> lock;
};

// Looks at what plan_run needs for `asked`: whether the results file
// exists; then, when plan_needs_lock, takes the output's lock and, under it,
// whether the saved state exists, whether it is of the run `identity` (for
// --resume and --extend), and, for a --resume that finds no saved state, the
// results file's seed, scenario and completeness. When another process holds
// the lock it looks at nothing more. Throws InputError when that results
// file cannot be read, RunFailure when the lock file cannot be made or the
// saved state's folder cannot be listed.
LookedAtOutput look_at_output(const std::filesystem::path& output, const RunIdentity& identity,
                              const RunAsked& asked);

}  // namespace shortfall
