// Checks on the results path, made before any work starts, so a run that
// cannot write never computes and never touches an existing file.
#pragma once

#include <filesystem>
#include <string>

namespace shortfall {

// Throws InputError when the folder is missing, is not a folder or is not
// writable, when the path is a directory, or when the file exists and
// `overwrite` is false.
void check_output_path(const std::filesystem::path& path, bool overwrite);

// The refusal of an existing output file without --force, naming it.
std::string existing_output_message(const std::filesystem::path& path);

// The default results path for a scenario file: its stem with ".h5", in the
// current folder.
std::filesystem::path default_output_path(const std::filesystem::path& scenario_path);

}  // namespace shortfall
