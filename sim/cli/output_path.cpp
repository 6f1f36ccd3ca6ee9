#include "sim/cli/output_path.h"

#include <unistd.h>

#include <fmt/format.h>

#include "sim/engine/errors.h"

namespace shortfall {

namespace fs = std::filesystem;

void check_output_path(const fs::path& path, bool overwrite) {
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code error;
  const auto folder_status = fs::status(folder, error);
  if (!fs::exists(folder_status)) {
    throw InputError(fmt::format("{}: the output folder {} does not exist", path.string(), folder.string()));
  }
  if (!fs::is_directory(folder_status)) {
    throw InputError(fmt::format("{}: {} is not a folder", path.string(), folder.string()));
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    throw InputError(fmt::format("{}: the output folder {} is not writable", path.string(), folder.string()));
  }
  const auto file_status = fs::status(path, error);
  if (fs::is_directory(file_status)) {
    throw InputError(fmt::format("{}: the output path is a directory; give a file name", path.string()));
  }
  if (fs::exists(file_status) && !overwrite) throw InputError(existing_output_message(path));
}

std::string existing_output_message(const fs::path& path) {
  return fmt::format(
      "{}: the output file exists; pass --force to overwrite it or -o to write elsewhere",
      path.string());
}

fs::path default_output_path(const fs::path& scenario_path) {
  return fs::path(scenario_path.stem().string() + ".h5");
}

}  // namespace shortfall
