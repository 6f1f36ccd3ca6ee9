#include "results_read_guard.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "child_process_check.h"
#include "results_data.h"
#include "results_reader.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

std::chrono::seconds read_check_limit(const fs::path& path) {
  if (const char* text = std::getenv("SHORTFALL_READ_CHECK_SECONDS")) {
    int seconds = 0;
    const char* end = text + std::strlen(text);
    const auto [stop, failure] = std::from_chars(text, end, seconds);
    if (failure == std::errc{} && stop == end && seconds >= 1 && seconds <= 86400)
      return std::chrono::seconds(seconds);
  }
  std::error_code error;
  const std::uintmax_t size = fs::file_size(path, error);
  return std::chrono::seconds(60 + (error ? 0 : size / (10u << 20)));
}

// A file without an envelope has no checksum to vouch for its bytes: HDF5
// reads it first in a child process, which may crash or hang without harm
// (HDF5 1.10.8 loops for ever in H5HG_read on some damaged files).
void check_in_child(const fs::path& path, const std::string& name) {
  const auto limit = read_check_limit(path);
  ChildCheckOutcome outcome;
  try {
    outcome = check_in_child_process([&path] { (void)read_results_file_unguarded(path); }, limit);
  } catch (const std::system_error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  }
  switch (outcome.kind) {
    case ChildCheckOutcome::Kind::passed:
      return;
    case ChildCheckOutcome::Kind::failed:
      if (outcome.message.starts_with(name)) throw ResultsFileError(outcome.message);
      throw ResultsFileError(name + " cannot be read: " + outcome.message);
    case ChildCheckOutcome::Kind::crashed:
      throw ResultsFileError(name + " cannot be read: the HDF5 library crashed reading it (" +
                             outcome.message + "): the file is damaged");
    case ChildCheckOutcome::Kind::timed_out:
      throw ResultsFileError(name + " cannot be read: reading it did not finish within " +
                             std::to_string(limit.count()) + " s: the file is damaged");
  }
}

}  // namespace

std::optional<Envelope> vouch_for_results_file(const fs::path& path, const std::string& name) {
  std::optional<Envelope> envelope;
  try {
    envelope = verify_envelope(path, k_format_version_major);
  } catch (const EnvelopeError& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  } catch (const std::system_error& failure) {
    throw ResultsFileError(name + " cannot be read: " + failure.what());
  }
  if (!envelope) check_in_child(path, name);
  return envelope;
}

}  // namespace shortfall
