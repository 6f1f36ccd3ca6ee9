// The instruction-set path: which vector instructions the Philox batch
// (sim/engine/philox_batch.h) and the indicator step (indicator.cpp) use
// (docs/model.md, "The same bits on every CPU"). Every path gives the same
// bits; only the speed differs.
//
// The path: the best the CPU has, or the one the environment variable
// SHORTFALL_ISA names (scalar, avx2, avx512); an unknown name, or a path
// the CPU lacks, is an error naming the value and the paths it has.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace shortfall {

enum class Isa { scalar, avx2, avx512 };

// "scalar", "avx2", "avx512".
const char* isa_name(Isa isa);
// The paths this CPU can run, scalar first.
std::vector<Isa> isas_supported();
// The path in use: SHORTFALL_ISA when set (read once), else the best
// supported. Throws IsaError for an unknown or unsupported value.
Isa isa_in_use();

class IsaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a value of SHORTFALL_ISA: the path it names, or IsaError naming the
// value, the allowed names and the paths this CPU has.
Isa isa_from_text(const std::string& value);

}  // namespace shortfall
