// The results file: round trip, kept runs, atomic writes, refusals, and the
// netCDF-4 view of the layout (ncdump and xarray through h5netcdf).
#include "analysis/results_file.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "analysis/hdf5_handles.h"
#include "analysis/results_envelope.h"
#include "support/scratch_folder.h"

namespace fs = std::filesystem;
using namespace shortfall;

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// A fresh, empty folder per test case.
class ScratchFolder : public testing::ScratchFolder {
 public:
  explicit ScratchFolder(const std::string& name) : testing::ScratchFolder("results_file_test", name) {}
};

std::string file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every field gets its own values: value(n) differs for every n.
struct ValueSource {
  double next = 1.0;
  std::vector<double> take(std::size_t count) {
    std::vector<double> values(count);
    for (double& value : values) {
      value = next * 1.0009765625 - 3.0e5;  // exact in binary, distinct, some negative
      next += 1.0;
    }
    return values;
  }
};

ResultsData sample_results(int scenarios = 2, int structures = 3, int months = 6,
                           int indicators = 2) {
  ResultsData data;
  ResultsMetadata& meta = data.meta;
  meta.program_version = "0.1.0";
  meta.git_revision = "abc123def456";
  meta.seed = 18446744073709551557ULL;  // above 2^63: the whole uint64 range survives
  meta.runs = 100000;
  meta.horizon_months = months;
  meta.created_utc = "2024-04-01T12:00:00Z";
  // Beyond 64 KiB, the limit of compact attribute storage, and not ASCII.
  meta.scenario_toml = "title = \"Struggling trust: £2m opening cash\"\n" +
                       std::string(70000, '#') + "\n[simulation]\nruns = 100000\n";
  meta.command_line = "shortfall run scenarios/struggling-trust.toml --runs 100000";
  meta.complete = 1;
  meta.elapsed_seconds = 12.375;
  meta.host = "";  // empty text must survive too
  meta.isa = "avx2,avx512";
  const std::vector<std::string> names{"bonus", "withhold", "advance", "hybrid_0.5"};
  const std::vector<double> fractions{0.0, 1.0, 0.0, 0.5};
  for (int v = 0; v < structures; ++v) {
    meta.structure_names.push_back(names[static_cast<std::size_t>(v) % names.size()] +
                                   (v >= 4 ? std::to_string(v) : ""));
    meta.withhold_fraction.push_back(fractions[static_cast<std::size_t>(v) % fractions.size()]);
  }
  for (int k = 0; k < indicators; ++k) {
    meta.indicator_ids.push_back("indicator_" + std::to_string(k));
    meta.indicator_names.push_back("Indicator number " + std::to_string(k) + " – ≥ 80 %");
  }

  SweptKey share{"contract.outcome_share", false, {}, {}};
  SweptKey basis{"contract.basis", true, {}, {}};
  for (int s = 0; s < scenarios; ++s) {
    share.numbers.push_back(0.02 + 0.01 * s);
    basis.texts.push_back(s % 2 == 0 ? "block" : "capitation");
  }
  data.swept_keys = {share, basis};

  ValueSource source;
  const auto st = static_cast<std::size_t>(structures);
  const auto t = static_cast<std::size_t>(months);
  const auto q = static_cast<std::size_t>(k_quantile_count);
  const auto k = static_cast<std::size_t>(indicators);
  for (int s = 0; s < scenarios; ++s) {
    ScenarioResults row;
    row.runs_done = 100000 - s;
    row.structure_count = structures;
    row.month_count = months;
    row.indicator_count = indicators;
    for (auto* field :
         {&row.p_shortfall, &row.p_shortfall_ci_low, &row.p_shortfall_ci_high,
          &row.p_shortfall_diff, &row.p_shortfall_diff_se, &row.min_cash_mean, &row.min_cash_cvar05,
          &row.support_mean, &row.support_p95, &row.first_shortfall_month_mean,
          &row.earned_fraction_mean, &row.outcome_received_mean, &row.receivable_mean,
          &row.commissioner_cost_mean})
      *field = source.take(st);
    row.shortfall_by_month = source.take(st * t);
    row.cash_quantiles = source.take(st * t * q);
    row.min_cash_quantiles = source.take(st * q);
    row.end_cash_quantiles = source.take(st * q);
    row.indicator_achievement_mean = source.take(st * k);
    row.p_any_shortfall = row.p_shortfall;  // one provider
    // No run of this structure fell short: the mean is NaN (docs/model.md 7).
    // (With one structure there is no second one to mark: ASan found this
    // writing past the end.)
    if (structures > 1) row.first_shortfall_month_mean[1] = k_nan;
    row.p_shortfall_diff_se[0] = -0.0;
    data.scenarios.push_back(row);
  }
  return data;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  return true;
}

