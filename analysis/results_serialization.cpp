#include "analysis/results_serialization.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "analysis/byte_codec.h"

namespace shortfall {

namespace {

constexpr std::string_view k_magic{"SFRESLT\0", 8};
// Far beyond any scenario, small enough that S*T*Q cannot overflow: a
// damaged header fails here instead of asking for exabytes.
constexpr std::int32_t k_dimension_limit = 1 << 16;
constexpr std::size_t k_checksum_size = 8;

// Which dimensions an array spans, in the row-major order of
// scenario_results.h.
enum class Extent {
  structure,
  structure_month,
  structure_month_quantile,
  structure_quantile,
  structure_indicator,
  network_structure  // structure_count / provider_count: one value per structure of a network
};

struct ArrayField {
  const char* name;
  std::vector<double> ScenarioResults::*member;
  Extent extent;
};

// Every array, in the order the bytes hold them: the writer and the reader
// walk this one table, so they cannot disagree.
constexpr std::array<ArrayField, 20> k_arrays{{
    {"p_shortfall", &ScenarioResults::p_shortfall, Extent::structure},
    {"p_shortfall_ci_low", &ScenarioResults::p_shortfall_ci_low, Extent::structure},
    {"p_shortfall_ci_high", &ScenarioResults::p_shortfall_ci_high, Extent::structure},
    {"p_shortfall_diff", &ScenarioResults::p_shortfall_diff, Extent::structure},
    {"p_shortfall_diff_se", &ScenarioResults::p_shortfall_diff_se, Extent::structure},
    {"min_cash_mean", &ScenarioResults::min_cash_mean, Extent::structure},
    {"min_cash_cvar05", &ScenarioResults::min_cash_cvar05, Extent::structure},
    {"support_mean", &ScenarioResults::support_mean, Extent::structure},
    {"support_p95", &ScenarioResults::support_p95, Extent::structure},
    {"first_shortfall_month_mean", &ScenarioResults::first_shortfall_month_mean, Extent::structure},
    {"earned_fraction_mean", &ScenarioResults::earned_fraction_mean, Extent::structure},
    {"outcome_received_mean", &ScenarioResults::outcome_received_mean, Extent::structure},
    {"receivable_mean", &ScenarioResults::receivable_mean, Extent::structure},
    {"commissioner_cost_mean", &ScenarioResults::commissioner_cost_mean, Extent::structure},
    {"shortfall_by_month", &ScenarioResults::shortfall_by_month, Extent::structure_month},
    {"cash_quantiles", &ScenarioResults::cash_quantiles, Extent::structure_month_quantile},
    {"min_cash_quantiles", &ScenarioResults::min_cash_quantiles, Extent::structure_quantile},
    {"end_cash_quantiles", &ScenarioResults::end_cash_quantiles, Extent::structure_quantile},
    {"indicator_achievement_mean", &ScenarioResults::indicator_achievement_mean,
     Extent::structure_indicator},
    {"p_any_shortfall", &ScenarioResults::p_any_shortfall, Extent::network_structure},
}};

// A new member changes the size and stops the build here until the table
// above (and the layout in the header) learns it.
static_assert(sizeof(ScenarioResults) == 24 + k_arrays.size() * sizeof(std::vector<double>),
              "ScenarioResults changed: update results_serialization.cpp");

std::size_t expected_length(const ScenarioResults& results, Extent extent) {
  const auto structures = static_cast<std::size_t>(results.structure_count);
  const auto months = static_cast<std::size_t>(results.month_count);
  const auto indicators = static_cast<std::size_t>(results.indicator_count);
  const auto quantiles = static_cast<std::size_t>(k_quantile_count);
  switch (extent) {
    case Extent::structure:
      return structures;
    case Extent::structure_month:
      return structures * months;
    case Extent::structure_month_quantile:
      return structures * months * quantiles;
    case Extent::structure_quantile:
      return structures * quantiles;
    case Extent::structure_indicator:
      return structures * indicators;
    case Extent::network_structure:
      return structures / static_cast<std::size_t>(results.provider_count);
  }
  throw std::logic_error("results serialization: unknown array extent");
}

}  // namespace

std::vector<std::byte> serialize(const ScenarioResults& results) {
  if (results.structure_count < 0 || results.month_count < 0 || results.indicator_count < 0 ||
      results.provider_count < 1 || results.structure_count % results.provider_count != 0) {
    throw std::logic_error(fmt::format(
        "scenario results: {} structures, {} months, {} indicators cannot be serialised",
        results.structure_count, results.month_count, results.indicator_count));
  }
  std::size_t size = k_magic.size() + 4 + 8 + 5 * 4 + k_checksum_size;
  for (const ArrayField& field : k_arrays) {
    const std::vector<double>& values = results.*field.member;
    const std::size_t expected = expected_length(results, field.extent);
    if (values.size() != expected) {
      throw std::logic_error(fmt::format(
          "scenario results: {} has {} values where {} structures, {} months, {} indicators "
          "give {}",
          field.name, values.size(), results.structure_count, results.month_count,
          results.indicator_count, expected));
    }
    size += 8 + values.size() * sizeof(double);
  }

  ByteWriter writer(size);
  writer.put_text(k_magic);
  writer.put_u32(k_scenario_results_format_version);
  writer.put_i64(results.runs_done);
  writer.put_i32(results.structure_count);
  writer.put_i32(results.month_count);
  writer.put_i32(results.indicator_count);
  writer.put_i32(results.provider_count);
  writer.put_i32(k_quantile_count);
  for (const ArrayField& field : k_arrays) {
    const std::vector<double>& values = results.*field.member;
    writer.put_u64(values.size());
    // The bit pattern, not the value: NaN payloads and -0.0 survive.
    for (double value : values) writer.put_f64(value);
  }
  return writer.finish();
}

ScenarioResults deserialize_scenario_results(std::span<const std::byte> bytes) {
  // Tag and version first, so foreign bytes are named as such.
  const std::size_t header_size = k_magic.size() + 4;
  if (bytes.size() < header_size ||
      !std::equal(k_magic.begin(), k_magic.end(), bytes.begin(),
                  [](char c, std::byte b) { return b == static_cast<std::byte>(c); })) {
    throw std::runtime_error(
        "scenario results: the bytes do not start with the scenario results tag");
  }
  ByteReader header(bytes.subspan(k_magic.size()), "scenario results");
  const std::uint32_t version = header.get_u32("the format version");
  if (version != k_scenario_results_format_version) {
    throw std::runtime_error(
        fmt::format("scenario results: format version {} is not the known version {}", version,
                    k_scenario_results_format_version));
  }
  // Then the checksum: damaged bytes fail with one clear message before any
  // of their lengths are believed.
  if (bytes.size() < header_size + k_checksum_size) {
    throw std::runtime_error("scenario results: truncated (no room for the checksum)");
  }
  const auto body = bytes.first(bytes.size() - k_checksum_size);
  if (checksum(body) != load_le64(bytes.data() + body.size())) {
    throw std::runtime_error(
        "scenario results: checksum mismatch (the bytes are truncated or damaged)");
  }

  ByteReader reader(body, "scenario results");
  reader.take(header_size, "the header");
  ScenarioResults results;
  results.runs_done = static_cast<std::int64_t>(reader.get_u64("runs_done"));
  results.structure_count = reader.get_i32("structure_count");
  results.month_count = reader.get_i32("month_count");
  results.indicator_count = reader.get_i32("indicator_count");
  results.provider_count = reader.get_i32("provider_count");
  const std::int32_t quantile_count = reader.get_i32("quantile_count");
  if (results.runs_done < 0 || results.structure_count < 0 ||
      results.structure_count > k_dimension_limit || results.month_count < 0 ||
      results.month_count > k_dimension_limit || results.indicator_count < 0 ||
      results.indicator_count > k_dimension_limit || results.provider_count < 1 ||
      results.provider_count > k_dimension_limit ||
      results.structure_count % results.provider_count != 0) {
    reader.fail(fmt::format("{} runs, {} structures, {} months, {} indicators", results.runs_done,
                            results.structure_count, results.month_count, results.indicator_count));
  }
  if (quantile_count != k_quantile_count) {
    reader.fail(fmt::format("{} quantiles where this program reports {}", quantile_count,
                            k_quantile_count));
  }

  for (const ArrayField& field : k_arrays) {
    const std::uint64_t length = reader.get_u64(field.name);
    const std::size_t expected = expected_length(results, field.extent);
    if (length != expected) {
      reader.fail(fmt::format("{} has {} values where the dimensions give {}", field.name, length,
                              expected));
    }
    // The expected length is bounded by the dimension limits, and take()
    // checks it against what is left before anything is allocated.
    const auto values = reader.take(expected * sizeof(double), field.name);
    std::vector<double>& out = results.*field.member;
    out.resize(expected);
    for (std::size_t i = 0; i < expected; ++i) {
      out[i] = std::bit_cast<double>(load_le64(values.data() + 8 * i));
    }
  }
  if (reader.remaining() != 0) {
    reader.fail(fmt::format("{} bytes left over after the results", reader.remaining()));
  }
  return results;
}

}  // namespace shortfall
