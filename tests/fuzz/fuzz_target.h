// What the fuzz targets share. Each target is a libFuzzer entry point,
// LLVMFuzzerTestOneInput, built two ways (tests/fuzz/CMakeLists.txt): with
// libFuzzer under clang and SHORTFALL_FUZZ=ON, to search for inputs that
// crash, hang or break an invariant; and in every build with replay_main.cpp,
// so that ctest runs the regression inputs found so far.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace shortfall::fuzz {

// An invariant failed: a finding, reported like a crash so libFuzzer keeps
// the input.
[[noreturn]] inline void broken(std::string_view what) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace shortfall::fuzz
