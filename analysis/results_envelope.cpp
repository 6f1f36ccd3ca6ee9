#include "results_envelope.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "byte_codec.h"

namespace shortfall {

namespace {

constexpr std::string_view k_bytes_label = "bytes ";
constexpr std::string_view k_checksum_label = "checksum fnv1a64 0x";
// Pieces the checksum reads at a time: a multiple of 8, so words never straddle two.
constexpr std::size_t k_read_piece = std::size_t{1} << 20;

// Closes a descriptor on every path out.
class Descriptor {
 public:
  explicit Descriptor(int descriptor) : descriptor_(descriptor) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  int get() const { return descriptor_; }
  // Closes now, reporting failure (a close can report a delayed write error).
  void close(const char* what) {
    const int descriptor = descriptor_;
    descriptor_ = -1;
    if (::close(descriptor) != 0) throw std::system_error(errno, std::generic_category(), what);
  }

 private:
  int descriptor_;
};

// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
std::size_t read_at(int descriptor, std::byte* buffer, std::size_t count, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < count) {
    const ssize_t got = ::pread(descriptor, buffer + done, count - done,
                                static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::system_error(errno, std::generic_category(), "reading the file");
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

// The next line of `text` (without its '\n'), advancing `text` past it;
// nullopt when there is no '\n'.
std::optional<std::string_view> next_line(std::string_view& text) {
  const auto end = text.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return line;
}

// "M.m" with M and m decimal numbers: its major.
std::optional<int> version_major(std::string_view version) {
  const auto dot = version.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == version.size()) return std::nullopt;
  for (const char c : version) {
    if (c != '.' && (c < '0' || c > '9')) return std::nullopt;
  }
  if (version.find('.', dot + 1) != std::string_view::npos) return std::nullopt;
  int major = 0;
  const auto [end, error] = std::from_chars(version.data(), version.data() + dot, major);
  if (error != std::errc{} || end != version.data() + dot) return std::nullopt;
  return major;
}

template <class Integer>
std::optional<Integer> parse_digits(std::string_view text, int base) {
  if (text.empty()) return std::nullopt;
  Integer value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string format_envelope(const Envelope& envelope) {
  std::string text = fmt::format("{}{}\n{}{}\n{}{:016x}\n", k_envelope_magic, envelope.format_version,
                                 k_bytes_label, envelope.file_bytes, k_checksum_label,
                                 envelope.checksum);
  if (text.size() > k_envelope_bytes) throw EnvelopeError("the envelope does not fit in its 512 bytes");
  text.resize(k_envelope_bytes, '\0');
  return text;
}

std::optional<Envelope> parse_envelope(std::span<const std::byte> first_bytes, int known_major) {
  const std::size_t seen = std::min(first_bytes.size(), k_envelope_bytes);
  const std::string_view text(reinterpret_cast<const char*>(first_bytes.data()), seen);
  const std::string_view magic(k_envelope_magic);
  if (!text.starts_with(magic)) return std::nullopt;

  std::string_view rest = text;
  rest.remove_prefix(magic.size());
  const auto version_line = next_line(rest);
  if (!version_line) {
    if (seen < k_envelope_bytes)
      throw EnvelopeError(fmt::format("it ends within its {}-byte header: truncated", k_envelope_bytes));
    throw EnvelopeError("its header's first line does not end");
  }
  const std::optional<int> major = version_major(*version_line);
  if (!major) throw EnvelopeError(fmt::format("its header names no format version ('{}')", *version_line));
  Envelope envelope;
  envelope.format_version = std::string(*version_line);
  if (*major != known_major) return envelope;  // the caller refuses it by its version

  if (seen < k_envelope_bytes)
    throw EnvelopeError(fmt::format("it ends within its {}-byte header: truncated", k_envelope_bytes));
  const auto size_line = next_line(rest);
  const auto checksum_line = next_line(rest);
  if (!size_line || !size_line->starts_with(k_bytes_label) || !checksum_line ||
      !checksum_line->starts_with(k_checksum_label))
    throw EnvelopeError("its header is damaged (expected the lines 'bytes N' and 'checksum fnv1a64 0x...')");
  const auto size = parse_digits<std::uint64_t>(size_line->substr(k_bytes_label.size()), 10);
  const std::string_view hex = checksum_line->substr(k_checksum_label.size());
  const auto sum = hex.size() == 16 ? parse_digits<std::uint64_t>(hex, 16) : std::nullopt;
  if (!size || !sum || hex.find_first_of("ABCDEF") != std::string_view::npos)
    throw EnvelopeError("its header is damaged (the size or checksum is not a number)");
  if (rest.find_first_not_of('\0') != std::string_view::npos)
    throw EnvelopeError("its header is damaged (text after the checksum)");
  envelope.file_bytes = *size;
  envelope.checksum = *sum;
  return envelope;
}

std::uint64_t checksum_of_file(int descriptor, std::uint64_t offset, std::uint64_t size) {
  // byte_codec.h's checksum(), streamed: the same start, words, tail and finish.
  constexpr std::uint64_t k_fnv_offset = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;
  const std::uint64_t length = size - offset;
  std::uint64_t hash = k_fnv_offset ^ length;
  std::vector<std::byte> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(k_read_piece, length)));
  std::uint64_t done = 0;
  std::uint64_t tail = 0;
  while (done < length) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - done));
    const std::size_t got = read_at(descriptor, buffer.data(), want, offset + done);
    if (got < want) throw EnvelopeError("the file ended while its checksum was computed");
    std::size_t i = 0;
    for (; i + 8 <= got; i += 8) hash = (hash ^ load_le64(buffer.data() + i)) * k_fnv_prime;
    // Only the last piece can end off a word boundary.
    for (std::size_t shift = 0; i < got; ++i, shift += 8)
      tail |= std::to_integer<std::uint64_t>(buffer[i]) << shift;
    done += got;
  }
  return (hash ^ tail) * k_fnv_prime;
}

