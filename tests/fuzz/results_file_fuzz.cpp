// Fuzz target: arbitrary bytes as a results file, read the way `summary`,
// `merge`, `--resume` and `--extend` read one -> their data or a clean
// ResultsFileError.
//
// The bytes are parsed without read_results_file's defences (the envelope's
// checksum and the child process, analysis/results_file.h): the checksum
// would stop almost every mutated input before HDF5, and a crash in a child
// process is invisible to libFuzzer. So this target finds what those
// defences must absorb: crashes inside HDF5 itself (run it with
// -fork=1 -ignore_crashes=1, as scripts/fuzz does) as well as any crash,
// hang or stray exception in shortfall's own reader, envelope parser, block
// deserialiser, estimators and summary table. Crashes inside HDF5 go to
// tests/fuzz/hdf5-crashes/ and are tested through the defended reader
// (tests/e2e/test_faults.py); crashes in shortfall's code are fixed
// and go to tests/fuzz/regressions/results_file/.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <system_error>

#include "analysis/results_envelope.h"
#include "analysis/results_file.h"
#include "analysis/summary_table.h"
#include "analysis/tally.h"
#include "analysis/tally_serialization.h"
#include "sim/input/scenario_loader.h"

namespace {

namespace fs = std::filesystem;

// One scratch file per process (libFuzzer's fork mode runs several),
// removed when the process exits.
struct ScratchFile {
  fs::path path;
  ScratchFile() {
    const fs::path shm("/dev/shm");
    std::error_code error;
    const fs::path folder = fs::is_directory(shm, error) ? shm : fs::temp_directory_path();
    path = folder / ("shortfall-fuzz-" + std::to_string(::getpid()) + ".h5");
  }
  ~ScratchFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

const fs::path& scratch_file() {
  static const ScratchFile file;
  return file.path;
}

// What merge does with a part file's blocks of one scenario.
void merge_blocks(const fs::path& path, int scenario) {
  using namespace shortfall;
  const std::vector<std::byte> bytes = read_shard_blocks(path, scenario);
  std::optional<ScenarioTally> tally;
  for (const std::span<const std::byte> block_bytes : split_shard_blocks(bytes, path, scenario)) {
    try {
      BlockTally block = deserialize_block_tally(block_bytes);
      if (!tally) tally.emplace(block.shape(), block.first_run());
      tally->add(std::move(block));
    } catch (const std::exception&) {
      return;  // damaged bytes (runtime_error), or blocks that do not follow on (logic_error)
    }
  }
  if (tally) (void)tally->finalize();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace shortfall;
  const auto bytes = std::as_bytes(std::span(data, size));
  try {
    (void)parse_envelope(bytes, k_format_version_major);
  } catch (const EnvelopeError&) {
  }
  const fs::path& path = scratch_file();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    (void)verify_envelope(path, k_format_version_major);
  } catch (const EnvelopeError&) {
  }
  try {
    const ResultsData results = read_results_file_unguarded(path);
    // summary
    (void)format_summary_table(results, scenario_title(results.meta.scenario_toml));
    // merge
    for (const int scenario : results.shard.block_scenarios) merge_blocks(path, scenario);
  } catch (const ResultsFileError&) {
  }
  return 0;
}
