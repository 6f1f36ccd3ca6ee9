#include "sim/engine/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "analysis/atomic_file.h"
#include "analysis/byte_codec.h"
#include "analysis/record_framing.h"
#include "analysis/results_serialization.h"
#include "analysis/tally_serialization.h"
#include "sim/engine/errors.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_manifest_name = "manifest";
constexpr std::string_view k_scenario_text_name = "scenario.toml";
constexpr std::string_view k_manifest_tag = "shortfall-checkpoint";
constexpr std::string_view k_temporary_prefix = ".tmp-";

// The binary files' header (see checkpoint.h).
constexpr std::string_view k_file_magic{"SFCHKPT\0", 8};
constexpr std::size_t k_header_size = 8 + 4 + 1 + 4 + 1 + 4;  // before the header checksum

enum class FileKind : std::uint8_t { result = 1, runs = 2, block = 3, state = 4 };

std::string system_reason(int error_number) {
  return std::generic_category().message(error_number);
}

// Unique in this process, whichever Checkpoint object or thread asks: with
// the pid in the name, no two writers ever share a temporary file.
std::uint64_t next_temporary_number() {
  static std::atomic<std::uint64_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

// A file of the folder, written atomically (analysis/atomic_file.h) under a
// temporary name that opening the checkpoint deletes when it is left over.
// Not committed (an exception on the way), it removes the temporary. No
// fsync (see checkpoint.h). An I/O failure is RunFailure naming the file.
class CheckpointFile {
 public:
  CheckpointFile(const fs::path& folder, std::string_view name)
      : file_(folder / name, folder / fmt::format("{}{}-{}-{}", k_temporary_prefix, ::getpid(),
                                                  next_temporary_number(), name)) {
    reporting_failure([this] { file_.create(); });
  }

  void write(std::span<const std::byte> bytes) {
    reporting_failure([&] { file_.write(bytes); });
  }

  // One item, framed as a record (analysis/record_framing.h).
  void write_item(std::span<const std::byte> item) {
    write(record_prefix(item.size()));
    write(item);
  }

  void commit() {
    reporting_failure([this] { file_.commit(); });
  }

 private:
  template <class Action>
  static void reporting_failure(Action&& action) {
    try {
      action();
    } catch (const AtomicFileError& error) {
      throw RunFailure(fmt::format("checkpoint: {}", error.what()));
    }
  }

  AtomicFile file_;
};

void write_text_atomically(const fs::path& folder, std::string_view name, std::string_view text) {
  CheckpointFile file(folder, name);
  file.write(std::as_bytes(std::span<const char>(text.data(), text.size())));
  file.commit();
}

// An open file descriptor, closed on every path out.
class ReadDescriptor {
 public:
  explicit ReadDescriptor(const fs::path& path) : path_(path) {
    descriptor_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor_ < 0) fail();
    struct ::stat status {};
    if (::fstat(descriptor_, &status) != 0) {
      const int error_number = errno;
      ::close(descriptor_);  // the destructor does not run for a throwing constructor
      errno = error_number;
      fail();
    }
    size_ = static_cast<std::uint64_t>(status.st_size);
  }
  ReadDescriptor(const ReadDescriptor&) = delete;
  ReadDescriptor& operator=(const ReadDescriptor&) = delete;
  ~ReadDescriptor() { ::close(descriptor_); }

  std::uint64_t size() const { return size_; }
  std::uint64_t remaining() const { return size_ - position_; }

  // Exactly bytes.size() bytes; the caller has checked they are there.
  void read(std::span<std::byte> bytes) {
    while (!bytes.empty()) {
      const ::ssize_t got = ::read(descriptor_, bytes.data(), bytes.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        fail();
      }
      if (got == 0) {
        throw std::runtime_error(
            fmt::format("{}: shorter than its size while reading", path_.string()));
      }
      bytes = bytes.subspan(static_cast<std::size_t>(got));
      position_ += static_cast<std::uint64_t>(got);
    }
  }

 private:
  [[noreturn]] void fail() const {
    const int error_number = errno;
    throw std::runtime_error(
        fmt::format("cannot read {}: {}", path_.string(), system_reason(error_number)));
  }

  fs::path path_;
  int descriptor_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t position_ = 0;
};

