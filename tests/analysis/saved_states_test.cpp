// The group `state` of a results file, written and read back.
#include "analysis/saved_states.h"

#include <array>
#include <filesystem>
#include <vector>

#include <catch2/catch.hpp>
#include <hdf5.h>

#include "analysis/hdf5_handles.h"
#include "analysis/results_data.h"
#include "analysis/tally_serialization.h"

namespace shortfall {
namespace {

namespace fs = std::filesystem;

constexpr TallyShape k_shape{2, 3, 1, false};

// A tally of `runs` runs with made-up values, as its merged state.
ScenarioTally made_up_tally(int runs) {
  ScenarioTally tally(k_shape);
  BlockTally block(k_shape, 0, runs);
  for (int j = 0; j < runs; ++j) {
    for (int s = 0; s < k_shape.structures; ++s) {
      const std::array<double, 3> cash{1.0e6 * j - 2.0e6 * s, 3.0e5 * j, -4.0e4 * j};
      RunOutcome outcome;
      outcome.min_cash = -4.0e4 * j;
      outcome.end_cash = cash.back();
      outcome.support = 4.0e4 * j;
      const std::array<double, 1> achievement{0.5};
      block.record(s, j, outcome, cash, achievement);
    }
  }
  tally.add(std::move(block));
  return tally;
}

fs::path written(const fs::path& path, int scenarios, const SavedStatesSource& source) {
  silence_hdf5_error_printing();
  H5Handle file = H5Handle::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                 "creating");
  write_state_group(file.get(), scenarios, source);
  return path;
}

TEST_CASE("saved states: written per scenario, read back to the same state, absent as nothing",
          "[saved_states]") {
  const fs::path folder = fs::temp_directory_path() / "shortfall-saved-states-test";
  fs::create_directories(folder);
  const ScenarioTally tally = made_up_tally(37);
  const fs::path path = written(folder / "states.h5", 3, [&](int s) {
    return s == 1 ? serialize(tally) : std::vector<std::byte>{};
  });

  const std::optional<ScenarioTally> read = read_saved_state(path, 1);
  REQUIRE(read);
  CHECK(read->runs() == 37);
  CHECK(serialize(*read) == serialize(tally));
  CHECK_FALSE(read_saved_state(path, 0));
  CHECK_FALSE(read_saved_state(path, 2));

  SECTION("a file without the group holds no state") {
    const fs::path none = written(folder / "none.h5", 0, [](int) { return std::vector<std::byte>{}; });
    silence_hdf5_error_printing();
    H5Handle file = H5Handle::file(H5Fcreate((folder / "bare.h5").c_str(), H5F_ACC_TRUNC,
                                             H5P_DEFAULT, H5P_DEFAULT),
                                   "creating");
    file.close("closing");
    CHECK_FALSE(read_saved_state(folder / "bare.h5", 0));
    CHECK_FALSE(read_saved_state(none, 0));
  }
  SECTION("damaged bytes are refused, naming the file and the scenario") {
    std::vector<std::byte> damaged = serialize(tally);
    damaged[damaged.size() / 2] ^= std::byte{0x10};
    const fs::path bad = written(folder / "bad.h5", 1, [&](int) { return damaged; });
    CHECK_THROWS_WITH(read_saved_state(bad, 0),
                      Catch::Contains("bad.h5") && Catch::Contains("scenario 0") &&
                          Catch::Contains("checksum"));
  }
  fs::remove_all(folder);
}

}  // namespace
}  // namespace shortfall
