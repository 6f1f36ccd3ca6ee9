// Will a study fit in memory? Checked before any work starts, so a run that
// cannot finish is refused at once with a number, instead of being killed
// by the out-of-memory killer hours in, or failing on std::bad_alloc.
//
// A scenario's merged state does not grow with its runs: a quantile sketch
// (analysis/quantile_sketch.h) for every month's cash and for minimum cash,
// end cash and support, per structure (x provider, in a network). With
// --keep-runs it also holds every block: runs x structures x (months + 3)
// doubles and each run's record. A sweep holds at most 2 x threads + 2
// scenarios at a time (sim/engine/study_scheduler.h), and about as many
// blocks of 1,000 runs are in flight. docs/performance.md has the figures.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "models/scenario.h"

namespace shortfall {

// A sketch's allowance: a count for every bucket between its lowest and
// highest value, 8,192 buckets (64 KiB): values from -£134m to +£134m
// (seven binary orders of magnitude above £1m on each side of zero).
// Measured sketches of the shipped scenarios hold fewer.
inline constexpr std::uint64_t k_sketch_allowance = 8192 * sizeof(std::int64_t);

// What a scenario's tally keeps of every run besides its merged state.
enum class KeptPerRun {
  nothing,  // run, solve: the merged state only
  values,   // decompose: every block's per-run values
  records,  // --keep-runs: the values and every run's record
};

// Bytes of tallies the study holds at its peak, on `threads` threads.
std::uint64_t peak_memory_estimate(std::span<const Scenario> scenarios, KeptPerRun kept, int threads);

// The memory this process may use: the smallest of the machine's memory, a
// cgroup's limit (a Slurm job's, a container's) and RLIMIT_AS / RLIMIT_DATA.
std::uint64_t available_memory();

// "1.4 GB", "950 MB".
std::string format_bytes(std::uint64_t bytes);

// Throws InputError naming `source` when the estimate exceeds what is available.
void require_memory_for(std::span<const Scenario> scenarios, KeptPerRun kept, int threads,
                        const std::string& source);

}  // namespace shortfall
