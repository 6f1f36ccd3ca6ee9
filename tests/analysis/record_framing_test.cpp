// Length-prefixed records: the bytes of the framing, round trips, and a
// clear error wherever a stream is cut short.
#include "analysis/record_framing.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

using namespace shortfall;

namespace {

std::vector<std::byte> bytes_of(const std::string& text) {
  std::vector<std::byte> bytes;
  for (const char c : text) bytes.push_back(static_cast<std::byte>(c));
  return bytes;
}

std::string text_of(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A stream read from "a file": what read_record asks of its source.
class MemorySource {
 public:
  explicit MemorySource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  std::uint64_t remaining() const { return bytes_.size(); }
  void read(std::span<std::byte> out) {
    REQUIRE(out.size() <= bytes_.size());  // read_record never asks past the end
    std::copy_n(bytes_.begin(), out.size(), out.begin());
    bytes_ = bytes_.subspan(out.size());
  }

 private:
  std::span<const std::byte> bytes_;
};

// Three records, one of them empty.
std::vector<std::byte> three_records() {
  std::vector<std::byte> stream;
  append_record(stream, bytes_of("first"));
  append_record(stream, {});
  append_record(stream, bytes_of("the third record"));
  return stream;
}

}  // namespace

TEST_CASE("record framing: a record is its size as u64 little-endian, then its bytes",
          "[record_framing]") {
  std::vector<std::byte> stream;
  append_record(stream, bytes_of("abc"));
  // The layout the shard parts and checkpoints on disk already have.
  const std::vector<std::byte> expected{std::byte{3},   std::byte{0},   std::byte{0},  std::byte{0},
                                        std::byte{0},   std::byte{0},   std::byte{0},  std::byte{0},
                                        std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
  CHECK(stream == expected);
  const auto prefix = record_prefix(0x0102030405060708ULL);
  CHECK(prefix[0] == std::byte{0x08});
  CHECK(prefix[7] == std::byte{0x01});
}

TEST_CASE("record framing: records round-trip", "[record_framing]") {
  const std::vector<std::byte> stream = three_records();

  SECTION("split from memory") {
    const auto records = split_records(stream);
    REQUIRE(records.size() == 3);
    CHECK(text_of(records[0]) == "first");
    CHECK(records[1].empty());
    CHECK(text_of(records[2]) == "the third record");
  }
  SECTION("read one at a time from a source") {
    MemorySource source(stream);
    CHECK(text_of(read_record(source)) == "first");
    CHECK(read_record(source).empty());
    CHECK(text_of(read_record(source)) == "the third record");
    CHECK(source.remaining() == 0);
  }
}

TEST_CASE("record framing: an empty stream holds no records", "[record_framing]") {
  CHECK(split_records({}).empty());
  RecordReader reader({});
  CHECK(reader.at_end());
}

TEST_CASE("record framing: a stream cut inside a record's size is refused", "[record_framing]") {
  const std::vector<std::byte> stream = three_records();
  // "first" takes bytes [0, 13); the empty record's size is bytes [13, 21).
  for (std::size_t cut = 14; cut < 21; ++cut) {
    INFO("cut after " << cut << " bytes");
    const std::span<const std::byte> truncated = std::span(stream).first(cut);
    CHECK_THROWS_AS(split_records(truncated), RecordError);
    CHECK_THROWS_WITH(
        split_records(truncated),
        Catch::Contains("truncated") &&
            Catch::Contains(std::to_string(cut - 13) + " bytes into a record's 8-byte size"));
    MemorySource source(truncated);
    (void)read_record(source);
    CHECK_THROWS_AS(read_record(source), RecordError);
  }
}

TEST_CASE("record framing: a stream cut inside a record's bytes is refused", "[record_framing]") {
  const std::vector<std::byte> stream = three_records();
  // The third record's bytes are [29, 45): 16 bytes.
  const std::span<const std::byte> truncated = std::span(stream).first(40);
  CHECK_THROWS_WITH(split_records(truncated),
                    Catch::Contains("truncated: a record of 16 bytes where 11 are left"));
  MemorySource source(truncated);
  (void)read_record(source);
  (void)read_record(source);
  CHECK_THROWS_WITH(read_record(source), Catch::Contains("a record of 16 bytes where 11 are left"));
}

TEST_CASE("record framing: a damaged size never asks for more than the stream holds",
          "[record_framing]") {
  std::vector<std::byte> stream = three_records();
  stream[7] = std::byte{0xff};  // the first size becomes about 1.8e19
  CHECK_THROWS_AS(split_records(stream), RecordError);
  MemorySource source(stream);
  CHECK_THROWS_AS(read_record(source), RecordError);
}
