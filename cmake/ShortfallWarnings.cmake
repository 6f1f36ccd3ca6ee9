# Warnings through an interface target, never through global flags.
add_library(shortfall_warnings INTERFACE)
add_library(shortfall::warnings ALIAS shortfall_warnings)
target_compile_options(shortfall_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>)
