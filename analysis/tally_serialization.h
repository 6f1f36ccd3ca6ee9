// A block tally as bytes, for MPI messages and checkpoints.
//
// Little-endian whatever the host, and self-checking: a magic tag and format
// version up front, a checksum at the end. Reading checks every length
// before it allocates or copies, so truncated, foreign or damaged bytes end
// in std::runtime_error, never in a wrong tally. A round trip gives the same
// bits (NaN payloads and -0.0 included).
//
// Layout, version 1 (i32/i64/u8/u32/u64 integers, f64 IEEE doubles):
//   "SFBLOCK\0" (8 bytes), u32 version
//   i32 structures, i32 months, i32 indicators, u8 keep_runs
//   i64 first_run, i32 run_count
//   i32 recorded_runs[structure]
//   per structure, the Sums: i64 shortfalls, diff_plus, diff_minus,
//     first_shortfall_month_sum, months_in_shortfall_sum; six ExactSums
//     (min_cash, support, earned_fraction, received, receivable,
//     commissioner_cost); i64 first_shortfall_by_month[T+1];
//     ExactSum achievement_sum[K]
//   f64 cash_by_month[structure][month][run]
//   f64 min_cash_by_run, end_cash_by_run, support_by_run [structure][run]
//   u8 shortfall_flags[structure][run]
//   keep_runs only, RunOutcome[structure][run]: u8 shortfall,
//     i32 first_shortfall_month, i32 months_in_shortfall, f64 min_cash,
//     end_cash, support, pot, earned, received, receivable, earned_fraction,
//     commissioner_cost
//   u64 checksum of everything before it
// An ExactSum is u8 flags (its special flags; bit 7 set when the limbs above
// the stored ones are all ones, i.e. the sum is negative), u8 first stored
// limb, u8 stored limb count, then the stored u64 limbs; limbs below are 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "tally.h"

namespace shortfall {

inline constexpr std::uint32_t k_block_tally_format_version = 2;  // 2: providers

std::vector<std::byte> serialize(const BlockTally& block);

// Throws std::runtime_error when `bytes` is not a whole, intact block tally
// of a known format version.
BlockTally deserialize_block_tally(std::span<const std::byte> bytes);

// A scenario tally's merged state (ScenarioTally::state(), without blocks),
// for checkpoints, shard parts and the results file's saved state. Same
// framing as a block: "SFSTATE\0", u32 version, then i32 structures,
// months, indicators, providers, i64 first_run, runs, the Sums of every
// column as above, i64 any_shortfall[structure], then the sketches
// (analysis/quantile_sketch.h) of cash [column][month], minimum cash, end
// cash and support [column]; u64 checksum.
inline constexpr std::uint32_t k_merged_state_format_version = 1;
std::vector<std::byte> serialize(const ScenarioTally& tally);
// Throws std::runtime_error when `bytes` is not a whole, intact merged state.
ScenarioTally deserialize_scenario_tally(std::span<const std::byte> bytes);
// The bytes are a merged state rather than a block (their tag).
bool is_merged_state(std::span<const std::byte> bytes);

// Finished work of a scenario as it is saved (checkpoints, shard parts): a
// block, or the merged state of consecutive blocks.
using SavedWork = std::variant<BlockTally, ScenarioTally>;
std::vector<std::byte> serialize(const SavedWork& work);
// By the bytes' tag; throws std::runtime_error as the two above.
SavedWork deserialize_saved_work(std::span<const std::byte> bytes);
// The work a tally holds: its blocks when it keeps them, else its state.
std::vector<SavedWork> saved_work_of(const ScenarioTally& tally);
// Adds the work to `tally`, which it must continue (std::logic_error if not).
void add_saved_work(ScenarioTally& tally, SavedWork work);
std::int64_t first_run_of(const SavedWork& work);

}  // namespace shortfall
