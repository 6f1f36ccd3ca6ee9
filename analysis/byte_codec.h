// Little-endian bytes with a checksum: the one codec of every binary format
// the program writes (block tallies, scenario results, checkpoint files).
//
// Writers append fixed-width little-endian integers and IEEE doubles by
// their bit pattern (NaN payloads and -0.0 survive); readers check every
// length against what is left before they copy or allocate, so truncated or
// damaged bytes end in std::runtime_error naming what was being read.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace shortfall {

inline std::uint32_t load_le32(const std::byte* bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | std::to_integer<std::uint32_t>(bytes[i]);
  return value;
}

inline std::uint64_t load_le64(const std::byte* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  return value;
}

inline void append_le32(std::vector<std::byte>& bytes, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::byte>(value >> (8 * i)));
}

inline void append_le64(std::vector<std::byte>& bytes, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::byte>(value >> (8 * i)));
}

// FNV-1a over 64-bit words: each step is a bijection of the running value,
// so changing any single word always changes the result, and it runs at
// memory speed on the cash arrays.
inline std::uint64_t checksum(std::span<const std::byte> bytes) {
  constexpr std::uint64_t k_fnv_offset = 0xcbf29ce484222325ULL;
  constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;
  std::uint64_t hash = k_fnv_offset ^ bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) hash = (hash ^ load_le64(bytes.data() + i)) * k_fnv_prime;
  std::uint64_t tail = 0;
  for (std::size_t shift = 0; i < bytes.size(); ++i, shift += 8) {
    tail |= std::to_integer<std::uint64_t>(bytes[i]) << shift;
  }
  return (hash ^ tail) * k_fnv_prime;
}

inline std::uint64_t checksum(std::string_view text) {
  return checksum(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

class ByteWriter {
 public:
  explicit ByteWriter(std::size_t expected_size = 0) { bytes_.reserve(expected_size); }

  void put_u8(std::uint8_t value) { bytes_.push_back(static_cast<std::byte>(value)); }
  void put_u32(std::uint32_t value) { append_le32(bytes_, value); }
  void put_u64(std::uint64_t value) { append_le64(bytes_, value); }
  void put_i32(std::int32_t value) { put_u32(static_cast<std::uint32_t>(value)); }
  void put_i64(std::int64_t value) { put_u64(static_cast<std::uint64_t>(value)); }
  void put_f64(double value) { put_u64(std::bit_cast<std::uint64_t>(value)); }
  // LEB128: seven bits a byte, low first; small numbers take one byte.
  void put_varint(std::uint64_t value) {
    while (value >= 0x80) {
      put_u8(static_cast<std::uint8_t>(value | 0x80));
      value >>= 7;
    }
    put_u8(static_cast<std::uint8_t>(value));
  }
  void put_text(std::string_view text) {
    for (char c : text) bytes_.push_back(static_cast<std::byte>(c));
  }
  void put_f64s(std::span<const double> values) {
    if constexpr (std::endian::native == std::endian::little) {
      const std::size_t start = bytes_.size();
      bytes_.resize(start + values.size_bytes());
      if (!values.empty()) std::memcpy(bytes_.data() + start, values.data(), values.size_bytes());
    } else {
      for (double value : values) put_f64(value);
    }
  }

  // The bytes followed by the checksum of everything before it.
  std::vector<std::byte> finish() {
    const std::uint64_t sum = checksum(bytes_);
    put_u64(sum);
    return std::move(bytes_);
  }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  // `format` names the bytes in messages ("block tally", "scenario results").
  ByteReader(std::span<const std::byte> bytes, std::string_view format)
      : bytes_(bytes), format_(format) {}

  std::size_t remaining() const { return bytes_.size() - position_; }

  std::span<const std::byte> take(std::size_t count, const char* what) {
    if (count > remaining()) {
      throw std::runtime_error(fmt::format("{}: truncated at byte {} reading {} ({} bytes needed, {} left)",
                                           format_, position_, what, count, remaining()));
    }
    const auto taken = bytes_.subspan(position_, count);
    position_ += count;
    return taken;
  }

  std::uint8_t get_u8(const char* what) { return std::to_integer<std::uint8_t>(take(1, what)[0]); }
  std::uint32_t get_u32(const char* what) { return load_le32(take(4, what).data()); }
  std::uint64_t get_u64(const char* what) { return load_le64(take(8, what).data()); }
  std::int32_t get_i32(const char* what) { return static_cast<std::int32_t>(get_u32(what)); }
  std::int64_t get_i64(const char* what) { return static_cast<std::int64_t>(get_u64(what)); }
  double get_f64(const char* what) { return std::bit_cast<double>(get_u64(what)); }
  std::uint64_t get_varint(const char* what) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t byte = get_u8(what);
      if (shift == 63 && byte > 1) break;  // more than 64 bits
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail(fmt::format("{} is a varint longer than 64 bits", what));
  }

  bool get_flag(const char* what) {
    const std::uint8_t value = get_u8(what);
    if (value > 1) fail(fmt::format("{} = {} is not 0 or 1", what, value));
    return value == 1;
  }

  void get_f64s(std::span<double> values, const char* what) {
    const auto bytes = take(values.size_bytes(), what);
    if constexpr (std::endian::native == std::endian::little) {
      if (!values.empty()) std::memcpy(values.data(), bytes.data(), bytes.size());
    } else {
      for (std::size_t i = 0; i < values.size(); ++i) {
        values[i] = std::bit_cast<double>(load_le64(bytes.data() + 8 * i));
      }
    }
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw std::runtime_error(fmt::format("{}: corrupt before byte {}: {}", format_, position_, message));
  }

 private:
  std::span<const std::byte> bytes_;
  std::string format_;
  std::size_t position_ = 0;
};

}  // namespace shortfall