std::string read_text(const fs::path& path) {
  ReadDescriptor file(path);
  std::string text(static_cast<std::size_t>(file.size()), '\0');
  file.read(std::as_writable_bytes(std::span<char>(text.data(), text.size())));
  return text;
}

std::vector<std::byte> file_header(FileKind kind, int scenario, bool target_met,
                                   std::uint32_t item_count) {
  std::vector<std::byte> header;
  for (char c : k_file_magic) header.push_back(static_cast<std::byte>(c));
  append_le32(header, k_checkpoint_format_version);
  header.push_back(static_cast<std::byte>(kind));
  append_le32(header, static_cast<std::uint32_t>(scenario));
  header.push_back(static_cast<std::byte>(target_met ? 1 : 0));
  append_le32(header, item_count);
  append_le64(header, checksum(header));
  return header;
}

// Reads a checkpoint file item by item. Every failure, from a missing file
// to a bad checksum, is std::runtime_error naming the file: the callers
// decide whether it is a warning or a RunFailure.
class ItemReader {
 public:
  ItemReader(const fs::path& path, FileKind kind, int scenario) : path_(path), file_(path) {
    std::vector<std::byte> header(k_header_size + 8);
    if (file_.size() < header.size()) fail("too short for its header");
    file_.read(header);
    if (!std::equal(k_file_magic.begin(), k_file_magic.end(), header.begin(),
                    [](char c, std::byte b) { return b == static_cast<std::byte>(c); })) {
      fail("not a shortfall checkpoint file");
    }
    const auto header_bytes = std::span<const std::byte>(header).first(k_header_size);
    if (checksum(header_bytes) != load_le64(header.data() + k_header_size)) {
      fail("header checksum mismatch");
    }
    const std::uint32_t version = load_le32(header.data() + 8);
    if (version != k_checkpoint_format_version) {
      fail(fmt::format("checkpoint file version {} is not the known version {}", version,
                       k_checkpoint_format_version));
    }
    const auto stored_kind = static_cast<FileKind>(header[12]);
    const auto stored_scenario = static_cast<std::int32_t>(load_le32(header.data() + 13));
    const auto target_met = std::to_integer<std::uint8_t>(header[17]);
    item_count_ = load_le32(header.data() + 18);
    // The name says what the file should hold; a file renamed by hand or a
    // header of another file fails here.
    if (stored_kind != kind || stored_scenario != scenario || target_met > 1) {
      fail(fmt::format("the header (kind {}, scenario {}) is not that of the file's name",
                       static_cast<int>(stored_kind), stored_scenario));
    }
    target_met_ = target_met == 1;
  }

  bool target_met() const { return target_met_; }
  std::uint32_t item_count() const { return item_count_; }

  // The size is checked against the file before allocating: a damaged size
  // must not ask for more memory than the file could ever fill.
  std::vector<std::byte> next_item() {
    try {
      return read_record(file_);
    } catch (const RecordError& error) {
      if (error.cut == RecordError::Cut::size) fail("truncated before an item's size");
      fail(fmt::format("an item of {} bytes where {} are left", error.size, error.left));
    }
  }

  void finish() const {
    if (file_.remaining() != 0) fail(fmt::format("{} bytes left over", file_.remaining()));
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw std::runtime_error(fmt::format("{}: {}", path_.string(), message));
  }

 private:
  fs::path path_;
  ReadDescriptor file_;
  std::uint32_t item_count_ = 0;
  bool target_met_ = false;
};

std::string result_name(int scenario) { return fmt::format("scenario-{:06}.result", scenario); }
std::string runs_name(int scenario) { return fmt::format("scenario-{:06}.runs", scenario); }
std::string state_name(int scenario) { return fmt::format("scenario-{:06}.state", scenario); }
std::string block_name(int scenario, std::int64_t first_run) {
  return fmt::format("scenario-{:06}.block-{:06}", scenario, first_run);
}

