// [sweep]: one scenario file as a study of many design points, each the
// base scenario with the swept keys set, and each validated as a whole
// (docs/sweeps.md).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/input/reading.h"
#include "sim/input/sweep_design.h"

namespace shortfall {

struct SweepParameter {
  std::string key;
  const toml::node* node = nullptr;  // its value in the file
  std::string origin;                // FILE:LINE of the value
  std::vector<DesignValue> values;   // grid, zip
  LatinHypercubeRange range;         // lhs, sobol
};

struct SweepTable {
  std::string mode = "grid";
  bool common_random_numbers = true;
  int points = 0;  // lhs: points; sobol: base rows N
  const toml::node* anchor = nullptr;
  std::vector<SweepParameter> parameters;  // in file order
};

// lhs and sobol: each key takes a range and `points` is required.
bool sweeps_ranges(const SweepTable& sweep);

SweepTable read_sweep_table(const toml::table& document, const Context& context);
// --sweep KEY=V1,V2,... (repeatable): a grid over the given keys. A key
// of the file's grid takes the given values in its place; other keys are
// added after the file's. The file's lhs, zip or sobol [sweep] must be
// replaced whole (one [sweep] table cannot hold both designs): every key of
// it given with --sweep, or dropped by --set first; it then becomes a grid.
// Errors name "--sweep ARGUMENT". `sweep` of a file without [sweep] is an
// empty grid.
void apply_command_line_sweeps(SweepTable& sweep, std::span<const std::string> arguments);
// A swept key whose every value a --set writes is fixed there: the sweep
// drops it (the design is that of the keys left).
void drop_keys_set_by_overrides(const toml::table& document, SweepTable& sweep,
                                std::span<const std::string> overrides, Context& context);
// Every swept key must name existing tables, and no two overrides (swept keys
// or --set) may write the same value: the later would silently win.
void check_sweep_targets(const toml::table& document, const SweepTable& sweep,
                         std::span<const std::string> overrides, Context& context);
Design make_design(const SweepTable& sweep, std::uint64_t seed, const Context& context);
// The [sweep] table as read, for the resolved text.
std::string sweep_to_toml(const SweepTable& sweep);
// "contract.outcome_share = 0.05, provider.opening_cash = 0"
std::string describe_point(const SweepTable& sweep, const std::vector<DesignValue>& point);
// A design value as TOML, for set_key.
std::string toml_value(const DesignValue& value);

}  // namespace shortfall
