// A fresh, empty folder for one test case, removed again at its end.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace shortfall::testing {

class ScratchFolder {
 public:
  // Under the system's temporary folder, named by the suite, this process
  // and the case, so suites run in parallel by ctest never share one.
  ScratchFolder(std::string_view suite, std::string_view name)
      : path_(std::filesystem::temp_directory_path() /
              ("shortfall_" + std::string(suite) + "_" + std::to_string(::getpid()) + "_" +
               std::string(name))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace shortfall::testing