void require_same_results(const ScenarioResults& a, const ScenarioResults& b) {
  CHECK(a.runs_done == b.runs_done);
  CHECK(a.structure_count == b.structure_count);
  CHECK(a.month_count == b.month_count);
  CHECK(a.indicator_count == b.indicator_count);
  CHECK(same_bits(a.p_shortfall, b.p_shortfall));
  CHECK(same_bits(a.p_shortfall_ci_low, b.p_shortfall_ci_low));
  CHECK(same_bits(a.p_shortfall_ci_high, b.p_shortfall_ci_high));
  CHECK(same_bits(a.p_shortfall_diff, b.p_shortfall_diff));
  CHECK(same_bits(a.p_shortfall_diff_se, b.p_shortfall_diff_se));
  CHECK(same_bits(a.min_cash_mean, b.min_cash_mean));
  CHECK(same_bits(a.min_cash_cvar05, b.min_cash_cvar05));
  CHECK(same_bits(a.support_mean, b.support_mean));
  CHECK(same_bits(a.support_p95, b.support_p95));
  CHECK(same_bits(a.first_shortfall_month_mean, b.first_shortfall_month_mean));
  CHECK(same_bits(a.earned_fraction_mean, b.earned_fraction_mean));
  CHECK(same_bits(a.outcome_received_mean, b.outcome_received_mean));
  CHECK(same_bits(a.receivable_mean, b.receivable_mean));
  CHECK(same_bits(a.commissioner_cost_mean, b.commissioner_cost_mean));
  CHECK(same_bits(a.shortfall_by_month, b.shortfall_by_month));
  CHECK(same_bits(a.cash_quantiles, b.cash_quantiles));
  CHECK(same_bits(a.min_cash_quantiles, b.min_cash_quantiles));
  CHECK(same_bits(a.end_cash_quantiles, b.end_cash_quantiles));
  CHECK(same_bits(a.indicator_achievement_mean, b.indicator_achievement_mean));
}

void require_same_data(const ResultsData& written, const ResultsData& read) {
  const ResultsMetadata& a = written.meta;
  const ResultsMetadata& b = read.meta;
  CHECK(b.format_version == "1.3");
  CHECK(a.program_version == b.program_version);
  CHECK(a.git_revision == b.git_revision);
  CHECK(a.seed == b.seed);
  CHECK(a.runs == b.runs);
  CHECK(a.horizon_months == b.horizon_months);
  CHECK(a.created_utc == b.created_utc);
  CHECK(a.scenario_toml == b.scenario_toml);
  CHECK(a.command_line == b.command_line);
  CHECK(a.complete == b.complete);
  CHECK(std::bit_cast<std::uint64_t>(a.elapsed_seconds) ==
        std::bit_cast<std::uint64_t>(b.elapsed_seconds));
  CHECK(a.host == b.host);
  CHECK(a.isa == b.isa);
  CHECK(a.structure_names == b.structure_names);
  CHECK(same_bits(a.withhold_fraction, b.withhold_fraction));
  CHECK(a.indicator_ids == b.indicator_ids);
  CHECK(a.indicator_names == b.indicator_names);

  CHECK(written.target_met == read.target_met);
  REQUIRE(written.swept_keys.size() == read.swept_keys.size());
  for (std::size_t i = 0; i < written.swept_keys.size(); ++i) {
    const SweptKey& x = written.swept_keys[i];
    const SweptKey& y = read.swept_keys[i];
    CHECK(x.key == y.key);
    CHECK(x.is_text == y.is_text);
    CHECK(same_bits(x.numbers, y.numbers));
    CHECK(x.texts == y.texts);
  }

  REQUIRE(written.scenarios.size() == read.scenarios.size());
  for (std::size_t s = 0; s < written.scenarios.size(); ++s)
    require_same_results(written.scenarios[s], read.scenarios[s]);
}

// ---------------------------------------------------------------------------
// Kept runs from hand-built blocks.

// Run j of structure v in a scenario: every field a distinct function of
// (scenario, structure, run), so a misplaced value shows.
RunOutcome hand_outcome(int scenario, int structure, std::int64_t run) {
  const double tag = 1000.0 * scenario + 100.0 * structure + static_cast<double>(run);
  RunOutcome outcome;
  outcome.shortfall = (run + structure) % 2 == 1;
  outcome.first_shortfall_month = outcome.shortfall ? static_cast<int>(run % 6) + 1 : 0;
  outcome.months_in_shortfall = outcome.shortfall ? static_cast<int>(run % 3) + 1 : 0;
  outcome.min_cash = -1.0e6 + tag;
  outcome.end_cash = 2.0e6 + tag;
  outcome.support = 3.0e5 + tag;
  outcome.pot = 6.0e6;
  outcome.earned = 4.0e6 + tag;
  outcome.received = 3.5e6 + tag;
  outcome.receivable = -5.0e4 + tag;
  outcome.earned_fraction = 0.5 + tag * 1e-6;
  outcome.commissioner_cost = 2.0e8 + tag;
  return outcome;
}

