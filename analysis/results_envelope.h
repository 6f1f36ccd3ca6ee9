// The envelope of a results file: its first 512 bytes, an HDF5 user block
// (HDF5, h5py, xarray and ncdump skip it), holding a short text that lets
// shortfall check the file's bytes before HDF5 parses any of them:
//
//   shortfall-results 1.1
//   bytes 1234567
//   checksum fnv1a64 0x0123456789abcdef
//
// then NUL bytes up to 512. `bytes` is the whole file's size; the checksum
// (analysis/byte_codec.h's FNV-1a over little-endian 64-bit words) covers
// bytes 512 to the end, the HDF5 file proper. A truncated, extended or
// altered file fails the check, so a damaged file is refused with a clear
// message instead of being half read, crashing HDF5, or giving a silently
// wrong number. `head -c 512 FILE` shows it.
//
// Files of format 1.0 have no envelope (their first bytes are HDF5's
// signature); readers accept them without the check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace shortfall {

inline constexpr std::size_t k_envelope_bytes = 512;  // an HDF5 user block: a power of 2, >= 512
inline constexpr const char* k_envelope_magic = "shortfall-results ";

struct Envelope {
  std::string format_version;  // "1.1"
  std::uint64_t file_bytes = 0;
  std::uint64_t checksum = 0;
};

// A malformed envelope: the message says what is wrong, without the file name.
class EnvelopeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The 512 bytes of `envelope`.
std::string format_envelope(const Envelope& envelope);

// The envelope at the start of a file, from its first bytes (at most 512 are
// looked at). nullopt when they do not begin with "shortfall-results " (a
// file of format 1.0, or not a results file); EnvelopeError when they do but
// the rest is not an envelope. Only the first line is required of a
// version whose major is not `known_major`: a newer format may change the rest.
std::optional<Envelope> parse_envelope(std::span<const std::byte> first_bytes, int known_major);

// FNV-1a over 64-bit words (byte_codec.h's checksum()) of bytes
// [offset, size) of the open file `descriptor`, read in pieces; the same
// value checksum() gives for those bytes in memory. Throws
// std::system_error on a read error, EnvelopeError when the file ends early.
std::uint64_t checksum_of_file(int descriptor, std::uint64_t offset, std::uint64_t size);

// Checks the file at `path` against its envelope. Returns the envelope, or
// nullopt when the file has none. Throws EnvelopeError when the envelope is
// malformed, of a newer major version, or does not match the file (size or
// checksum); std::system_error when the file cannot be read.
std::optional<Envelope> verify_envelope(const std::filesystem::path& path, int known_major);

// Computes the checksum of the finished HDF5 file at `path` (written with a
// 512-byte user block), writes its envelope into the user block, and flushes
// the file to disk. Throws std::system_error on an I/O error.
void seal_with_envelope(const std::filesystem::path& path, const std::string& format_version);

}  // namespace shortfall
