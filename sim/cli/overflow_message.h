// A study whose values overflow double precision cannot be simulated: the
// engine stops at the first value that is not finite (NonFiniteRunValue),
// and `run` and `check` refuse the study like bad input, naming where.
#pragma once

#include <string>

#include "sim/engine/engine.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

// "x.toml: design point 3: run 17 under withhold: cash in month 5 is inf: ..."
// `source` names the study: its scenario file, or the results file it came from.
std::string overflow_message(const LoadedStudy& study, const NonFiniteRunValue& overflow,
                             const std::string& source);

}  // namespace shortfall