double hand_cash(int scenario, int structure, std::int64_t run, int month) {
  return 1.0e6 * scenario + 1.0e4 * structure + 10.0 * static_cast<double>(run) + month;
}

constexpr int k_kept_structures = 3;
constexpr int k_kept_months = 6;
constexpr int k_kept_indicators = 2;

// One scenario's tally of `block_sizes` consecutive blocks.
ScenarioTally hand_tally(int scenario, const std::vector<int>& block_sizes) {
  const TallyShape shape{k_kept_structures, k_kept_months, k_kept_indicators, true};
  ScenarioTally tally(shape);
  std::int64_t first_run = 0;
  for (int size : block_sizes) {
    BlockTally block(shape, first_run, size);
    for (int j = 0; j < size; ++j) {
      for (int v = 0; v < k_kept_structures; ++v) {
        const RunOutcome outcome = hand_outcome(scenario, v, first_run + j);
        std::vector<double> path;
        for (int t = 1; t <= k_kept_months; ++t)
          path.push_back(hand_cash(scenario, v, first_run + j, t));
        const std::vector<double> achievement{0.75, 0.8};
        block.record(v, j, outcome, path, achievement);
      }
    }
    tally.add(std::move(block));
    first_run += size;
  }
  return tally;
}

// The writer asks for one scenario's runs at a time.
KeptRunsSource kept_source(const std::vector<const ScenarioTally*>& tallies) {
  return [tallies](std::size_t s) -> const ScenarioTally& { return *tallies.at(s); };
}

// Sample statistics whose runs_done match the kept tallies, as a run writes them.
ResultsData sample_results_for(const std::vector<const ScenarioTally*>& tallies) {
  ResultsData data = sample_results(static_cast<int>(tallies.size()), k_kept_structures,
                                    k_kept_months, k_kept_indicators);
  for (std::size_t s = 0; s < tallies.size(); ++s) data.scenarios[s].runs_done = tallies[s]->runs();
  return data;
}