// What a file name in the folder says, when it is one of the scenario files.
struct ScenarioFileName {
  FileKind kind;
  int scenario;
  std::int64_t first_run = 0;  // blocks only
};

template <class Integer>
std::optional<Integer> parse_digits(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ScenarioFileName> parse_scenario_file_name(std::string_view name) {
  constexpr std::string_view k_prefix = "scenario-";
  if (!name.starts_with(k_prefix)) return std::nullopt;
  name.remove_prefix(k_prefix.size());
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto scenario = parse_digits<int>(name.substr(0, dot));
  if (!scenario) return std::nullopt;
  const std::string_view suffix = name.substr(dot + 1);
  if (suffix == "result") return ScenarioFileName{FileKind::result, *scenario};
  if (suffix == "runs") return ScenarioFileName{FileKind::runs, *scenario};
  if (suffix == "state") return ScenarioFileName{FileKind::state, *scenario};
  constexpr std::string_view k_block_prefix = "block-";
  if (suffix.starts_with(k_block_prefix)) {
    const auto first_run = parse_digits<std::int64_t>(suffix.substr(k_block_prefix.size()));
    if (first_run) return ScenarioFileName{FileKind::block, *scenario, *first_run};
  }
  return std::nullopt;
}

struct ScenarioFile {
  ScenarioFileName name;
  fs::path path;
};

// The scenario files of the folder, read from its listing.
std::vector<ScenarioFile> list_scenario_files(const fs::path& folder) {
  std::vector<ScenarioFile> files;
  std::error_code error;
  for (fs::directory_iterator entry(folder, error), end; !error && entry != end;
       entry.increment(error)) {
    const std::string name = entry->path().filename().string();
    if (const auto parsed = parse_scenario_file_name(name))
      files.push_back({*parsed, entry->path()});
  }
  if (error) {
    throw RunFailure(
        fmt::format("checkpoint: cannot list {}: {}", folder.string(), error.message()));
  }
  // A file replaced while the folder is listed (a block saved again) may be
  // listed twice: POSIX leaves it open. Each file counts once.
  std::sort(files.begin(), files.end(),
            [](const ScenarioFile& a, const ScenarioFile& b) { return a.path < b.path; });
  files.erase(
      std::unique(files.begin(), files.end(),
                  [](const ScenarioFile& a, const ScenarioFile& b) { return a.path == b.path; }),
      files.end());
  return files;
}

FinishedScenario read_result(const fs::path& path, int scenario) {
  ItemReader reader(path, FileKind::result, scenario);
  if (reader.item_count() != 1) reader.fail(fmt::format("{} items, not 1", reader.item_count()));
  FinishedScenario finished;
  finished.target_met = reader.target_met();
  try {
    finished.results = deserialize_scenario_results(reader.next_item());
  } catch (const std::runtime_error& error) {
    reader.fail(error.what());
  }
  reader.finish();
  return finished;
}

// `on_work` sees each block (or state) as soon as it is read, so checking a
// large runs file needs memory for one block, not all of them.
template <class OnWork>
void read_work(const fs::path& path, FileKind kind, int scenario, OnWork&& on_work) {
  ItemReader reader(path, kind, scenario);
  if ((kind == FileKind::block || kind == FileKind::state) && reader.item_count() != 1) {
    reader.fail(fmt::format("{} items, not 1", reader.item_count()));
  }
  for (std::uint32_t i = 0; i < reader.item_count(); ++i) {
    std::vector<std::byte> item = reader.next_item();
    std::optional<SavedWork> work;
    try {
      work.emplace(deserialize_saved_work(item));
    } catch (const std::runtime_error& error) {
      reader.fail(fmt::format("item {}: {}", i, error.what()));
    }
    item = {};  // before the caller keeps the block: one copy at a time
    on_work(std::move(*work));
  }
  reader.finish();
}

// The manifest as read, before it is compared with the run.
struct Manifest {
  RunIdentity identity;  // scenario_toml read from its own file
  std::uint64_t scenario_bytes = 0;
  std::uint64_t scenario_checksum = 0;
};

std::string manifest_text(const RunIdentity& identity) {
  return fmt::format(
      "{} {}\n"
      "format_version = {}\n"
      "seed = {}\n"
      "keep_runs = {}\n"
      "scenario_count = {}\n"
      "scenario_bytes = {}\n"
      "scenario_checksum = {:#018x}\n",
      k_manifest_tag, k_checkpoint_format_version, identity.format_version, identity.seed,
      identity.keep_runs, identity.scenario_count, identity.scenario_toml.size(),
      checksum(identity.scenario_toml));
}

Manifest parse_manifest(const fs::path& path, std::string_view text) {
  const std::string first_line = fmt::format("{} {}", k_manifest_tag, k_checkpoint_format_version);
  auto fail = [&path](std::size_t line_number, const std::string& message) {
    throw InputError(fmt::format("{}:{}: {}", path.string(), line_number, message));
  };
  Manifest manifest;
  std::vector<std::string_view> seen;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line_number == 1) {
      // Another version's layout may differ in any way: refuse it whole.
      if (line != first_line) {
        fail(1, fmt::format("'{}' is not '{}' (not a checkpoint of this program's format)", line,
                            first_line));
      }
      continue;
    }
    if (line.empty()) continue;
    const std::size_t equals = line.find(" = ");
    if (equals == std::string_view::npos)
      fail(line_number, fmt::format("'{}' is not 'key = value'", line));
    const std::string_view key = line.substr(0, equals);
    const std::string_view value = line.substr(equals + 3);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      fail(line_number, fmt::format("'{}' appears twice", key));
    }
    seen.push_back(key);
    auto number = [&]<class Integer>(Integer& out) {
      const auto parsed = parse_digits<Integer>(value);
      if (!parsed) fail(line_number, fmt::format("{} = '{}' is not a number", key, value));
      out = *parsed;
    };
    if (key == "format_version") {
      manifest.identity.format_version = std::string(value);
    } else if (key == "seed") {
      number(manifest.identity.seed);
    } else if (key == "keep_runs") {
      if (value != "true" && value != "false") {
        fail(line_number, fmt::format("keep_runs = '{}' is not true or false", value));
      }
      manifest.identity.keep_runs = value == "true";
    } else if (key == "scenario_count") {
      number(manifest.identity.scenario_count);
    } else if (key == "scenario_bytes") {
      number(manifest.scenario_bytes);
    } else if (key == "scenario_checksum") {
      std::uint64_t parsed = 0;
      const bool hex = value.size() == 18 && value.starts_with("0x");
      const auto [end_of_number, error] =
          std::from_chars(value.data() + 2, value.data() + value.size(), parsed, 16);
      if (!hex || error != std::errc() || end_of_number != value.data() + value.size()) {
        fail(line_number,
             fmt::format("scenario_checksum = '{}' is not 0x and 16 hex digits", value));
      }
      manifest.scenario_checksum = parsed;
    } else {
      fail(line_number, fmt::format("unknown key '{}'", key));
    }
  }
  if (line_number == 0) fail(1, "empty (the file is damaged)");
  for (std::string_view key : {"format_version", "seed", "keep_runs", "scenario_count",
                               "scenario_bytes", "scenario_checksum"}) {
    if (std::find(seen.begin(), seen.end(), key) == seen.end()) {
      fail(line_number, fmt::format("no '{}' (the file is incomplete)", key));
    }
  }
  return manifest;
}

