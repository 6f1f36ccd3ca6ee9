#include "sim/cli/output_on_disk.h"

#include <system_error>
#include <utility>
#include <variant>

#include "sim/cli/results_io.h"
#include "sim/engine/errors.h"

namespace shortfall {

namespace fs = std::filesystem;

LookedAtOutput look_at_output(const fs::path& output, const RunIdentity& identity,
                              const RunAsked& asked) {
  LookedAtOutput looked;
  OutputOnDisk& disk = looked.disk;
  disk.output = output;
  disk.saved_state_folder = Checkpoint::folder_for(output);
  std::error_code error;
  disk.results_file = fs::exists(output, error);
  if (!plan_needs_lock(asked, disk.results_file)) return looked;

  auto taken = OutputLock::try_take(output);
  if (auto* refusal = std::get_if<std::string>(&taken)) {
    disk.other_writer = std::move(*refusal);
    return looked;
  }
  looked.lock.emplace(std::move(std::get<OutputLock>(taken)));

  if (Checkpoint::exists(disk.saved_state_folder)) {
    disk.saved_state = SavedState::unchecked;
    if (plan_compares_saved_state(asked)) {
      auto difference = Checkpoint::difference(disk.saved_state_folder, identity);
      disk.saved_state = difference ? SavedState::another_run : SavedState::this_run;
      if (difference) disk.saved_state_difference = std::move(*difference);
    }
  }
  if (plan_reads_results_file(asked, disk.results_file, disk.saved_state)) {
    const ResultsData existing = read_results_input(output);
    disk.results = ResultsFileFacts{existing.meta.seed, existing.meta.scenario_toml,
                                    existing.meta.complete == 1};
  }
  return looked;
}

}  // namespace shortfall