template <class T>
std::vector<T> read_whole(hid_t group, const char* name, hid_t memory_type,
                          std::vector<hsize_t>& extents) {
  H5Handle dataset = H5Handle::dataset(H5Dopen2(group, name, H5P_DEFAULT), name);
  H5Handle space = H5Handle::dataspace(H5Dget_space(dataset.get()), name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  extents.assign(static_cast<std::size_t>(rank), 0);
  H5Sget_simple_extent_dims(space.get(), extents.data(), nullptr);
  hsize_t elements = 1;
  for (hsize_t extent : extents) elements *= extent;
  std::vector<T> values(elements);
  require(H5Dread(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  return values;
}

std::vector<std::string> attached_dimension_names(hid_t group, const char* name) {
  H5Handle dataset = H5Handle::dataset(H5Dopen2(group, name, H5P_DEFAULT), name);
  H5Handle space = H5Handle::dataspace(H5Dget_space(dataset.get()), name);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<std::string> names;
  for (int axis = 0; axis < rank; ++axis) {
    struct Found {
      std::string name;
    } found;
    auto take_name = [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
      char buffer[64] = {};
      H5DSget_scale_name(scale, buffer, sizeof buffer);
      static_cast<Found*>(data)->name = buffer;
      return 1;
    };
    int index = 0;
    H5DSiterate_scales(dataset.get(), static_cast<unsigned>(axis), &index, take_name, &found);
    names.push_back(found.name);
  }
  return names;
}

// ---------------------------------------------------------------------------
// Running tools.

struct CommandResult {
  int exit_status = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool have_program(const std::string& program) {
  return run_command("command -v " + program + " >/dev/null").exit_status == 0;
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

}  // namespace

// ---------------------------------------------------------------------------

TEST_CASE("results file: every statistic and the metadata round-trip bit for bit",
          "[results_file]") {
  const ScratchFolder scratch("round_trip");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  const ResultsData written = sample_results(2, 3, 6, 2);
  write_results_file(path, written);
  const ResultsData read = read_results_file(path);
  require_same_data(written, read);
  CHECK(std::isnan(read.scenarios[0].first_shortfall_month_mean[1]));
  CHECK(std::signbit(read.scenarios[1].p_shortfall_diff_se[0]));
}

TEST_CASE("results file: target_met is written only for a run that stops on precision",
          "[results_file]") {
  const ScratchFolder scratch("target_met");
  const fs::path path = scratch.path() / "results.h5";
  ResultsData written = sample_results(3, 2, 4, 1);
  written.target_met = {1, 0, 1};
  write_results_file(path, written);
  require_same_data(written, read_results_file(path));

  written.target_met = {1, 0};  // one flag short
  REQUIRE_THROWS_WITH(write_results_file(path, written),
                      Catch::Contains("target_met has 2 values for 3 scenarios"));
}

TEST_CASE("results file: a solve's request and answers round-trip in the group solve",
          "[results_file]") {
  const ScratchFolder scratch("solve");
  const fs::path path = scratch.path() / "results.h5";
  ResultsData written = sample_results(3, 2, 4, 1);
  SolveRecord record;
  record.key = "provider.opening_cash_days";
  record.statistic = "p_shortfall";
  record.target = 0.05;
  record.bracket_low = 0;
  record.bracket_high = 60;
  record.tolerance = 0.06;
  SolveAnswer found{true, "", 40.5, 38.25, 43.0, 0.0495, "above", false, true};
  SolveAnswer missing{false, "P(shortfall) stays above 5 %", k_nan, k_nan, k_nan, k_nan, "",
                      false, false};
  record.answers = {found, missing};
  record.evaluation = {2, 0, 1};
  written.solve = record;
  write_results_file(path, written);
  const ResultsData read = read_results_file(path);
  require_same_data(written, read);
  REQUIRE(read.solve.has_value());
  CHECK(read.solve->key == record.key);
  CHECK(read.solve->tolerance == 0.06);
  CHECK(read.solve->answers[0] == found);
  CHECK(read.solve->answers[1].reason == missing.reason);
  CHECK(std::isnan(read.solve->answers[1].value));
  CHECK(read.solve->evaluation == record.evaluation);
  // A file of `run` has no such group.
  const fs::path plain = scratch.path() / "plain.h5";
  write_results_file(plain, sample_results(3, 2, 4, 1));
  CHECK_FALSE(read_results_file(plain).solve.has_value());

  written.solve->evaluation = {0, 1};
  REQUIRE_THROWS_WITH(write_results_file(path, written),
                      Catch::Contains("the solve's answers are not one per structure"));
}

TEST_CASE("results file: a sweep without indicators or swept keys round-trips", "[results_file]") {
  const ScratchFolder scratch("no_indicators");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  ResultsData written = sample_results(1, 1, 1, 0);
  written.swept_keys.clear();
  write_results_file(path, written);
  require_same_data(written, read_results_file(path));
}

TEST_CASE("results file: inconsistent data is refused before anything is written",
          "[results_file]") {
  const ScratchFolder scratch("inconsistent");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  ResultsData data = sample_results();
  data.scenarios[1].cash_quantiles.pop_back();
  REQUIRE_THROWS_WITH(write_results_file(path, data),
                      Catch::Contains("scenario 1") && Catch::Contains("'cash_quantiles'"));
  data = sample_results();
  data.swept_keys[0].key = "p_shortfall";
  REQUIRE_THROWS_AS(write_results_file(path, data), ResultsFileError);
  data = sample_results();
  data.swept_keys[1].texts.pop_back();
  REQUIRE_THROWS_WITH(write_results_file(path, data), Catch::Contains("contract.basis"));
  CHECK(fs::is_empty(folder));
}

TEST_CASE("results file: kept runs are stored per run, chunked, compressed and filled",
          "[results_file]") {
  const ScratchFolder scratch("kept_runs");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  // Scenario 0: 7 runs in blocks of 3 and 4; scenario 1: 4 runs, so its runs
  // 4..6 are filler (NaN, or 0 for the integers).
  const ScenarioTally first = hand_tally(0, {3, 4});
  const ScenarioTally second = hand_tally(1, {4});
  const std::vector<const ScenarioTally*> tallies{&first, &second};
  ResultsData data = sample_results(2, k_kept_structures, k_kept_months, k_kept_indicators);
  data.scenarios[0] = first.finalize();
  data.scenarios[1] = second.finalize();
  const KeptRunsSource source = kept_source(tallies);
  write_results_file(path, data, &source);
  require_same_data(data, read_results_file(path));

  const std::vector<std::int64_t> runs_of{7, 4};
  constexpr hsize_t k_runs = 7;
  silence_hdf5_error_printing();
  H5Handle file =
      H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
  H5Handle group = H5Handle::group(H5Gopen2(file.get(), "runs", H5P_DEFAULT), "opening runs");

  std::vector<hsize_t> extents;
  const auto run_index = read_whole<std::int64_t>(group.get(), "run", H5T_NATIVE_INT64, extents);
  REQUIRE(extents == std::vector<hsize_t>{k_runs});
  for (hsize_t j = 0; j < k_runs; ++j) CHECK(run_index[j] == static_cast<std::int64_t>(j));

  const auto shortfall =
      read_whole<std::int8_t>(group.get(), "shortfall", H5T_NATIVE_INT8, extents);
  REQUIRE(extents == std::vector<hsize_t>{2, k_kept_structures, k_runs});
  const auto first_month =
      read_whole<std::int32_t>(group.get(), "first_shortfall_month", H5T_NATIVE_INT32, extents);
  const auto months_short =
      read_whole<std::int32_t>(group.get(), "months_in_shortfall", H5T_NATIVE_INT32, extents);
  const auto min_cash = read_whole<double>(group.get(), "min_cash", H5T_NATIVE_DOUBLE, extents);
  const auto end_cash = read_whole<double>(group.get(), "end_cash", H5T_NATIVE_DOUBLE, extents);
  const auto support = read_whole<double>(group.get(), "support", H5T_NATIVE_DOUBLE, extents);
  const auto earned = read_whole<double>(group.get(), "earned", H5T_NATIVE_DOUBLE, extents);
  const auto received = read_whole<double>(group.get(), "received", H5T_NATIVE_DOUBLE, extents);
  const auto receivable = read_whole<double>(group.get(), "receivable", H5T_NATIVE_DOUBLE, extents);
  const auto earned_fraction =
      read_whole<double>(group.get(), "earned_fraction", H5T_NATIVE_DOUBLE, extents);
  const auto cost =
      read_whole<double>(group.get(), "commissioner_cost", H5T_NATIVE_DOUBLE, extents);
  REQUIRE(extents == std::vector<hsize_t>{2, k_kept_structures, k_runs});
  const auto cash = read_whole<double>(group.get(), "cash", H5T_NATIVE_DOUBLE, extents);
  REQUIRE(extents == std::vector<hsize_t>{2, k_kept_structures, k_runs, k_kept_months});

  for (int s = 0; s < 2; ++s) {
    for (int v = 0; v < k_kept_structures; ++v) {
      for (std::int64_t j = 0; j < static_cast<std::int64_t>(k_runs); ++j) {
        const std::size_t at =
            (static_cast<std::size_t>(s) * k_kept_structures + static_cast<std::size_t>(v)) *
                k_runs +
            static_cast<std::size_t>(j);
        if (j < runs_of[static_cast<std::size_t>(s)]) {
          const RunOutcome expected = hand_outcome(s, v, j);
          CHECK(shortfall[at] == (expected.shortfall ? 1 : 0));
          CHECK(first_month[at] == expected.first_shortfall_month);
          CHECK(months_short[at] == expected.months_in_shortfall);
          CHECK(min_cash[at] == expected.min_cash);
          CHECK(end_cash[at] == expected.end_cash);
          CHECK(support[at] == expected.support);
          CHECK(earned[at] == expected.earned);
          CHECK(received[at] == expected.received);
          CHECK(receivable[at] == expected.receivable);
          CHECK(earned_fraction[at] == expected.earned_fraction);
          CHECK(cost[at] == expected.commissioner_cost);
          for (int t = 1; t <= k_kept_months; ++t)
            CHECK(cash[at * k_kept_months + static_cast<std::size_t>(t - 1)] ==
                  hand_cash(s, v, j, t));
        } else {
          CHECK(shortfall[at] == 0);
          CHECK(first_month[at] == 0);
          CHECK(months_short[at] == 0);
          CHECK(std::isnan(min_cash[at]));
          CHECK(std::isnan(cost[at]));
          for (int t = 1; t <= k_kept_months; ++t)
            CHECK(std::isnan(cash[at * k_kept_months + static_cast<std::size_t>(t - 1)]));
        }
      }
    }
  }

  // Named dimensions, shared with the root, and deflate with shuffle.
  CHECK(attached_dimension_names(group.get(), "min_cash") ==
        std::vector<std::string>{"scenario", "structure", "run"});
  CHECK(attached_dimension_names(group.get(), "cash") ==
        std::vector<std::string>{"scenario", "structure", "run", "month"});
  H5Handle cash_dataset =
      H5Handle::dataset(H5Dopen2(group.get(), "cash", H5P_DEFAULT), "opening cash");
  H5Handle creation =
      H5Handle::plist(H5Dget_create_plist(cash_dataset.get()), "reading cash's properties");
  CHECK(H5Pget_layout(creation.get()) == H5D_CHUNKED);
  CHECK(H5Pget_filter_by_id2(creation.get(), H5Z_FILTER_DEFLATE, nullptr, nullptr, nullptr, 0,
                             nullptr, nullptr) >= 0);
  CHECK(H5Pget_filter_by_id2(creation.get(), H5Z_FILTER_SHUFFLE, nullptr, nullptr, nullptr, 0,
                             nullptr, nullptr) >= 0);
}

TEST_CASE("results file: writing over an existing file replaces it", "[results_file]") {
  const ScratchFolder scratch("replace");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  write_results_file(path, sample_results(2, 3, 6, 2));
  const ResultsData second = sample_results(3, 2, 4, 1);
  write_results_file(path, second);
  require_same_data(second, read_results_file(path));
  // Only the file itself is left: no temporary beside it.
  CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}) == 1);
}

TEST_CASE("results file: a write into a missing folder throws and creates nothing",
          "[results_file]") {
  const ScratchFolder scratch("missing_folder");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "not_there" / "results.h5";
  REQUIRE_THROWS_WITH(write_results_file(path, sample_results()),
                      Catch::Contains(path.string()) && Catch::Contains("does not exist"));
  CHECK(!fs::exists(folder / "not_there"));
  CHECK(fs::is_empty(folder));
}

TEST_CASE("results file: a failed write leaves what was at the path untouched", "[results_file]") {
  const ScratchFolder scratch("failed_write");
  const fs::path& folder = scratch.path();

  SECTION("the target is a directory: the rename fails after the whole file was written") {
    const fs::path path = folder / "results.h5";
    fs::create_directory(path);
    REQUIRE_THROWS_AS(write_results_file(path, sample_results()), ResultsFileError);
    CHECK(fs::is_directory(path));
    CHECK(fs::is_empty(path));
    CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}) == 1);
  }

  SECTION("HDF5 cannot create the temporary file: the existing file keeps its bytes") {
    const fs::path path = folder / "results.h5";
    write_results_file(path, sample_results(2, 3, 6, 2));
    const std::string before = file_bytes(path);
    // Something that is not ours occupies the temporary name.
    const fs::path blocker = results_temporary_path(path);
    fs::create_directory(blocker);
    REQUIRE_THROWS_WITH(write_results_file(path, sample_results(1, 2, 3, 1)),
                        Catch::Contains(path.string()));
    CHECK(file_bytes(path) == before);
    CHECK(fs::is_directory(blocker));  // not removed: the writer did not create it
  }

  SECTION("a read-only folder: the existing file keeps its bytes") {
    const fs::path path = folder / "results.h5";
    write_results_file(path, sample_results(2, 3, 6, 2));
    const std::string before = file_bytes(path);
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    if (::geteuid() == 0) {
      WARN("running as root, which ignores folder permissions: read-only case not checked");
    } else {
      REQUIRE_THROWS_AS(write_results_file(path, sample_results(1, 2, 3, 1)), ResultsFileError);
      CHECK(file_bytes(path) == before);
    }
    fs::permissions(folder, fs::perms::owner_all);
  }
}