// A line for a message: long lines shortened, the end of the text named.
std::string quoted_line(const std::optional<std::string_view>& line) {
  constexpr std::size_t k_longest = 160;
  if (!line) return "(end of text)";
  if (line->size() > k_longest) return fmt::format("'{}...'", line->substr(0, k_longest));
  return fmt::format("'{}'", *line);
}

// Lines split at '\n' only: the text is compared verbatim, '\r' and all.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (;;) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return lines;
    text.remove_prefix(end + 1);
  }
}

// "at line 14 (checkpoint 'runs = 1000', this run 'runs = 2000')", or
// nothing when the texts are the same.
std::optional<std::string> first_difference(std::string_view stored, std::string_view expected) {
  if (stored == expected) return std::nullopt;
  const std::vector<std::string_view> stored_lines = split_lines(stored);
  const std::vector<std::string_view> expected_lines = split_lines(expected);
  auto line_at = [](const std::vector<std::string_view>& lines,
                    std::size_t index) -> std::optional<std::string_view> {
    if (index < lines.size()) return lines[index];
    return std::nullopt;
  };
  // Different texts differ in some line, or one has lines the other lacks.
  std::size_t index = 0;
  while (line_at(stored_lines, index) == line_at(expected_lines, index)) ++index;
  return fmt::format("at line {} (checkpoint {}, this run {})", index + 1,
                     quoted_line(line_at(stored_lines, index)),
                     quoted_line(line_at(expected_lines, index)));
}

}  // namespace

