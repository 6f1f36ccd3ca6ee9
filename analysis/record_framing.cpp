#include "record_framing.h"

#include <fmt/format.h>

#include "byte_codec.h"

namespace shortfall {

std::array<std::byte, k_record_size_bytes> record_prefix(std::uint64_t size) {
  // byte_codec.h's append_le64, into a fixed array.
  std::array<std::byte, k_record_size_bytes> prefix{};
  for (std::size_t i = 0; i < prefix.size(); ++i)
    prefix[i] = static_cast<std::byte>(size >> (8 * i));
  return prefix;
}

void append_record(std::vector<std::byte>& stream, std::span<const std::byte> record) {
  const auto prefix = record_prefix(record.size());
  stream.insert(stream.end(), prefix.begin(), prefix.end());
  stream.insert(stream.end(), record.begin(), record.end());
}

namespace {

std::string cut_message(RecordError::Cut cut, std::uint64_t size, std::uint64_t left) {
  if (cut == RecordError::Cut::size) {
    return fmt::format("truncated: the stream ends {} bytes into a record's {}-byte size", size,
                       k_record_size_bytes);
  }
  return fmt::format("truncated: a record of {} bytes where {} are left", size, left);
}

}  // namespace

RecordError::RecordError(Cut cut_at, std::uint64_t size_seen, std::uint64_t bytes_left)
    : std::runtime_error(cut_message(cut_at, size_seen, bytes_left)),
      cut(cut_at),
      size(size_seen),
      left(bytes_left) {}

std::uint64_t checked_record_size(std::span<const std::byte> prefix,
                                  std::uint64_t left_after_prefix) {
  if (prefix.size() < k_record_size_bytes) {
    throw RecordError(RecordError::Cut::size, prefix.size(), left_after_prefix);
  }
  const std::uint64_t size = load_le64(prefix.data());
  if (size > left_after_prefix) throw RecordError(RecordError::Cut::bytes, size, left_after_prefix);
  return size;
}

std::span<const std::byte> RecordReader::next() {
  const std::span<const std::byte> prefix =
      rest_.first(std::min(rest_.size(), k_record_size_bytes));
  const std::size_t left = rest_.size() - prefix.size();
  const auto size = static_cast<std::size_t>(checked_record_size(prefix, left));
  const std::span<const std::byte> record = rest_.subspan(prefix.size(), size);
  rest_ = rest_.subspan(prefix.size() + size);
  return record;
}

std::vector<std::span<const std::byte>> split_records(std::span<const std::byte> stream) {
  std::vector<std::span<const std::byte>> records;
  RecordReader reader(stream);
  while (!reader.at_end()) records.push_back(reader.next());
  return records;
}

}  // namespace shortfall
