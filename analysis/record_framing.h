// Length-prefixed records: each record is its size in bytes as a u64
// little-endian, then the bytes. Nothing else: no count, no separator, no
// checksum (the records carry their own, analysis/byte_codec.h).
//
// The one framing of the program's record streams: the blocks of a shard's
// part file (its datasets `shard/blocks_NNNNNN`, analysis/shard_part.h) and
// the items after a checkpoint file's header (sim/engine/checkpoint.h).
// Readers check every size against the bytes that are left before they
// allocate or copy, so a damaged size cannot ask for more memory than the
// bytes could ever fill, and a cut-short stream ends in RecordError.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace shortfall {

inline constexpr std::size_t k_record_size_bytes = 8;

// A stream of records that ends early. The message says what was cut short
// (the size or the bytes of a record), without naming the stream; callers
// that name their records in their own words (a checkpoint's items) read
// what was cut from the fields.
class RecordError : public std::runtime_error {
 public:
  enum class Cut { size, bytes };
  RecordError(Cut cut, std::uint64_t size, std::uint64_t left);

  Cut cut;
  std::uint64_t size;  // size: the bytes of the size seen; bytes: the record's size
  std::uint64_t left;  // bytes: the bytes left for it
};

// The bytes that go before a record of `size` bytes.
std::array<std::byte, k_record_size_bytes> record_prefix(std::uint64_t size);

// Appends `record`, framed, to `stream`.
void append_record(std::vector<std::byte>& stream, std::span<const std::byte> record);

// The size announced by a record's prefix, checked. `prefix` is what is left
// of the stream where the record starts, up to 8 bytes (fewer: the stream
// ends inside the size); `left_after_prefix` is how many bytes follow it.
// Throws RecordError when the size is cut short or runs past the end.
std::uint64_t checked_record_size(std::span<const std::byte> prefix,
                                  std::uint64_t left_after_prefix);

// The records of a stream held in memory, one at a time, as views into it.
class RecordReader {
 public:
  explicit RecordReader(std::span<const std::byte> stream) : rest_(stream) {}

  bool at_end() const { return rest_.empty(); }

  // The next record. Throws RecordError when the stream ends inside it.
  std::span<const std::byte> next();

 private:
  std::span<const std::byte> rest_;
};

// Every record of `stream`, in order (none for an empty stream). Throws
// RecordError when the last one is cut short.
std::vector<std::span<const std::byte>> split_records(std::span<const std::byte> stream);

// The next record of a stream read from a file, one record in memory at a
// time. `Source` has `std::uint64_t remaining() const` (the bytes left) and
// `void read(std::span<std::byte>)` (exactly that many bytes). Throws
// RecordError when the stream ends inside the record.
template <class Source>
std::vector<std::byte> read_record(Source& source) {
  std::array<std::byte, k_record_size_bytes> prefix{};
  const auto seen =
      static_cast<std::size_t>(std::min<std::uint64_t>(source.remaining(), prefix.size()));
  const std::span<std::byte> size_bytes = std::span(prefix).first(seen);
  source.read(size_bytes);
  const std::uint64_t size = checked_record_size(size_bytes, source.remaining());
  std::vector<std::byte> record(static_cast<std::size_t>(size));
  source.read(record);
  return record;
}

}  // namespace shortfall