struct Checkpoint::Shared {
  mutable std::mutex mutex;
  std::vector<std::string> warnings;
};

Checkpoint::Checkpoint(fs::path folder, RunIdentity identity)
    : folder_(std::move(folder)),
      identity_(std::move(identity)),
      shared_(std::make_unique<Shared>()) {}
Checkpoint::Checkpoint(Checkpoint&&) noexcept = default;
Checkpoint& Checkpoint::operator=(Checkpoint&&) noexcept = default;
Checkpoint::~Checkpoint() = default;

fs::path Checkpoint::folder_for(const fs::path& results_file) {
  fs::path folder = results_file;
  folder += ".checkpoint";
  return folder;
}

bool Checkpoint::exists(const fs::path& folder) {
  std::error_code error;
  return fs::is_regular_file(folder / k_manifest_name, error);
}

Checkpoint Checkpoint::create(const fs::path& folder, const RunIdentity& identity) {
  // The manifest is line-based; a version spanning lines could not be read back.
  if (identity.format_version.find_first_of("\r\n") != std::string::npos) {
    throw std::invalid_argument(
        fmt::format("checkpoint: the format version '{}' spans lines", identity.format_version));
  }
  if (identity.scenario_count < 0) {
    throw std::invalid_argument(
        fmt::format("checkpoint: scenario_count = {} is negative", identity.scenario_count));
  }
  std::error_code error;
  fs::remove_all(folder, error);
  if (error) {
    throw RunFailure(fmt::format("checkpoint: cannot remove the old checkpoint {}: {}",
                                 folder.string(), error.message()));
  }
  if (::mkdir(folder.c_str(), 0755) != 0) {
    const int error_number = errno;
    throw RunFailure(fmt::format("checkpoint: cannot create {}: {}", folder.string(),
                                 system_reason(error_number)));
  }
  write_text_atomically(folder, k_scenario_text_name, identity.scenario_toml);
  // Last: until the manifest is there, the folder is not a checkpoint.
  write_text_atomically(folder, k_manifest_name, manifest_text(identity));
  return Checkpoint(folder, identity);
}

