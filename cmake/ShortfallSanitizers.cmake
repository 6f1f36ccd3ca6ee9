# Sanitizer and fuzzing builds (docs/reliability.md).
#
#   -DSHORTFALL_SANITIZE=address,undefined   ASan + UBSan (scripts/test --sanitize)
#   -DSHORTFALL_SANITIZE=thread              TSan (the engine's parallel tests)
#   -DSHORTFALL_FUZZ=ON                      libFuzzer targets (clang only; implies
#                                            address,undefined unless told otherwise)
#
# A sanitizer has to see every translation unit of the program (libraries,
# executable, tests, fuzz targets): ASan misses what is not instrumented and
# TSan reports races that are not there. So, unlike the warnings, these are
# directory-wide compile and link options, set only when asked for.
set(SHORTFALL_SANITIZE "" CACHE STRING
    "Sanitizers to build with: address,undefined | thread | empty for none")
option(SHORTFALL_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(SHORTFALL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SHORTFALL_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
  endif()
  if(SHORTFALL_SANITIZE STREQUAL "")
    set(SHORTFALL_SANITIZE "address,undefined" CACHE STRING "" FORCE)
  endif()
endif()

if(NOT SHORTFALL_SANITIZE STREQUAL "")
  if(NOT SHORTFALL_SANITIZE MATCHES "^(address,undefined|address|undefined|thread)$")
    message(FATAL_ERROR "SHORTFALL_SANITIZE=${SHORTFALL_SANITIZE}: expected address,undefined, "
                        "address, undefined or thread")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang|GNU")
    message(FATAL_ERROR "SHORTFALL_SANITIZE needs clang or gcc")
  endif()
  set(shortfall_sanitizer_flags -fsanitize=${SHORTFALL_SANITIZE} -fno-omit-frame-pointer)
  if(SHORTFALL_SANITIZE MATCHES "undefined")
    # A report must fail the test that triggered it, not scroll past.
    list(APPEND shortfall_sanitizer_flags -fno-sanitize-recover=all)
  endif()
  # Line tables are enough for symbolised reports and cost little to build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    list(APPEND shortfall_sanitizer_flags -gline-tables-only)
  else()
    list(APPEND shortfall_sanitizer_flags -g1)
  endif()
  if(SHORTFALL_SANITIZE STREQUAL "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # TBB's headers uninstrumented, like libtbb.so: see the file for why.
    list(APPEND shortfall_sanitizer_flags
         -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/tests/sanitizers/tsan-ignorelist.txt)
  endif()
  add_compile_options(${shortfall_sanitizer_flags})
  add_link_options(${shortfall_sanitizer_flags})
endif()

if(SHORTFALL_FUZZ)
  # Coverage feedback from every library the fuzz targets call into; only the
  # targets themselves link libFuzzer's main (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# toml++ parses the scenario text, the input most exposed to mistakes. Debian
# ships it as a shared library, which no sanitizer instruments; in sanitizer
# and fuzz builds it is compiled from its headers into shortfall_toml_parser
# instead, so ASan watches its memory and libFuzzer sees its branches.
# Every other build links Debian's library. Targets link shortfall::toml.
add_library(shortfall_toml INTERFACE)
add_library(shortfall::toml ALIAS shortfall_toml)
if(SHORTFALL_SANITIZE STREQUAL "")
  target_link_libraries(shortfall_toml INTERFACE tomlplusplus::tomlplusplus)
else()
  add_library(shortfall_toml_parser STATIC ${CMAKE_CURRENT_LIST_DIR}/toml_implementation.cpp)
  target_include_directories(shortfall_toml_parser SYSTEM PUBLIC
    $<TARGET_PROPERTY:tomlplusplus::tomlplusplus,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_definitions(shortfall_toml_parser PUBLIC TOML_HEADER_ONLY=0)
  target_compile_features(shortfall_toml_parser PUBLIC cxx_std_17)
  target_link_libraries(shortfall_toml INTERFACE shortfall_toml_parser)
  # toml++ 3.3.0 reaches __builtin_unreachable() for some non-ASCII code
  # points where it looks for whitespace (found by scripts/fuzz; upstream
  # marzer/tomlplusplus#190 and #295, fixed after 3.3.0). UBSan would stop
  # every test there. Only that check, only in toml++'s own code, is off;
  # tests/sim/input/toml_unicode_test.cpp runs every such code point through the
  # loader in every build and requires a clean error.
  if(SHORTFALL_SANITIZE MATCHES "undefined")
    target_compile_options(shortfall_toml_parser PRIVATE -fno-sanitize=unreachable)
  endif()
endif()