TEST_CASE("results file: read refuses what is not a readable results file", "[results_file]") {
  const ScratchFolder scratch("refusals");
  const fs::path& folder = scratch.path();
  const fs::path valid = folder / "valid.h5";
  write_results_file(valid, sample_results());
  silence_hdf5_error_printing();

  SECTION("a missing file") {
    REQUIRE_THROWS_WITH(read_results_file(folder / "absent.h5"),
                        Catch::Contains("absent.h5") && Catch::Contains("does not exist"));
  }

  SECTION("a text file") {
    const fs::path path = folder / "notes.txt";
    std::ofstream(path) << "scenario = \"not hdf5\"\n";
    REQUIRE_THROWS_WITH(read_results_file(path),
                        Catch::Contains("notes.txt") && Catch::Contains("not an HDF5 file"));
  }

  SECTION("an HDF5 file without the format attribute") {
    const fs::path path = folder / "plain.h5";
    {
      H5Handle file = H5Handle::file(
          H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "creating");
    }
    REQUIRE_THROWS_WITH(read_results_file(path),
                        Catch::Contains("plain.h5") && Catch::Contains("'format'"));
  }

  const auto rewrite_text_attribute = [](const fs::path& path, const char* name,
                                         const char* value) {
    H5Handle file = H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening");
    require(H5Adelete(file.get(), name), "deleting");
    H5Handle type = H5Handle::datatype(H5Tcopy(H5T_C_S1), "type");
    H5Tset_size(type.get(), std::string(value).size() + 1);
    H5Handle space = H5Handle::dataspace(H5Screate(H5S_SCALAR), "space");
    H5Handle attribute = H5Handle::attribute(
        H5Acreate2(file.get(), name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
        "creating");
    require(H5Awrite(attribute.get(), type.get(), value), "writing");
  };
  // Edited with HDF5, a file no longer matches its checksum. Sealed again
  // it is what a writer that wrote it that way would have made, which is
  // what the checks behind the checksum are for. Stripped of its envelope
  // (zeros, as in a format 1.0 file) it goes through the child process.
  const auto reseal = [](const fs::path& path, const std::string& version) {
    seal_with_envelope(path, version);
  };
  const auto strip_envelope = [](const fs::path& path) {
    std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
    const std::string zeros(k_envelope_bytes, '\0');
    file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  };

  SECTION("an edited file no longer matches its checksum") {
    const fs::path path = folder / "edited.h5";
    fs::copy_file(valid, path);
    rewrite_text_attribute(path, "host", "elsewhere");
    REQUIRE_THROWS_WITH(read_results_file(path),
                        Catch::Contains("edited.h5") &&
                            (Catch::Contains("do not match the checksum") ||
                             Catch::Contains("were written: bytes were added")));
  }

  for (const bool sealed : {true, false}) {
    const auto prepare = [&](const fs::path& path, const std::string& version) {
      if (sealed)
        reseal(path, version);
      else
        strip_envelope(path);
    };
    DYNAMIC_SECTION((sealed ? "sealed again: " : "without an envelope: ") << "another format") {
      const fs::path path = folder / "other.h5";
      fs::copy_file(valid, path);
      rewrite_text_attribute(path, "format", "someone-elses-results");
      prepare(path, "1.3");
      REQUIRE_THROWS_WITH(read_results_file(path),
                          Catch::Contains("other.h5") && Catch::Contains("someone-elses-results"));
    }

    DYNAMIC_SECTION((sealed ? "sealed again: " : "without an envelope: ") << "a 1.1 file has no isa") {
      // The attribute came with 1.2: an older file reads, its path unknown.
      const fs::path path = folder / "older.h5";
      fs::copy_file(valid, path);
      rewrite_text_attribute(path, "format_version", "1.1");
      {
        H5Handle file = H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening");
        require(H5Adelete(file.get(), "isa"), "deleting");
      }
      prepare(path, "1.1");
      const ResultsData read = read_results_file(path);
      CHECK(read.meta.format_version == "1.1");
      CHECK(read.meta.isa.empty());
      CHECK(read.meta.host == "");
    }

    DYNAMIC_SECTION((sealed ? "sealed again: " : "without an envelope: ") << "format version 2.0") {
      const fs::path path = folder / "future.h5";
      fs::copy_file(valid, path);
      rewrite_text_attribute(path, "format_version", "2.0");
      prepare(path, "2.0");
      REQUIRE_THROWS_WITH(read_results_file(path),
                          Catch::Contains("future.h5") &&
                              Catch::Contains("was written by format version 2.0; this shortfall "
                                              "reads 1.x"));
    }

    DYNAMIC_SECTION((sealed ? "sealed again: " : "without an envelope: ") << "a missing variable") {
      const fs::path path = folder / "missing_variable.h5";
      fs::copy_file(valid, path);
      {
        H5Handle file =
            H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening");
        require(H5Ldelete(file.get(), "support_p95", H5P_DEFAULT), "deleting");
      }
      prepare(path, "1.3");
      REQUIRE_THROWS_WITH(read_results_file(path), Catch::Contains("missing_variable.h5") &&
                                                       Catch::Contains("'support_p95' is missing"));
    }

    DYNAMIC_SECTION((sealed ? "sealed again: " : "without an envelope: ")
                    << "a variable of the wrong shape") {
      const fs::path path = folder / "wrong_shape.h5";
      fs::copy_file(valid, path);
      {
        H5Handle file =
            H5Handle::file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "opening");
        require(H5Ldelete(file.get(), "min_cash_mean", H5P_DEFAULT), "deleting");
        const hsize_t extents[] = {2, 2};
        H5Handle space = H5Handle::dataspace(H5Screate_simple(2, extents, nullptr), "space");
        H5Handle dataset =
            H5Handle::dataset(H5Dcreate2(file.get(), "min_cash_mean", H5T_IEEE_F64LE, space.get(),
                                         H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                              "creating");
      }
      prepare(path, "1.3");
      REQUIRE_THROWS_WITH(read_results_file(path),
                          Catch::Contains("'min_cash_mean' has shape (2, 2), expected (2, 3)"));
    }
  }

  SECTION("without an envelope, a sound file still reads (format 1.0)") {
    const fs::path path = folder / "no_envelope.h5";
    fs::copy_file(valid, path);
    strip_envelope(path);
    const ResultsData read = read_results_file(path);
    CHECK(read.meta.format_version == "1.3");
    CHECK(read.scenarios.size() == sample_results().scenarios.size());
  }

  SECTION("one flipped bit anywhere is refused") {
    const std::string bytes = file_bytes(valid);
    const fs::path path = folder / "flipped.h5";
    // The envelope's own bytes, HDF5's superblock, and a spread over the rest.
    for (std::size_t position : {std::size_t{20}, std::size_t{600}, bytes.size() / 3,
                                 bytes.size() / 2, bytes.size() - 1}) {
      std::string damaged = bytes;
      damaged[position] = static_cast<char>(damaged[position] ^ 0x04);
      std::ofstream(path, std::ios::binary | std::ios::trunc)
          .write(damaged.data(), static_cast<std::streamsize>(damaged.size()));
      INFO("bit 2 of byte " << position << " of " << bytes.size());
      REQUIRE_THROWS_WITH(read_results_file(path), Catch::Contains(path.string()));
    }
  }

  SECTION("truncated copies") {
    const std::string bytes = file_bytes(valid);
    // Half, as a cut-off copy would be, and a spread of other cuts.
    for (std::size_t eighths : {4, 1, 2, 3, 5, 6, 7}) {
      const fs::path path = folder / ("truncated_" + std::to_string(eighths) + ".h5");
      std::ofstream(path, std::ios::binary)
          .write(bytes.data(), static_cast<std::streamsize>(bytes.size() * eighths / 8));
      INFO("truncated to " << eighths << "/8");
      REQUIRE_THROWS_WITH(read_results_file(path), Catch::Contains(path.string()));
    }
  }
}

TEST_CASE("results file: ncdump lists the dimensions, variables and attributes",
          "[results_file][netcdf]") {
  if (!have_program("ncdump")) {
    WARN("ncdump not found (Debian package netcdf-bin): netCDF check skipped");
    return;
  }
  const ScratchFolder scratch("ncdump");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  const ScenarioTally first = hand_tally(0, {3, 4});
  const ScenarioTally second = hand_tally(1, {4});
  const std::vector<const ScenarioTally*> tallies{&first, &second};
  const KeptRunsSource source = kept_source(tallies);
  write_results_file(path, sample_results_for(tallies), &source);

  const CommandResult header = run_command("ncdump -h " + quoted(path));
  INFO(header.output);
  REQUIRE(header.exit_status == 0);
  CHECK_THAT(header.output, Catch::Contains("dimensions:"));
  CHECK_THAT(header.output, Catch::Contains("structure = 3"));
  CHECK_THAT(header.output, Catch::Contains("p_shortfall(scenario, structure)"));
  CHECK_THAT(header.output,
             Catch::Contains("cash_quantiles(scenario, structure, month, quantile)"));
  CHECK_THAT(header.output, Catch::Contains(":format = \"shortfall-results\""));
  CHECK_THAT(header.output, Catch::Contains("group: runs"));
  CHECK_THAT(header.output, Catch::Contains("cash(scenario, structure, run, month)"));
  CHECK_THAT(header.output, !Catch::Contains("phony_dim"));

  // The data too, not only the header (reads every variable through netCDF).
  const CommandResult everything = run_command("ncdump " + quoted(path) + " >/dev/null");
  INFO(everything.output);
  CHECK(everything.exit_status == 0);
}

TEST_CASE("results file: xarray (h5netcdf) sees named dimensions and the same values",
          "[results_file][netcdf]") {
  const std::string python = "/usr/bin/python3";
  if (!fs::exists(python)) {
    WARN("/usr/bin/python3 not found: xarray check skipped");
    return;
  }
  const ScratchFolder scratch("xarray");
  const fs::path& folder = scratch.path();
  const fs::path path = folder / "results.h5";
  const ScenarioTally first = hand_tally(0, {3, 4});
  const ScenarioTally second = hand_tally(1, {4});
  const std::vector<const ScenarioTally*> tallies{&first, &second};
  const KeptRunsSource source = kept_source(tallies);
  write_results_file(path, sample_results_for(tallies), &source);

  const fs::path script = fs::path(SHORTFALL_SOURCE_DIR) / "tests/e2e/check_netcdf_layout.py";
  const CommandResult check = run_command(python + " " + quoted(script) + " " + quoted(path));
  INFO(check.output);
  CHECK(check.exit_status == 0);
}
