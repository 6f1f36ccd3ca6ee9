#include "isa.h"

#include <cstdlib>

namespace shortfall {

namespace {

bool cpu_has(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return true;
    case Isa::avx2:
      return __builtin_cpu_supports("avx2");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");  // DQ: 64-bit integer to double (binomial_batch.cpp)
  }
  return false;
}

constexpr Isa k_every_isa[] = {Isa::scalar, Isa::avx2, Isa::avx512};

std::string supported_names() {
  std::string names;
  for (const Isa isa : isas_supported()) names += (names.empty() ? "" : ", ") + std::string(isa_name(isa));
  return names;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar:
      return "scalar";
    case Isa::avx2:
      return "avx2";
    case Isa::avx512:
      return "avx512";
  }
  return "?";
}

std::vector<Isa> isas_supported() {
  std::vector<Isa> found;
  for (const Isa isa : k_every_isa) {
    if (cpu_has(isa)) found.push_back(isa);
  }
  return found;
}

Isa isa_from_text(const std::string& value) {
  for (const Isa isa : k_every_isa) {
    if (value != isa_name(isa)) continue;
    if (!cpu_has(isa)) {
      throw IsaError("SHORTFALL_ISA=" + value + ": this CPU has no " + value + " instructions; it can run " +
                     supported_names());
    }
    return isa;
  }
  throw IsaError("SHORTFALL_ISA=" + value + " is not a path: one of scalar, avx2, avx512 (this CPU can run " +
                 supported_names() + "), or unset for the best it has");
}

Isa isa_in_use() {
  static const Isa chosen = [] {
    const char* forced = std::getenv("SHORTFALL_ISA");
    if (forced != nullptr && *forced != '\0') return isa_from_text(forced);
    return isas_supported().back();
  }();
  return chosen;
}

}  // namespace shortfall
