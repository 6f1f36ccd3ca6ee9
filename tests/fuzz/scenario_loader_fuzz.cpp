// Fuzz target: scenario TOML text -> a validated study, or a clean
// ScenarioError. Never a crash, a hang, or another exception; and what
// loads must round-trip: the resolved text loads back to the same resolved
// text (docs/scenario-keys.md "The resolved scenario"), the property that
// results files, --resume and --extend rely on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_target.h"
#include "sim/input/scenario_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shortfall;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)scenario_title(text);
  std::string resolved;
  try {
    resolved = load_study_text(text, "fuzz.toml").resolved_toml;
  } catch (const ScenarioError&) {
    return 0;
  }
  try {
    if (load_study_text(resolved, "resolved.toml").resolved_toml != resolved)
      fuzz::broken("the resolved scenario does not load back to itself");
  } catch (const ScenarioError& error) {
    fuzz::broken(std::string("the resolved scenario does not load: ") + error.what());
  }
  return 0;
}
