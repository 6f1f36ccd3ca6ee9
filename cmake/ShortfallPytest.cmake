# pytest files as ctest tests, one test per file named <label>/<file without
# test_>, each with its own temporary folder under the build tree. Used by
# tests/e2e and tests/python.
#
# Debian's interpreter unless told otherwise: another python3 on PATH may not
# see Debian's packages. Sets shortfall_pytest_found.
if(NOT Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
  set(Python3_EXECUTABLE /usr/bin/python3 CACHE FILEPATH "Python with Debian's packages")
endif()
find_package(Python3 COMPONENTS Interpreter)
set(shortfall_pytest_found ${Python3_Interpreter_FOUND})

# shortfall_add_pytests(LABEL e2e TIMEOUT 600 ENVIRONMENT "A=1;B=2" FILES test_x test_y)
function(shortfall_add_pytests)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "ENVIRONMENT;FILES" ${ARGN})
  foreach(name IN LISTS ARG_FILES)
    string(REPLACE "test_" "" short_name ${name})
    add_test(NAME ${ARG_LABEL}/${short_name}
      COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider
              --basetemp=${CMAKE_CURRENT_BINARY_DIR}/pytest-${short_name}
              ${CMAKE_CURRENT_SOURCE_DIR}/${name}.py)
    # no __pycache__ in the source tree
    set_tests_properties(${ARG_LABEL}/${short_name} PROPERTIES
      LABELS ${ARG_LABEL}
      TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "SHORTFALL_BIN=$<TARGET_FILE:shortfall>;SHORTFALL_SOURCE_DIR=${PROJECT_SOURCE_DIR};PYTHONDONTWRITEBYTECODE=1;${ARG_ENVIRONMENT}")
  endforeach()
endfunction()