namespace {

// The identity a checkpoint folder was made with. Throws InputError when the
// manifest or the scenario text is missing or damaged.
RunIdentity stored_identity(const fs::path& folder) {
  const fs::path manifest_path = folder / k_manifest_name;
  std::string manifest_bytes;
  try {
    manifest_bytes = read_text(manifest_path);
  } catch (const std::runtime_error& error) {
    throw InputError(
        fmt::format("{}: no checkpoint to resume ({})", folder.string(), error.what()));
  }
  Manifest manifest = parse_manifest(manifest_path, manifest_bytes);

  const fs::path scenario_path = folder / k_scenario_text_name;
  try {
    manifest.identity.scenario_toml = read_text(scenario_path);
  } catch (const std::runtime_error& error) {
    throw InputError(
        fmt::format("{}: the checkpoint is damaged ({})", folder.string(), error.what()));
  }
  const std::string& stored_text = manifest.identity.scenario_toml;
  if (stored_text.size() != manifest.scenario_bytes ||
      checksum(stored_text) != manifest.scenario_checksum) {
    throw InputError(fmt::format(
        "{}: the checkpoint is damaged ({} has {} bytes, checksum {:#018x}; the manifest says {} "
        "bytes, checksum {:#018x})",
        folder.string(), scenario_path.string(), stored_text.size(), checksum(stored_text),
        manifest.scenario_bytes, manifest.scenario_checksum));
  }
  return manifest.identity;
}

// Every difference at once, so one attempt tells the whole story; nothing
// when the two are the same run.
std::optional<std::string> identity_difference(const fs::path& folder, const RunIdentity& stored,
                                               const RunIdentity& expected) {
  std::vector<std::string> differences;
  if (stored.format_version != expected.format_version) {
    differences.push_back(
        fmt::format("the format version differs (checkpoint '{}', this program '{}')",
                    stored.format_version, expected.format_version));
  }
  if (stored.seed != expected.seed) {
    differences.push_back(
        fmt::format("the seed differs (checkpoint {}, this run {})", stored.seed, expected.seed));
  }
  if (stored.keep_runs != expected.keep_runs) {
    differences.push_back(fmt::format("keep_runs differs (checkpoint {}, this run {})",
                                      stored.keep_runs, expected.keep_runs));
  }
  if (stored.scenario_count != expected.scenario_count) {
    differences.push_back(fmt::format("the scenario count differs (checkpoint {}, this run {})",
                                      stored.scenario_count, expected.scenario_count));
  }
  if (const auto text_difference = first_difference(stored.scenario_toml, expected.scenario_toml)) {
    differences.push_back(fmt::format("the scenario text differs {}", *text_difference));
  }
  if (differences.empty()) return std::nullopt;
  return fmt::format("{}: the checkpoint is of another run: {}", folder.string(),
                     fmt::join(differences, "; "));
}

}  // namespace

std::optional<std::string> Checkpoint::difference(const fs::path& folder,
                                                  const RunIdentity& expected) {
  RunIdentity stored;
  try {
    stored = stored_identity(folder);
  } catch (const InputError& damaged) {  // a damaged checkpoint is no run's
    return std::string(damaged.what());
  }
  return identity_difference(folder, stored, expected);
}

Checkpoint Checkpoint::open(const fs::path& folder, const RunIdentity& expected) {
  if (auto difference = identity_difference(folder, stored_identity(folder), expected)) {
    throw InputError(std::move(*difference));
  }

  Checkpoint checkpoint(folder, expected);
  // Leftovers of a process killed mid-write: never renamed, so never part
  // of the checkpoint. Failing to remove one is harmless, hence a warning.
  std::error_code error;
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator entry(folder, error), end; !error && entry != end;
       entry.increment(error)) {
    if (entry->path().filename().string().starts_with(k_temporary_prefix)) {
      leftovers.push_back(entry->path());
    }
  }
  if (error) {
    throw RunFailure(
        fmt::format("checkpoint: cannot list {}: {}", folder.string(), error.message()));
  }
  for (const fs::path& leftover : leftovers) {
    fs::remove(leftover, error);
    if (error) {
      checkpoint.warn(fmt::format("{}: cannot remove this leftover temporary file: {}",
                                  leftover.string(), error.message()));
    }
  }
  return checkpoint;
}

const fs::path& Checkpoint::folder() const { return folder_; }

void Checkpoint::check_scenario(int scenario) const {
  if (scenario < 0 || scenario >= identity_.scenario_count) {
    throw std::out_of_range(fmt::format("checkpoint: scenario {} is outside [0, {})", scenario,
                                        identity_.scenario_count));
  }
}

void Checkpoint::warn(std::string message) const {
  const std::lock_guard lock(shared_->mutex);
  // Listing the folder twice must not report a damaged file twice.
  if (std::find(shared_->warnings.begin(), shared_->warnings.end(), message) ==
      shared_->warnings.end()) {
    shared_->warnings.push_back(std::move(message));
  }
}

std::vector<std::string> Checkpoint::warnings() const {
  const std::lock_guard lock(shared_->mutex);
  return shared_->warnings;
}

