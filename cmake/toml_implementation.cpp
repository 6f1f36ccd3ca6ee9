// toml++'s implementation, compiled from its headers in sanitizer and fuzz
// builds (cmake/ShortfallSanitizers.cmake) so that it is instrumented.
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
