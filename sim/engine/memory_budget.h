// Will a study fit in memory? Checked before any work starts, so a run that
// cannot finish is refused at once with a number, instead of being killed
// by the out-of-memory killer hours in, or failing on std::bad_alloc.
//
// Exact quantiles need every run's cash in every month, so a scenario holds
// runs x structures (x providers, in a network) x (months + 3) doubles until it is finished (and each
// run's record with --keep-runs). A sweep holds at most 2 x threads + 2
// scenarios at a time (sim/engine/study_scheduler.h). docs/performance.md measured
// 972 bytes a run for 3 structures and 36 months, against 945 estimated.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "models/scenario.h"

namespace shortfall {

// Bytes of per-run values the study holds at its peak, on `threads` threads.
std::uint64_t peak_memory_estimate(std::span<const Scenario> scenarios, bool keep_runs, int threads);

// The memory this process may use: the smallest of the machine's memory, a
// cgroup's limit (a Slurm job's, a container's) and RLIMIT_AS / RLIMIT_DATA.
std::uint64_t available_memory();

// "1.4 GB", "950 MB".
std::string format_bytes(std::uint64_t bytes);

// Throws InputError naming `source` when the estimate exceeds what is available.
void require_memory_for(std::span<const Scenario> scenarios, bool keep_runs, int threads,
                        const std::string& source);

}  // namespace shortfall