std::optional<Envelope> verify_envelope(const std::filesystem::path& path, int known_major) {
  Descriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) throw std::system_error(errno, std::generic_category(), "opening the file");
  struct stat status {};
  if (::fstat(file.get(), &status) != 0)
    throw std::system_error(errno, std::generic_category(), "reading the file's size");
  const auto size = static_cast<std::uint64_t>(status.st_size);
  std::byte first[k_envelope_bytes];
  const std::size_t seen = read_at(file.get(), first, sizeof first, 0);
  std::optional<Envelope> envelope = parse_envelope(std::span(first, seen), known_major);
  if (!envelope) return std::nullopt;
  const std::optional<int> major = version_major(envelope->format_version);
  if (major != known_major) {
    throw EnvelopeError(fmt::format(
        "it was written by format version {}; this shortfall reads {}.x: use the shortfall "
        "version that wrote it",
        envelope->format_version, known_major));
  }
  if (size < envelope->file_bytes)
    throw EnvelopeError(fmt::format("it is truncated: {} bytes of the {} written", size, envelope->file_bytes));
  if (size > envelope->file_bytes)
    throw EnvelopeError(fmt::format("it has {} bytes but {} were written: bytes were added to it",
                                    size, envelope->file_bytes));
  if (checksum_of_file(file.get(), k_envelope_bytes, size) != envelope->checksum)
    throw EnvelopeError(
        "its contents do not match the checksum written with it: the file is damaged or was "
        "changed after it was written");
  return envelope;
}

void seal_with_envelope(const std::filesystem::path& path, const std::string& format_version) {
  Descriptor file(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (file.get() < 0) throw std::system_error(errno, std::generic_category(), "opening the written file");
  struct stat status {};
  if (::fstat(file.get(), &status) != 0)
    throw std::system_error(errno, std::generic_category(), "reading the written file's size");
  const auto size = static_cast<std::uint64_t>(status.st_size);
  if (size < k_envelope_bytes) throw EnvelopeError("the written file is shorter than its header");
  Envelope envelope{format_version, size, checksum_of_file(file.get(), k_envelope_bytes, size)};
  const std::string header = format_envelope(envelope);
  std::size_t written = 0;
  while (written < header.size()) {
    const ssize_t count = ::pwrite(file.get(), header.data() + written, header.size() - written,
                                   static_cast<off_t>(written));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) throw std::system_error(errno, std::generic_category(), "writing the file's header");
    written += static_cast<std::size_t>(count);
  }
  // So a crash right after the rename cannot leave an empty or unsealed file.
  if (::fsync(file.get()) != 0)
    throw std::system_error(errno, std::generic_category(), "flushing the file to disk");
  file.close("closing the written file");
}

}  // namespace shortfall
