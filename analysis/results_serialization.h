// A scenario's statistics as bytes, for checkpoints: a finished scenario is
// kept on disk so that an interrupted run resumes without recomputing it.
//
// The same conventions as tally_serialization.h: little-endian whatever the
// host, a magic tag and format version up front, a checksum at the end, and
// every length checked before anything is allocated, so truncated, foreign
// or damaged bytes end in std::runtime_error, never in wrong statistics. A
// round trip gives the same bits (NaN payloads and -0.0 included).
//
// Layout, version 1 (i32/i64/u32/u64 integers, f64 IEEE doubles):
//   "SFRESLT\0" (8 bytes), u32 version
//   i64 runs_done
//   i32 structure_count (S), i32 month_count (T), i32 indicator_count (K),
//   i32 quantile_count (Q, must be k_quantile_count)
//   19 arrays, in the order of ScenarioResults' members, each u64 element
//   count then the f64 elements. The count must be the one the dimensions
//   give: S for the per-structure arrays, S*T for shortfall_by_month, S*T*Q
//   for cash_quantiles, S*Q for min_cash_quantiles and end_cash_quantiles,
//   S*K for indicator_achievement_mean.
//   u64 checksum of everything before it (FNV-1a over 64-bit words, as in
//   tally_serialization.cpp)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "scenario_results.h"

namespace shortfall {

inline constexpr std::uint32_t k_scenario_results_format_version = 2;  // 2: provider_count, p_any_shortfall

// Throws std::logic_error when an array's size is not the one the counts
// give (such results could not be read back).
std::vector<std::byte> serialize(const ScenarioResults& results);

// Throws std::runtime_error when `bytes` are not whole, intact scenario
// results of a known format version.
ScenarioResults deserialize_scenario_results(std::span<const std::byte> bytes);

}  // namespace shortfall
