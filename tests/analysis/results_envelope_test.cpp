// The envelope: its text, its parser's refusals, and the streamed checksum.
#include "analysis/results_envelope.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analysis/byte_codec.h"

namespace fs = std::filesystem;
using namespace shortfall;

namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

fs::path write_scratch(const std::string& name, const std::string& bytes) {
  const fs::path path =
      fs::temp_directory_path() / ("shortfall_envelope_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// A stand-in for an HDF5 file with its 512-byte user block: the body's
// length is deliberately not a multiple of 8, so the checksum's tail counts.
std::string sealed_file(const std::string& body, const std::string& version = "1.1") {
  const fs::path path = write_scratch("sealed", std::string(k_envelope_bytes, '\0') + body);
  seal_with_envelope(path, version);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(path);
  return bytes;
}

}  // namespace

TEST_CASE("envelope: the text is three lines padded with NULs to 512 bytes", "[results_envelope]") {
  const std::string text = format_envelope({"1.1", 123456, 0x0123456789abcdefULL});
  REQUIRE(text.size() == k_envelope_bytes);
  const std::string expected = "shortfall-results 1.1\nbytes 123456\nchecksum fnv1a64 0x0123456789abcdef\n";
  CHECK(text.substr(0, expected.size()) == expected);
  CHECK(text.find_first_not_of('\0', expected.size()) == std::string::npos);

  const auto parsed = parse_envelope(bytes_of(text), 1);
  REQUIRE(parsed);
  CHECK(parsed->format_version == "1.1");
  CHECK(parsed->file_bytes == 123456);
  CHECK(parsed->checksum == 0x0123456789abcdefULL);
}

TEST_CASE("envelope: no envelope is not an error, a damaged one is", "[results_envelope]") {
  const std::string good = format_envelope({"1.1", 600, 42});
  SECTION("HDF5's own signature first (format 1.0): no envelope") {
    const std::string hdf5 = std::string("\x89HDF\r\n\x1a\n") + std::string(600, '\0');
    CHECK_FALSE(parse_envelope(bytes_of(hdf5), 1));
    CHECK_FALSE(parse_envelope({}, 1));
  }
  SECTION("a newer major version: only its first line is read") {
    const auto parsed = parse_envelope(bytes_of("shortfall-results 2.0\nanything at all"), 1);
    REQUIRE(parsed);
    CHECK(parsed->format_version == "2.0");
  }
  SECTION("cut within the header") {
    CHECK_THROWS_WITH(parse_envelope(bytes_of(good.substr(0, 100)), 1), Catch::Contains("truncated"));
    // Cut within the magic it is no envelope; HDF5 then finds no signature.
    CHECK_FALSE(parse_envelope(bytes_of(good.substr(0, 10)), 1));
  }
  SECTION("every single damaged character of the text is caught") {
    const std::size_t text_length = good.find('\0');
    for (std::size_t position = 0; position < text_length; ++position) {
      std::string damaged = good;
      damaged[position] = position % 2 == 0 ? (good[position] == 'x' ? 'y' : 'x') : '\0';
      INFO("character " << position);
      bool refused_or_foreign = false;
      try {
        const auto parsed = parse_envelope(bytes_of(damaged), 1);
        // Damage to the magic makes it not an envelope at all; damage to the
        // version's digits can leave a readable version (read_results_file
        // checks it against the file's format_version attribute).
        refused_or_foreign = !parsed || parsed->format_version != "1.1" ||
                             (position >= 19 && position <= 20);
      } catch (const EnvelopeError&) {
        refused_or_foreign = true;
      }
      CHECK(refused_or_foreign);
    }
  }
  SECTION("text after the checksum line") {
    std::string damaged = good;
    damaged[300] = 'x';
    CHECK_THROWS_WITH(parse_envelope(bytes_of(damaged), 1), Catch::Contains("after the checksum"));
  }
  SECTION("upper-case hexadecimal is not what the writer writes") {
    std::string damaged = good;
    damaged.replace(damaged.find("0x") + 2, 16, "000000000000002A");
    CHECK_THROWS_AS(parse_envelope(bytes_of(damaged), 1), EnvelopeError);
  }
}

TEST_CASE("envelope: the streamed checksum equals byte_codec's checksum", "[results_envelope]") {
  // Lengths around the 8-byte word and the 1 MiB piece the stream reads.
  for (const std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8},
                                   std::size_t{9}, std::size_t{1} << 20, (std::size_t{1} << 20) + 3,
                                   (std::size_t{3} << 20) + 13}) {
    std::string body(length, '\0');
    for (std::size_t i = 0; i < length; ++i) body[i] = static_cast<char>((i * 2654435761u) >> 13);
    const fs::path path = write_scratch("stream", std::string(k_envelope_bytes, 'e') + body);
    const int descriptor = ::open(path.c_str(), O_RDONLY);
    REQUIRE(descriptor >= 0);
    INFO("length " << length);
    CHECK(checksum_of_file(descriptor, k_envelope_bytes, k_envelope_bytes + length) ==
          checksum(bytes_of(body)));
    ::close(descriptor);
    fs::remove(path);
  }
}

TEST_CASE("envelope: a sealed file verifies; truncated, extended or altered it does not",
          "[results_envelope]") {
  const std::string body = "an HDF5 file would be here; 43 bytes long..";
  const std::string sealed = sealed_file(body);
  REQUIRE(sealed.size() == k_envelope_bytes + body.size());

  const fs::path path = write_scratch("verify", sealed);
  const auto envelope = verify_envelope(path, 1);
  REQUIRE(envelope);
  CHECK(envelope->file_bytes == sealed.size());
  CHECK(envelope->checksum == checksum(bytes_of(body)));

  SECTION("truncated") {
    const fs::path cut = write_scratch("cut", sealed.substr(0, sealed.size() - 1));
    CHECK_THROWS_WITH(verify_envelope(cut, 1), Catch::Contains("truncated: 554 bytes of the 555 written"));
    fs::remove(cut);
  }
  SECTION("extended") {
    const fs::path longer = write_scratch("longer", sealed + "x");
    CHECK_THROWS_WITH(verify_envelope(longer, 1), Catch::Contains("bytes were added"));
    fs::remove(longer);
  }
  SECTION("one byte altered") {
    std::string altered = sealed;
    altered[k_envelope_bytes + 10] = 'X';
    const fs::path changed = write_scratch("changed", altered);
    CHECK_THROWS_WITH(verify_envelope(changed, 1), Catch::Contains("do not match the checksum"));
    fs::remove(changed);
  }
  SECTION("a newer major version is refused by its version") {
    const fs::path future = write_scratch("future", sealed_file(body, "2.0"));
    CHECK_THROWS_WITH(verify_envelope(future, 1),
                      Catch::Contains("was written by format version 2.0; this shortfall reads 1.x"));
    fs::remove(future);
  }
  SECTION("no envelope: nothing to verify") {
    const fs::path plain = write_scratch("plain", std::string(k_envelope_bytes, '\0') + body);
    CHECK_FALSE(verify_envelope(plain, 1));
    fs::remove(plain);
  }
  fs::remove(path);
}
