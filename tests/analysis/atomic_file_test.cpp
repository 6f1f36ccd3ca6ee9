// The atomic file: the target appears only complete, an existing file is
// replaced whole, and a failure leaves the old file and no temporary.
#include "analysis/atomic_file.h"
#include "support/scratch_folder.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

using namespace shortfall;
namespace fs = std::filesystem;

namespace {

// A fresh, empty folder per test case.
class ScratchFolder : public testing::ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& name) : testing::ScratchFolder("atomic_file_test", name) {}
};

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_plain(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("atomic file: the target appears only when complete", "[atomic_file]") {
  const ScratchFolder scratch("appears");
  const fs::path target = scratch.path() / "out.bin";
  const fs::path temporary = scratch.path() / ".out.bin.tmp";
  {
    AtomicFile file(target, temporary);
    CHECK(names_in(scratch.path()).empty());  // nothing touched before create()
    file.create();
    file.write(bytes_of("first half, "));
    CHECK(!fs::exists(target));
    file.write(bytes_of("second half"));
    CHECK(!fs::exists(target));
    CHECK(names_in(scratch.path()) == std::vector<std::string>{".out.bin.tmp"});
    file.commit();
    CHECK(file_text(target) == "first half, second half");
  }
  // Committed: the destructor leaves the target alone and no temporary remains.
  CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});
}

TEST_CASE("atomic file: an existing file is replaced", "[atomic_file]") {
  const ScratchFolder scratch("replaced");
  const fs::path target = scratch.path() / "out.bin";
  write_plain(target, "the old contents, longer than the new");
  AtomicFile file(target, scratch.path() / ".out.bin.tmp");
  file.create();
  file.write(bytes_of("new"));
  CHECK(file_text(target) == "the old contents, longer than the new");
  file.commit();
  CHECK(file_text(target) == "new");
  CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});

  SECTION("write_file_atomically does the same in one call") {
    write_file_atomically(target, scratch.path() / ".other.tmp", bytes_of("newer"));
    CHECK(file_text(target) == "newer");
    CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});
  }
}

TEST_CASE("atomic file: a failure leaves the old file and no temporary", "[atomic_file]") {
  const ScratchFolder scratch("failure");
  const fs::path target = scratch.path() / "out.bin";
  const fs::path temporary = scratch.path() / ".out.bin.tmp";

  SECTION("the writer fails part-way (an exception, never committed)") {
    write_plain(target, "old");
    try {
      AtomicFile file(target, temporary);
      file.create();
      file.write(bytes_of("half of it"));
      throw std::runtime_error("the writer failed");
    } catch (const std::runtime_error&) {
    }
    CHECK(file_text(target) == "old");
    CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});
  }
  SECTION("the rename fails: the target is a folder") {
    fs::create_directory(target);
    {
      AtomicFile file(target, temporary);
      file.create();
      file.write(bytes_of("whole"));
      CHECK_THROWS_AS(file.commit(), AtomicFileError);
      CHECK_THROWS_WITH(file.commit(), Catch::Contains("cannot rename into place") &&
                                           Catch::Contains(target.string()));
    }
    CHECK(fs::is_directory(target));
    CHECK(fs::is_empty(target));
    CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});
  }
  SECTION("the temporary cannot be created: what sits under its name is not ours") {
    write_plain(target, "old");
    write_plain(temporary, "someone else's");
    {
      AtomicFile file(target, temporary);
      CHECK_THROWS_WITH(file.create(), Catch::Contains("cannot create") &&
                                           Catch::Contains(temporary.string()) &&
                                           Catch::Contains("File exists"));
    }
    CHECK(file_text(target) == "old");
    CHECK(file_text(temporary) == "someone else's");
  }
  SECTION("a temporary made by another writer (HDF5) is removed once adopted") {
    write_plain(target, "old");
    {
      AtomicFile file(target, temporary);
      write_plain(temporary, "written by HDF5, then it failed");
      file.adopt_temporary();
    }
    CHECK(file_text(target) == "old");
    CHECK(names_in(scratch.path()) == std::vector<std::string>{"out.bin"});
  }
  SECTION("the folder has gone") {
    const fs::path gone = scratch.path() / "gone";
    AtomicFile file(gone / "out.bin", gone / ".out.bin.tmp");
    CHECK_THROWS_WITH(file.create(), Catch::Contains(gone.string()) &&
                                         Catch::Contains("No such file or directory"));
  }
}

TEST_CASE("atomic file: the temporary must be another name in the same folder", "[atomic_file]") {
  const ScratchFolder scratch("folders");
  const fs::path target = scratch.path() / "out.bin";
  CHECK_THROWS_AS(AtomicFile(target, scratch.path() / "sub" / ".out.bin.tmp"),
                  std::invalid_argument);
  CHECK_THROWS_AS(AtomicFile(target, target), std::invalid_argument);
  CHECK_NOTHROW(AtomicFile(fs::path("out.bin"), fs::path(".out.bin.tmp")));
}
