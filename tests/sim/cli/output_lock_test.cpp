// One writer per results file: a second lock on the same output is refused
// while the first is held, from this process or another, and a lock whose
// holder died is free again.
#include "sim/cli/output_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>

#include "sim/engine/errors.h"

namespace fs = std::filesystem;
using namespace shortfall;

namespace {

fs::path scratch_folder() {
  const fs::path folder =
      fs::temp_directory_path() / ("shortfall_output_lock_test_" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

}  // namespace

TEST_CASE("output lock: a second writer is refused, naming the file and the holder", "[output_lock]") {
  const fs::path folder = scratch_folder();
  const fs::path output = folder / "study.h5";
  {
    const OutputLock first(output);
    CHECK(fs::exists(folder / ".study.h5.lock"));
    // flock locks belong to the open file, so a second open in the same
    // process conflicts just as another process would.
    CHECK_THROWS_AS(OutputLock(output), InputError);
    CHECK_THROWS_WITH(OutputLock(output),
                      Catch::Contains(output.string()) &&
                          Catch::Contains("process " + std::to_string(::getpid())) &&
                          Catch::Contains("is writing this results file"));
    // Another file in the same folder is another lock.
    CHECK_NOTHROW(OutputLock(folder / "other.h5"));
  }
  CHECK_FALSE(fs::exists(folder / ".study.h5.lock"));
  CHECK_NOTHROW(OutputLock(output));
  fs::remove_all(folder);
}

TEST_CASE("output lock: a lock left by a killed process blocks nothing", "[output_lock]") {
  const fs::path folder = scratch_folder();
  const fs::path output = folder / "study.h5";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t holder = ::fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    const OutputLock lock(output);
    const char byte = 1;
    (void)::write(ready[1], &byte, 1);
    while (true) ::pause();
  }
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  CHECK_THROWS_WITH(OutputLock(output), Catch::Contains("process " + std::to_string(holder)));
  ::kill(holder, SIGKILL);  // no destructor runs: the lock file stays
  int status = 0;
  ::waitpid(holder, &status, 0);
  CHECK(fs::exists(folder / ".study.h5.lock"));
  CHECK_NOTHROW(OutputLock(output));
  ::close(ready[0]);
  ::close(ready[1]);
  fs::remove_all(folder);
}

TEST_CASE("output lock: try_take answers a held lock with the refusal, as text", "[output_lock]") {
  const fs::path folder = scratch_folder();
  const fs::path output = folder / "study.h5";
  {
    auto first = OutputLock::try_take(output);
    REQUIRE(std::holds_alternative<OutputLock>(first));
    auto second = OutputLock::try_take(output);
    REQUIRE(std::holds_alternative<std::string>(second));
    // The same text the constructor throws.
    std::string thrown;
    try {
      const OutputLock third(output);
    } catch (const InputError& error) {
      thrown = error.what();
    }
    CHECK(std::get<std::string>(second) == thrown);
    CHECK_THAT(thrown, Catch::Contains(output.string()) &&
                           Catch::Contains("process " + std::to_string(::getpid())));
    // Moved, the lock is held once and released once.
    const OutputLock moved(std::move(std::get<OutputLock>(first)));
    CHECK(fs::exists(folder / ".study.h5.lock"));
    CHECK(std::holds_alternative<std::string>(OutputLock::try_take(output)));
  }
  CHECK_FALSE(fs::exists(folder / ".study.h5.lock"));
  CHECK(std::holds_alternative<OutputLock>(OutputLock::try_take(output)));
  fs::remove_all(folder);
}