void Checkpoint::save_scenario(int scenario, const FinishedScenario& finished) {
  check_scenario(scenario);
  const std::vector<std::byte> results = serialize(finished.results);
  CheckpointFile file(folder_, result_name(scenario));
  file.write(file_header(FileKind::result, scenario, finished.target_met, 1));
  file.write_item(results);
  file.commit();
}

void Checkpoint::save_kept_runs(int scenario, const ScenarioTally& tally) {
  if (tally.keeps_blocks()) {
    save_kept_runs(scenario, tally.blocks());
    return;
  }
  check_scenario(scenario);
  CheckpointFile file(folder_, runs_name(scenario));
  const std::uint32_t items = tally.runs() > 0 ? 1 : 0;
  file.write(file_header(FileKind::runs, scenario, false, items));
  if (items > 0) file.write_item(serialize(tally));
  file.commit();
}

void Checkpoint::save_kept_runs(int scenario, std::span<const BlockTally> blocks) {
  check_scenario(scenario);
  CheckpointFile file(folder_, runs_name(scenario));
  file.write(
      file_header(FileKind::runs, scenario, false, static_cast<std::uint32_t>(blocks.size())));
  // One block's bytes at a time: kept runs can be gigabytes.
  for (const BlockTally& block : blocks) file.write_item(serialize(block));
  file.commit();
}

void Checkpoint::save_state(int scenario, const ScenarioTally& merged) {
  check_scenario(scenario);
  const std::vector<std::byte> bytes = serialize(merged);
  CheckpointFile file(folder_, state_name(scenario));
  file.write(file_header(FileKind::state, scenario, false, 1));
  file.write_item(bytes);
  file.commit();
}

void Checkpoint::save_block(int scenario, const BlockTally& block) {
  check_scenario(scenario);
  // Only whole blocks resume: the merge takes complete blocks only.
  if (!block.complete()) {
    throw std::invalid_argument(
        fmt::format("checkpoint: the block of scenario {} from run {} is not complete", scenario,
                    block.first_run()));
  }
  const std::vector<std::byte> bytes = serialize(block);
  CheckpointFile file(folder_, block_name(scenario, block.first_run()));
  file.write(file_header(FileKind::block, scenario, false, 1));
  file.write_item(bytes);
  file.commit();
}

std::vector<int> Checkpoint::finished_scenarios() const {
  std::vector<int> finished;
  for (const ScenarioFile& file : list_scenario_files(folder_)) {
    if (file.name.kind != FileKind::result) continue;
    if (file.name.scenario >= identity_.scenario_count) {
      warn(fmt::format("{}: scenario {} is outside [0, {}); ignored", file.path.string(),
                       file.name.scenario, identity_.scenario_count));
      continue;
    }
    try {
      read_result(file.path, file.name.scenario);
      // With --keep-runs the scenario is finished only when its runs can be
      // written too; otherwise it is recomputed. Without, its merged state
      // (absent from checkpoints of earlier versions) must be whole if there.
      if (identity_.keep_runs || fs::exists(folder_ / runs_name(file.name.scenario))) {
        read_work(folder_ / runs_name(file.name.scenario), FileKind::runs, file.name.scenario,
                  [](SavedWork&&) {});
      }
      finished.push_back(file.name.scenario);
    } catch (const std::runtime_error& error) {
      warn(fmt::format("scenario {} is damaged and will be recomputed: {}", file.name.scenario,
                       error.what()));
    }
  }
  std::sort(finished.begin(), finished.end());
  return finished;
}

FinishedScenario Checkpoint::load_scenario(int scenario) const {
  check_scenario(scenario);
  try {
    return read_result(folder_ / result_name(scenario), scenario);
  } catch (const std::runtime_error& error) {
    throw RunFailure(
        fmt::format("checkpoint: cannot load scenario {}: {}", scenario, error.what()));
  }
}

