#include "analysis/tally_serialization.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "analysis/byte_codec.h"

namespace shortfall {

namespace {

constexpr std::string_view k_magic{"SFBLOCK\0", 8};
constexpr std::string_view k_state_magic{"SFSTATE\0", 8};
constexpr std::uint8_t k_sum_negative = 0x80;  // ExactSum flags byte: limbs above are all ones
constexpr std::uint8_t k_sum_special_mask =
    ExactSum::k_has_nan | ExactSum::k_has_plus_infinity | ExactSum::k_has_minus_infinity;
// Far beyond any scenario, small enough that sizes computed from them cannot
// overflow: a damaged header fails here instead of asking for exabytes.
constexpr std::int32_t k_dimension_limit = 1 << 16;
constexpr std::size_t k_checksum_size = 8;
constexpr std::size_t k_outcome_size = 1 + 4 + 4 + 9 * 8;

// The writer and reader below spell out every field of RunOutcome; a new
// field changes its size and stops the build here until they learn it.
static_assert(sizeof(RunOutcome) == 88, "RunOutcome changed: update tally_serialization.cpp");

// An ExactSum: only the limbs that differ from the zeros below and the sign
// fill above (most sums occupy two or three of the 34).
void put_sum(ByteWriter& writer, const ExactSum& sum) {
  const ExactSum::Limbs& limbs = sum.limbs();
  const bool negative = (limbs.back() >> 63) != 0;
  const std::uint64_t fill = negative ? ~std::uint64_t{0} : 0;
  int first = 0;
  while (first < ExactSum::k_limb_count && limbs[first] == 0) ++first;
  int last = ExactSum::k_limb_count - 1;
  while (last >= 0 && limbs[last] == fill) --last;
  if (first == ExactSum::k_limb_count) first = 0;
  const int count = std::max(0, last - first + 1);
  writer.put_u8(static_cast<std::uint8_t>(sum.special_flags() | (negative ? k_sum_negative : 0)));
  writer.put_u8(static_cast<std::uint8_t>(first));
  writer.put_u8(static_cast<std::uint8_t>(count));
  for (int i = first; i < first + count; ++i) writer.put_u64(limbs[i]);
}

ExactSum get_sum(ByteReader& reader, const char* what) {
  const std::uint8_t flags = reader.get_u8(what);
  const std::uint8_t first = reader.get_u8(what);
  const std::uint8_t count = reader.get_u8(what);
  if ((flags & ~(k_sum_special_mask | k_sum_negative)) != 0 ||
      first + count > ExactSum::k_limb_count) {
    reader.fail(fmt::format("{}: flags {:#x}, limbs {}..{} are not an exact sum", what, flags, first,
                            first + count));
  }
  ExactSum::Limbs limbs{};
  std::fill(limbs.begin() + first + count, limbs.end(),
            (flags & k_sum_negative) != 0 ? ~std::uint64_t{0} : 0);
  for (int i = first; i < first + count; ++i) limbs[i] = reader.get_u64(what);
  return ExactSum(limbs, static_cast<std::uint8_t>(flags & k_sum_special_mask));
}

// A column's Sums; `sums` arrives sized for the shape.
void put_sums(ByteWriter& writer, const BlockTally::Sums& sums) {
  for (std::int64_t count : {sums.shortfalls, sums.diff_plus, sums.diff_minus,
                             sums.first_shortfall_month_sum, sums.months_in_shortfall_sum}) {
    writer.put_i64(count);
  }
  for (const ExactSum* sum :
       {&sums.min_cash_sum, &sums.support_sum, &sums.earned_fraction_sum, &sums.received_sum,
        &sums.receivable_sum, &sums.commissioner_cost_sum}) {
    put_sum(writer, *sum);
  }
  for (std::int64_t count : sums.first_shortfall_by_month) writer.put_i64(count);
  for (const ExactSum& sum : sums.achievement_sum) put_sum(writer, sum);
}

void get_sums(ByteReader& reader, BlockTally::Sums& sums) {
  for (std::int64_t* count : {&sums.shortfalls, &sums.diff_plus, &sums.diff_minus,
                              &sums.first_shortfall_month_sum, &sums.months_in_shortfall_sum}) {
    *count = reader.get_i64("sums");
  }
  for (ExactSum* sum : {&sums.min_cash_sum, &sums.support_sum, &sums.earned_fraction_sum,
                        &sums.received_sum, &sums.receivable_sum, &sums.commissioner_cost_sum}) {
    *sum = get_sum(reader, "sums");
  }
  for (std::int64_t& count : sums.first_shortfall_by_month) {
    count = reader.get_i64("first_shortfall_by_month");
  }
  for (ExactSum& sum : sums.achievement_sum) sum = get_sum(reader, "achievement_sum");
}

void put_outcome(ByteWriter& writer, const RunOutcome& outcome) {
  writer.put_u8(outcome.shortfall ? 1 : 0);
  writer.put_i32(outcome.first_shortfall_month);
  writer.put_i32(outcome.months_in_shortfall);
  for (double value :
       {outcome.min_cash, outcome.end_cash, outcome.support, outcome.pot, outcome.earned,
        outcome.received, outcome.receivable, outcome.earned_fraction, outcome.commissioner_cost}) {
    writer.put_f64(value);
  }
}

RunOutcome get_outcome(ByteReader& reader) {
  RunOutcome outcome;
  outcome.shortfall = reader.get_flag("outcome shortfall");
  outcome.first_shortfall_month = reader.get_i32("outcome");
  outcome.months_in_shortfall = reader.get_i32("outcome");
  for (double* value : {&outcome.min_cash, &outcome.end_cash, &outcome.support, &outcome.pot,
                        &outcome.earned, &outcome.received, &outcome.receivable,
                        &outcome.earned_fraction, &outcome.commissioner_cost}) {
    *value = reader.get_f64("outcome");
  }
  return outcome;
}

// Bytes per run of the per-run arrays: a lower bound on what must follow the
// header, checked before the arrays are allocated.
std::size_t bytes_per_run(const TallyShape& shape) {
  const auto structures = static_cast<std::size_t>(shape.structures);
  const auto months = static_cast<std::size_t>(shape.months);
  return structures * (months * 8 + 3 * 8 + 1 + (shape.keep_runs ? k_outcome_size : 0));
}

// The body of tagged, versioned, checksummed bytes (a block or a merged
// state), read past its tag and version. Tag and version are checked first,
// so foreign bytes are named as such; then the checksum, so damaged bytes
// fail with one clear message before any of their lengths are believed.
ByteReader checked_body(std::span<const std::byte> bytes, std::string_view tag,
                        std::uint32_t known_version, const char* name) {
  const std::size_t header_size = tag.size() + 4;
  if (bytes.size() < header_size ||
      !std::equal(tag.begin(), tag.end(), bytes.begin(),
                  [](char c, std::byte b) { return b == static_cast<std::byte>(c); })) {
    throw std::runtime_error(fmt::format("{}: the bytes do not start with the {} tag", name, name));
  }
  ByteReader header(bytes.subspan(tag.size()), name);
  const std::uint32_t version = header.get_u32("the format version");
  if (version != known_version) {
    throw std::runtime_error(fmt::format("{}: format version {} is not the known version {}", name,
                                         version, known_version));
  }
  if (bytes.size() < header_size + k_checksum_size) {
    throw std::runtime_error(fmt::format("{}: truncated (no room for the checksum)", name));
  }
  const auto body = bytes.first(bytes.size() - k_checksum_size);
  if (checksum(body) != load_le64(bytes.data() + body.size())) {
    throw std::runtime_error(
        fmt::format("{}: checksum mismatch (the bytes are truncated or damaged)", name));
  }
  ByteReader reader(body, name);
  reader.take(header_size, "the header");
  return reader;
}

// A tally's shape and runs as read: within the limits, or the bytes are refused.
void check_shape(const ByteReader& reader, const TallyShape& shape, std::int64_t first_run,
                 std::int64_t runs) {
  if (shape.structures < 1 || shape.structures > k_dimension_limit || shape.months < 1 ||
      shape.months > k_dimension_limit || shape.indicators < 0 ||
      shape.indicators > k_dimension_limit || shape.providers < 1 ||
      shape.structures % shape.providers != 0 || first_run < 0 || runs < 0) {
    reader.fail(fmt::format("{} structures, {} months, {} indicators, {} providers, {} runs from "
                            "run {}",
                            shape.structures, shape.months, shape.indicators, shape.providers, runs,
                            first_run));
  }
}

}  // namespace

std::vector<std::byte> serialize(const BlockTally& block) {
  const TallyShape& shape = block.shape();
  const std::size_t sums_bound =
      static_cast<std::size_t>(shape.structures) *
      (5 * 8 + (6 + static_cast<std::size_t>(shape.indicators)) * (3 + 8 * ExactSum::k_limb_count) +
       (static_cast<std::size_t>(shape.months) + 1) * 8);
  ByteWriter writer(64 + sums_bound +
                    bytes_per_run(shape) * static_cast<std::size_t>(block.run_count()));

  writer.put_text(k_magic);
  writer.put_u32(k_block_tally_format_version);
  writer.put_i32(shape.structures);
  writer.put_i32(shape.months);
  writer.put_i32(shape.indicators);
  writer.put_u8(shape.keep_runs ? 1 : 0);
  writer.put_i32(shape.providers);
  writer.put_i64(block.first_run());
  writer.put_i32(block.run_count());
  for (int recorded : block.recorded_runs) writer.put_i32(recorded);

  for (const auto& sums : block.sums) put_sums(writer, sums);

  writer.put_f64s(block.cash_by_month);
  writer.put_f64s(block.min_cash_by_run);
  writer.put_f64s(block.end_cash_by_run);
  writer.put_f64s(block.support_by_run);
  for (unsigned char flag : block.shortfall_flags) writer.put_u8(flag);
  if (shape.keep_runs) {
    for (const RunOutcome& outcome : block.outcomes) put_outcome(writer, outcome);
  }
  return writer.finish();
}

BlockTally deserialize_block_tally(std::span<const std::byte> bytes) {
  ByteReader reader = checked_body(bytes, k_magic, k_block_tally_format_version, "block tally");
  TallyShape shape;
  shape.structures = reader.get_i32("structures");
  shape.months = reader.get_i32("months");
  shape.indicators = reader.get_i32("indicators");
  shape.keep_runs = reader.get_flag("keep_runs");
  shape.providers = reader.get_i32("providers");
  const std::int64_t first_run = reader.get_i64("first_run");
  const std::int32_t run_count = reader.get_i32("run_count");
  check_shape(reader, shape, first_run, run_count);
  if (static_cast<std::size_t>(run_count) > reader.remaining() / bytes_per_run(shape)) {
    throw std::runtime_error(
        fmt::format("block tally: truncated ({} runs need more than the {} bytes left)", run_count,
                    reader.remaining()));
  }

  BlockTally block(shape, first_run, run_count);
  for (int& recorded : block.recorded_runs) {
    recorded = reader.get_i32("recorded_runs");
    if (recorded < 0 || recorded > run_count) {
      reader.fail(fmt::format("recorded_runs = {} is outside [0, {}]", recorded, run_count));
    }
  }
  for (auto& sums : block.sums) get_sums(reader, sums);

  reader.get_f64s(block.cash_by_month, "cash_by_month");
  reader.get_f64s(block.min_cash_by_run, "min_cash_by_run");
  reader.get_f64s(block.end_cash_by_run, "end_cash_by_run");
  reader.get_f64s(block.support_by_run, "support_by_run");
  for (unsigned char& flag : block.shortfall_flags)
    flag = reader.get_flag("shortfall_flags") ? 1 : 0;
  if (shape.keep_runs) {
    for (RunOutcome& outcome : block.outcomes) outcome = get_outcome(reader);
  }
  if (reader.remaining() != 0) {
    reader.fail(fmt::format("{} bytes left over after the tally", reader.remaining()));
  }
  return block;
}

namespace {

bool starts_with_tag(std::span<const std::byte> bytes, std::string_view tag) {
  return bytes.size() >= tag.size() &&
         std::equal(tag.begin(), tag.end(), bytes.begin(),
                    [](char c, std::byte b) { return b == static_cast<std::byte>(c); });
}

}  // namespace

bool is_merged_state(std::span<const std::byte> bytes) {
  return starts_with_tag(bytes, k_state_magic);
}

std::vector<std::byte> serialize(const ScenarioTally& tally) {
  if (!tally.blocks().empty()) {
    throw std::logic_error("serialize: a tally keeping its blocks is saved block by block");
  }
  const TallyShape& shape = tally.shape();
  const ScenarioTally::MergedState& state = tally.state();
  ByteWriter writer(4096);
  writer.put_text(k_state_magic);
  writer.put_u32(k_merged_state_format_version);
  writer.put_i32(shape.structures);
  writer.put_i32(shape.months);
  writer.put_i32(shape.indicators);
  writer.put_i32(shape.providers);
  writer.put_i64(tally.first_run());
  writer.put_i64(tally.runs());
  for (const auto& sums : state.sums) put_sums(writer, sums);
  for (const std::int64_t count : state.any_shortfall) writer.put_i64(count);
  for (const auto* sketches : {&state.cash, &state.min_cash, &state.end_cash, &state.support}) {
    for (const QuantileSketch& sketch : *sketches) sketch.write(writer);
  }
  return writer.finish();
}

ScenarioTally deserialize_scenario_tally(std::span<const std::byte> bytes) {
  ByteReader reader =
      checked_body(bytes, k_state_magic, k_merged_state_format_version, "merged state");
  TallyShape shape;
  shape.structures = reader.get_i32("structures");
  shape.months = reader.get_i32("months");
  shape.indicators = reader.get_i32("indicators");
  shape.providers = reader.get_i32("providers");
  const std::int64_t first_run = reader.get_i64("first_run");
  const std::int64_t runs = reader.get_i64("runs");
  check_shape(reader, shape, first_run, runs);
  // Each column's sums take more than 40 bytes: a damaged count fails here.
  if (static_cast<std::size_t>(shape.structures) > reader.remaining() / 40) {
    reader.fail(fmt::format("{} columns do not fit the {} bytes left", shape.structures,
                            reader.remaining()));
  }
  const ScenarioTally empty(shape);
  ScenarioTally::MergedState state = empty.state();
  for (auto& sums : state.sums) get_sums(reader, sums);
  for (std::int64_t& count : state.any_shortfall) count = reader.get_i64("any_shortfall");
  for (auto* sketches : {&state.cash, &state.min_cash, &state.end_cash, &state.support}) {
    for (QuantileSketch& sketch : *sketches) sketch = QuantileSketch::read(reader, "a sketch");
  }
  if (reader.remaining() != 0) {
    reader.fail(fmt::format("{} bytes left over after the state", reader.remaining()));
  }
  try {
    return ScenarioTally(shape, first_run, runs, std::move(state));
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("merged state: ") + error.what());
  }
}

std::vector<std::byte> serialize(const SavedWork& work) {
  return std::visit([](const auto& piece) { return serialize(piece); }, work);
}

SavedWork deserialize_saved_work(std::span<const std::byte> bytes) {
  if (is_merged_state(bytes)) return deserialize_scenario_tally(bytes);
  return deserialize_block_tally(bytes);
}

std::vector<SavedWork> saved_work_of(const ScenarioTally& tally) {
  std::vector<SavedWork> work;
  if (tally.keeps_blocks()) {
    for (const BlockTally& block : tally.blocks()) work.emplace_back(block);
  } else if (tally.runs() > 0) {
    work.emplace_back(tally);
  }
  return work;
}

void add_saved_work(ScenarioTally& tally, SavedWork work) {
  if (auto* block = std::get_if<BlockTally>(&work)) {
    tally.add(std::move(*block));
  } else {
    tally.add(std::get<ScenarioTally>(work));
  }
}

std::int64_t first_run_of(const SavedWork& work) {
  return std::visit([](const auto& piece) { return piece.first_run(); }, work);
}

}  // namespace shortfall