std::vector<BlockTally> Checkpoint::load_kept_runs(int scenario) const {
  std::vector<BlockTally> blocks;
  for (SavedWork& work : load_saved_work(scenario)) {
    if (!std::holds_alternative<BlockTally>(work)) {
      throw RunFailure(fmt::format(
          "checkpoint: the runs of scenario {} are a merged state, not per-run records", scenario));
    }
    blocks.push_back(std::move(std::get<BlockTally>(work)));
  }
  return blocks;
}

std::optional<ScenarioTally> Checkpoint::load_finished_state(int scenario) const {
  check_scenario(scenario);
  if (!fs::exists(folder_ / runs_name(scenario))) return std::nullopt;
  std::vector<SavedWork> work = load_saved_work(scenario);
  if (work.size() != 1 || !std::holds_alternative<ScenarioTally>(work.front())) return std::nullopt;
  return std::move(std::get<ScenarioTally>(work.front()));
}

std::vector<SavedWork> Checkpoint::load_saved_work(int scenario) const {
  check_scenario(scenario);
  std::vector<SavedWork> work;
  try {
    read_work(folder_ / runs_name(scenario), FileKind::runs, scenario,
              [&work](SavedWork&& piece) { work.push_back(std::move(piece)); });
  } catch (const std::runtime_error& error) {
    throw RunFailure(
        fmt::format("checkpoint: cannot load the runs of scenario {}: {}", scenario, error.what()));
  }
  return work;
}

std::optional<ScenarioTally> Checkpoint::load_state(int scenario) const {
  check_scenario(scenario);
  const fs::path path = folder_ / state_name(scenario);
  if (!fs::exists(path)) return std::nullopt;
  std::optional<ScenarioTally> state;
  try {
    read_work(path, FileKind::state, scenario, [&](SavedWork&& work) {
      if (!std::holds_alternative<ScenarioTally>(work))
        throw std::runtime_error(fmt::format("{}: holds a block, not a merged state", path.string()));
      state.emplace(std::move(std::get<ScenarioTally>(work)));
    });
  } catch (const std::runtime_error& error) {
    warn(fmt::format("the saved state of scenario {} is damaged and its runs will be recomputed: {}",
                     scenario, error.what()));
    return std::nullopt;
  }
  return state;
}

std::vector<BlockTally> Checkpoint::load_blocks(int scenario) const {
  check_scenario(scenario);
  std::vector<BlockTally> blocks;
  for (const ScenarioFile& file : list_scenario_files(folder_)) {
    if (file.name.kind != FileKind::block || file.name.scenario != scenario) continue;
    try {
      read_work(file.path, FileKind::block, scenario, [&](SavedWork&& work) {
        if (!std::holds_alternative<BlockTally>(work))
          throw std::runtime_error(fmt::format("{}: holds a merged state, not a block", file.path.string()));
        BlockTally& block = std::get<BlockTally>(work);
        if (block.first_run() != file.name.first_run || !block.complete()) {
          throw std::runtime_error(fmt::format("{}: holds {} block from run {}", file.path.string(),
                                               block.complete() ? "a" : "an incomplete",
                                               block.first_run()));
        }
        blocks.push_back(std::move(block));
      });
    } catch (const std::runtime_error& error) {
      warn(fmt::format("a block of scenario {} is damaged and will be recomputed: {}", scenario,
                       error.what()));
    }
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const BlockTally& a, const BlockTally& b) { return a.first_run() < b.first_run(); });
  return blocks;
}

void Checkpoint::drop_blocks(int scenario) {
  check_scenario(scenario);
  for (const ScenarioFile& file : list_scenario_files(folder_)) {
    const bool work_of_scenario =
        file.name.kind == FileKind::block || file.name.kind == FileKind::state;
    if (!work_of_scenario || file.name.scenario != scenario) continue;
    std::error_code error;
    fs::remove(file.path, error);
    if (error) {
      throw RunFailure(
          fmt::format("checkpoint: cannot remove {}: {}", file.path.string(), error.message()));
    }
  }
}

void Checkpoint::remove() {
  std::error_code error;
  fs::remove_all(folder_, error);
  if (error) {
    throw RunFailure(
        fmt::format("checkpoint: cannot remove {}: {}", folder_.string(), error.message()));
  }
}

}  // namespace shortfall
