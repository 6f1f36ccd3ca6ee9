#include "sim/engine/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "support/results_fixture.h"

#include "analysis/byte_codec.h"
#include "analysis/results_serialization.h"
#include "analysis/tally_serialization.h"
#include "sim/engine/errors.h"

namespace shortfall {
namespace {

namespace fs = std::filesystem;

// A folder of its own under the system's temporary folder, removed at the
// end of the test whatever happens in it.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            fmt::format("shortfall-checkpoint-test-{}-{}-{}", ::getpid(), now, counter_++);
    fs::create_directories(path_);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder() {
    std::error_code error;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, error);
    for (const auto& entry : fs::recursive_directory_iterator(path_, error)) {
      if (entry.is_directory())
        fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, error);
    }
    fs::remove_all(path_, error);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

RunIdentity test_identity() {
  RunIdentity identity;
  identity.scenario_toml =
      "[provider]\n"
      "opening_cash = 250000\n"
      "\n"
      "[simulation]\n"
      "runs = 5000\n";
  identity.seed = 20240917;
  identity.keep_runs = true;
  identity.scenario_count = 4;
  identity.format_version = "results 1.0; checkpoint 1";
  return identity;
}

// Results of the right shape for `structures` x `months` x `indicators`,
// different for every `scenario`, with NaN payloads, -0.0 and infinities.
ScenarioResults results_for(int scenario, int structures = 2, int months = 3, int indicators = 1) {
  double next = 0.5 + scenario;
  ScenarioResults results = shortfall::testing::filled_results(structures, months, indicators,
                                                               [&next] { return next *= -1.25; });
  results.runs_done = 1000 * (scenario + 1);
  results.p_shortfall_diff[0] = -0.0;
  results.p_shortfall_diff_se[0] = std::bit_cast<double>(
      std::uint64_t{0x7ff8000000000000ULL | static_cast<unsigned>(scenario + 7)});
  results.support_p95[1] = std::numeric_limits<double>::infinity();
  return results;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// The serialisation is tested field by field in its own suite; equal bytes
// are equal results.
bool same_results(const ScenarioResults& a, const ScenarioResults& b) {
  return serialize(a) == serialize(b);
}

constexpr TallyShape k_shape{2, 3, 1, true};

// A complete block of made-up runs, recorded the way the engine does:
// every run in order, structure 0 first.
BlockTally made_up_block(std::int64_t first_run, int run_count, TallyShape shape = k_shape) {
  BlockTally block(shape, first_run, run_count);
  for (int j = 0; j < run_count; ++j) {
    const double run = static_cast<double>(first_run + j);
    for (int s = 0; s < shape.structures; ++s) {
      // Month t's cash; month 2 is short for structure s > 0 and -0.0 otherwise.
      std::vector<double> cash(static_cast<std::size_t>(shape.months));
      for (int t = 0; t < shape.months; ++t) {
        cash[static_cast<std::size_t>(t)] =
            t == 1 ? -0.0 - 3.0 * s : 1000.0 - 7.5 * run + 250.25 * t * run - 40.0 * s;
      }
      RunOutcome outcome;
      outcome.min_cash = *std::min_element(cash.begin(), cash.end());
      outcome.shortfall = outcome.min_cash < 0.0;
      outcome.first_shortfall_month = outcome.shortfall ? 2 : 0;
      outcome.months_in_shortfall = outcome.shortfall ? 1 : 0;
      outcome.end_cash = cash.back();
      outcome.support = std::max(0.0, -outcome.min_cash);
      outcome.pot = 600.0;
      outcome.earned = 10.0 * run;
      outcome.received = 5.0 * run;
      outcome.receivable = -0.5 * run;
      outcome.earned_fraction = outcome.earned / outcome.pot;
      outcome.commissioner_cost = 1e6 / 3.0 + run;
      const std::vector<double> achievement(static_cast<std::size_t>(shape.indicators),
                                            0.125 * s + 0.01 * run);
      block.record(s, j, outcome, cash, achievement);
    }
  }
  return block;
}

bool same_block(const BlockTally& a, const BlockTally& b) { return serialize(a) == serialize(b); }

std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

void write_bytes(const fs::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> file_names(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("the checkpoint folder sits beside the results file", "[checkpoint]") {
  CHECK(Checkpoint::folder_for("out.h5") == fs::path("out.h5.checkpoint"));
  CHECK(Checkpoint::folder_for("/data/runs/a b.h5") == fs::path("/data/runs/a b.h5.checkpoint"));
}

TEST_CASE("scenarios saved from several threads are found and loaded bit for bit", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  {
    Checkpoint checkpoint = Checkpoint::create(folder, identity);
    CHECK(checkpoint.folder() == folder);
    CHECK(Checkpoint::exists(folder));
    std::vector<std::thread> threads;
    for (int scenario : {3, 0, 2}) {
      threads.emplace_back([&checkpoint, scenario] {
        checkpoint.save_kept_runs(
            scenario, std::vector<BlockTally>{made_up_block(0, 2), made_up_block(2, 1)});
        checkpoint.save_scenario(scenario, FinishedScenario{results_for(scenario), scenario == 2});
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  CHECK(file_names(folder) ==
        std::vector<std::string>{"manifest", "scenario-000000.result", "scenario-000000.runs",
                                 "scenario-000002.result", "scenario-000002.runs",
                                 "scenario-000003.result", "scenario-000003.runs",
                                 "scenario.toml"});

  const Checkpoint reopened = Checkpoint::open(folder, identity);
  CHECK(reopened.finished_scenarios() == std::vector<int>{0, 2, 3});
  for (int scenario : {0, 2, 3}) {
    INFO("scenario " << scenario);
    const FinishedScenario loaded = reopened.load_scenario(scenario);
    CHECK(same_results(loaded.results, results_for(scenario)));
    CHECK(same_bits(loaded.results.p_shortfall_diff, results_for(scenario).p_shortfall_diff));
    CHECK(loaded.target_met == (scenario == 2));
    const std::vector<BlockTally> runs = reopened.load_kept_runs(scenario);
    REQUIRE(runs.size() == 2);
    CHECK(same_block(runs[0], made_up_block(0, 2)));
    CHECK(same_block(runs[1], made_up_block(2, 1)));
  }
  CHECK(reopened.warnings().empty());
  CHECK_THROWS_AS(reopened.load_scenario(1), RunFailure);
  CHECK_THROWS_AS(reopened.load_kept_runs(1), RunFailure);
}

TEST_CASE("a checkpoint of another run is refused, saying what differs", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  Checkpoint::create(folder, identity);
  RunIdentity other = identity;
  auto open_other = [&] { Checkpoint::open(folder, other); };

  SECTION("the seed") {
    other.seed = 7;
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(), Catch::Contains(folder.string()) &&
                                        Catch::Contains("the seed differs") &&
                                        Catch::Contains("checkpoint 20240917, this run 7"));
  }
  SECTION("the scenario text") {
    other.scenario_toml =
        "[provider]\n"
        "opening_cash = 250000\n"
        "\n"
        "[simulation]\n"
        "runs = 8000\n";
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(),
                      Catch::Contains(folder.string()) &&
                          Catch::Contains("the scenario text differs at line 5") &&
                          Catch::Contains("checkpoint 'runs = 5000', this run 'runs = 8000'"));
  }
  SECTION("the scenario text, one line longer") {
    other.scenario_toml += "threads = 2\n";
    CHECK_THROWS_WITH(open_other(), Catch::Contains("the scenario text differs at line 6") &&
                                        Catch::Contains("checkpoint '', this run 'threads = 2'"));
  }
  SECTION("the format version") {
    other.format_version = "results 2.0; checkpoint 1";
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(),
                      Catch::Contains(folder.string()) &&
                          Catch::Contains("the format version differs") &&
                          Catch::Contains("checkpoint 'results 1.0; checkpoint 1', this program "
                                          "'results 2.0; checkpoint 1'"));
  }
  SECTION("keep_runs") {
    other.keep_runs = false;
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(), Catch::Contains(folder.string()) &&
                                        Catch::Contains("keep_runs differs") &&
                                        Catch::Contains("checkpoint true, this run false"));
  }
  SECTION("the scenario count") {
    other.scenario_count = 5;
    CHECK_THROWS_WITH(open_other(), Catch::Contains(folder.string()) &&
                                        Catch::Contains("the scenario count differs") &&
                                        Catch::Contains("checkpoint 4, this run 5"));
  }
  SECTION("two things at once, both named") {
    other.seed = 8;
    other.scenario_count = 1;
    CHECK_THROWS_WITH(open_other(), Catch::Contains("the seed differs") &&
                                        Catch::Contains("the scenario count differs"));
  }
  SECTION("no checkpoint at all") {
    const fs::path missing = temporary.path() / "missing.h5.checkpoint";
    CHECK_FALSE(Checkpoint::exists(missing));
    CHECK_THROWS_AS(Checkpoint::open(missing, identity), InputError);
    CHECK_THROWS_WITH(Checkpoint::open(missing, identity),
                      Catch::Contains(missing.string()) && Catch::Contains("manifest"));
  }
  SECTION("a damaged manifest") {
    write_text(folder / "manifest", "shortfall-checkpoint 1\nseed = 20240917\n");
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(),
                      Catch::Contains(folder.string()) && Catch::Contains("no 'format_version'"));
    write_text(folder / "manifest", "");
    CHECK_THROWS_AS(open_other(), InputError);
  }
  SECTION("a damaged scenario text") {
    write_text(folder / "scenario.toml", "[provider]\n");
    CHECK_THROWS_AS(open_other(), InputError);
    CHECK_THROWS_WITH(open_other(), Catch::Contains("damaged"));
  }
  SECTION("the same run opens") { CHECK_NOTHROW(open_other()); }
}

TEST_CASE("a new checkpoint replaces an old one", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  Checkpoint old = Checkpoint::create(folder, test_identity());
  old.save_scenario(1, FinishedScenario{results_for(1), false});
  old.save_block(2, made_up_block(0, 2));

  RunIdentity identity = test_identity();
  identity.seed = 99;
  const Checkpoint fresh = Checkpoint::create(folder, identity);
  CHECK(file_names(folder) == std::vector<std::string>{"manifest", "scenario.toml"});
  CHECK(fresh.finished_scenarios().empty());
  CHECK_NOTHROW(Checkpoint::open(folder, identity));
}

TEST_CASE("leftovers of a killed writer are ignored and removed on opening", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  {
    Checkpoint checkpoint = Checkpoint::create(folder, identity);
    checkpoint.save_kept_runs(1, std::vector<BlockTally>{made_up_block(0, 2)});
    checkpoint.save_scenario(1, FinishedScenario{results_for(1), false});
  }
  // What kill -9 halfway through writing scenario 2 and a block would leave.
  const std::vector<std::byte> whole = read_bytes(folder / "scenario-000001.result");
  write_bytes(folder / ".tmp-4242-0-scenario-000002.result",
              std::vector<std::byte>(whole.begin(), whole.begin() + 40));
  write_bytes(folder / ".tmp-4242-1-scenario-000002.block-000000", {});

  const Checkpoint checkpoint = Checkpoint::open(folder, identity);
  CHECK(checkpoint.finished_scenarios() == std::vector<int>{1});
  CHECK(checkpoint.load_blocks(2).empty());
  CHECK(checkpoint.warnings().empty());
  CHECK(file_names(folder) == std::vector<std::string>{"manifest", "scenario-000001.result",
                                                       "scenario-000001.runs", "scenario.toml"});
}

TEST_CASE("a damaged result file is not finished and is reported", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  RunIdentity identity = test_identity();
  identity.keep_runs = false;
  Checkpoint checkpoint = Checkpoint::create(folder, identity);
  checkpoint.save_scenario(0, FinishedScenario{results_for(0), true});
  checkpoint.save_scenario(3, FinishedScenario{results_for(3), false});
  const fs::path damaged = folder / "scenario-000003.result";
  const std::vector<std::byte> whole = read_bytes(damaged);

  SECTION("truncated anywhere") {
    for (std::size_t length : {std::size_t{0}, std::size_t{10}, std::size_t{29}, std::size_t{30},
                               std::size_t{38}, whole.size() / 2, whole.size() - 1}) {
      INFO("first " << length << " bytes");
      write_bytes(damaged, std::vector<std::byte>(whole.begin(), whole.begin() + length));
      const Checkpoint reopened = Checkpoint::open(folder, identity);
      CHECK(reopened.finished_scenarios() == std::vector<int>{0});
      REQUIRE(reopened.warnings().size() == 1);
      CHECK_THAT(reopened.warnings()[0],
                 Catch::Contains("scenario 3") && Catch::Contains(damaged.string()));
      CHECK_THROWS_AS(reopened.load_scenario(3), RunFailure);
    }
  }
  SECTION("a flipped byte anywhere") {
    for (std::size_t position = 0; position < whole.size(); ++position) {
      INFO("bit flipped in byte " << position);
      std::vector<std::byte> flipped = whole;
      flipped[position] ^= std::byte{0x01};
      write_bytes(damaged, flipped);
      REQUIRE(checkpoint.finished_scenarios() == std::vector<int>{0});
      REQUIRE_THROWS_AS(checkpoint.load_scenario(3), RunFailure);
    }
    CHECK(checkpoint.warnings().size() > 1);
  }
  SECTION("another scenario's result under this name") {
    fs::copy_file(folder / "scenario-000000.result", damaged, fs::copy_options::overwrite_existing);
    CHECK(checkpoint.finished_scenarios() == std::vector<int>{0});
    CHECK(checkpoint.warnings().size() == 1);
  }
  SECTION("with --keep-runs, a finished scenario needs its runs too") {
    RunIdentity keeping = test_identity();
    Checkpoint kept = Checkpoint::create(folder, keeping);
    kept.save_kept_runs(0, std::vector<BlockTally>{made_up_block(0, 2), made_up_block(2, 2)});
    kept.save_scenario(0, FinishedScenario{results_for(0), true});
    kept.save_scenario(1, FinishedScenario{results_for(1), true});  // its runs never saved
    kept.save_kept_runs(2, std::vector<BlockTally>{made_up_block(0, 2)});
    kept.save_scenario(2, FinishedScenario{results_for(2), true});
    const fs::path runs = folder / "scenario-000002.runs";
    std::vector<std::byte> bytes = read_bytes(runs);
    bytes[bytes.size() - 100] ^= std::byte{0x40};
    write_bytes(runs, bytes);

    CHECK(kept.finished_scenarios() == std::vector<int>{0});
    CHECK(kept.warnings().size() == 2);
    CHECK_THROWS_AS(kept.load_kept_runs(2), RunFailure);
  }
  // The undamaged scenario is untouched throughout.
  CHECK(same_results(checkpoint.load_scenario(0).results, results_for(0)));
}

TEST_CASE("blocks of an unfinished scenario are saved, loaded in order and dropped",
          "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  Checkpoint checkpoint = Checkpoint::create(folder, identity);
  // Out of order, as parallel workers finish them, with a second scenario's
  // blocks alongside.
  for (std::int64_t first_run : {2000, 0, 3000, 1000}) {
    checkpoint.save_block(1, made_up_block(first_run, first_run == 3000 ? 7 : 3));
  }
  checkpoint.save_block(2, made_up_block(500, 2));
  CHECK(fs::is_regular_file(folder / "scenario-000001.block-003000"));

  const Checkpoint reopened = Checkpoint::open(folder, identity);
  const std::vector<BlockTally> blocks = reopened.load_blocks(1);
  REQUIRE(blocks.size() == 4);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto first_run = static_cast<std::int64_t>(1000 * i);
    CHECK(blocks[i].first_run() == first_run);
    CHECK(same_block(blocks[i], made_up_block(first_run, first_run == 3000 ? 7 : 3)));
  }
  CHECK(reopened.load_blocks(0).empty());
  REQUIRE(reopened.load_blocks(2).size() == 1);

  SECTION("a damaged block is skipped and reported") {
    const fs::path damaged = folder / "scenario-000001.block-001000";
    std::vector<std::byte> bytes = read_bytes(damaged);
    bytes[bytes.size() / 2] ^= std::byte{0x02};
    write_bytes(damaged, bytes);
    const std::vector<BlockTally> survivors = reopened.load_blocks(1);
    REQUIRE(survivors.size() == 3);
    CHECK(survivors[0].first_run() == 0);
    CHECK(survivors[1].first_run() == 2000);
    CHECK(survivors[2].first_run() == 3000);
    REQUIRE(reopened.warnings().size() == 1);
    CHECK_THAT(reopened.warnings()[0], Catch::Contains(damaged.string()));
  }
  SECTION("a block renamed by hand is not believed") {
    fs::rename(folder / "scenario-000001.block-002000", folder / "scenario-000001.block-005000");
    CHECK(reopened.load_blocks(1).size() == 3);
    CHECK(reopened.warnings().size() == 1);
  }
  SECTION("saving a block again replaces it") {
    checkpoint.save_block(1, made_up_block(1000, 3));
    CHECK(reopened.load_blocks(1).size() == 4);
  }
  SECTION("dropped once the scenario is finished") {
    checkpoint.drop_blocks(1);
    CHECK(checkpoint.load_blocks(1).empty());
    CHECK(checkpoint.load_blocks(2).size() == 1);
    CHECK(file_names(folder) ==
          std::vector<std::string>{"manifest", "scenario-000002.block-000500", "scenario.toml"});
  }
  SECTION("an unfinished block is not saved") {
    BlockTally unfinished(k_shape, 4000, 2);
    CHECK_THROWS_AS(checkpoint.save_block(1, unfinished), std::invalid_argument);
  }
  SECTION("a scenario outside the run is refused") {
    CHECK_THROWS_AS(checkpoint.save_block(4, made_up_block(0, 1)), std::out_of_range);
    CHECK_THROWS_AS(checkpoint.save_scenario(-1, FinishedScenario{results_for(0), false}),
                    std::out_of_range);
  }
}

TEST_CASE("kept runs survive a round trip, plain blocks and empty lists too", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  Checkpoint checkpoint = Checkpoint::create(folder, identity);
  std::vector<BlockTally> blocks;
  for (std::int64_t first_run = 0; first_run < 50; first_run += 10) {
    blocks.push_back(made_up_block(first_run, 10));
  }
  checkpoint.save_kept_runs(0, blocks);
  checkpoint.save_kept_runs(1, std::vector<BlockTally>{});
  checkpoint.save_kept_runs(
      2, std::vector<BlockTally>{made_up_block(7, 1, TallyShape{1, 2, 0, false})});

  const std::vector<BlockTally> loaded = checkpoint.load_kept_runs(0);
  REQUIRE(loaded.size() == blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    CHECK(same_block(loaded[i], blocks[i]));
    CHECK(loaded[i].outcome(1, 9).commissioner_cost == blocks[i].outcome(1, 9).commissioner_cost);
  }
  CHECK(checkpoint.load_kept_runs(1).empty());
  const std::vector<BlockTally> plain = checkpoint.load_kept_runs(2);
  REQUIRE(plain.size() == 1);
  CHECK(same_block(plain[0], made_up_block(7, 1, TallyShape{1, 2, 0, false})));
}

// A runs file of format 1 built byte by byte from checkpoint.h's layout, as
// the checkpoints on disk were written before the framing had its own codec.
std::vector<std::byte> runs_file_of_format_1(int scenario, const std::vector<BlockTally>& blocks) {
  std::vector<std::byte> bytes;
  for (const char c : std::string_view("SFCHKPT\0", 8)) bytes.push_back(static_cast<std::byte>(c));
  append_le32(bytes, 1);          // k_checkpoint_format_version
  bytes.push_back(std::byte{2});  // kind: runs
  append_le32(bytes, static_cast<std::uint32_t>(scenario));
  bytes.push_back(std::byte{0});  // target_met
  append_le32(bytes, static_cast<std::uint32_t>(blocks.size()));
  append_le64(bytes, checksum(bytes));
  for (const BlockTally& block : blocks) {
    const std::vector<std::byte> item = serialize(block);
    append_le64(bytes, item.size());
    bytes.insert(bytes.end(), item.begin(), item.end());
  }
  return bytes;
}

TEST_CASE("checkpoint files keep the bytes of format 1: old files load, new files match them",
          "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  Checkpoint checkpoint = Checkpoint::create(folder, test_identity());
  const std::vector<BlockTally> blocks{made_up_block(0, 3), made_up_block(3, 2)};
  const std::vector<std::byte> expected = runs_file_of_format_1(1, blocks);

  checkpoint.save_kept_runs(1, blocks);
  CHECK(read_bytes(folder / "scenario-000001.runs") == expected);

  write_bytes(folder / "scenario-000002.runs", runs_file_of_format_1(2, blocks));
  const std::vector<BlockTally> loaded = checkpoint.load_kept_runs(2);
  REQUIRE(loaded.size() == blocks.size());
  for (std::size_t i = 0; i < blocks.size(); ++i) CHECK(same_block(loaded[i], blocks[i]));

  SECTION("an item cut short is refused, naming the file") {
    std::vector<std::byte> cut = runs_file_of_format_1(3, blocks);
    cut.resize(cut.size() - 1);
    write_bytes(folder / "scenario-000003.runs", cut);
    // In format 1's words: the last item's bytes run past the end.
    CHECK_THROWS_WITH(checkpoint.load_kept_runs(3),
                      Catch::Contains("scenario-000003.runs: an item of ") &&
                          Catch::Contains(" bytes where ") && Catch::Contains(" are left"));
  }
}

TEST_CASE("a checkpoint that cannot be written fails the run, naming the file", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  const RunIdentity identity = test_identity();
  Checkpoint checkpoint = Checkpoint::create(folder, identity);

  SECTION("a read-only folder") {
    fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
    // root ignores permissions: the write would succeed.
    if (::geteuid() != 0) {
      CHECK_THROWS_AS(checkpoint.save_scenario(0, FinishedScenario{results_for(0), false}),
                      RunFailure);
      CHECK_THROWS_WITH(checkpoint.save_block(0, made_up_block(0, 1)),
                        Catch::Contains(folder.string()) && Catch::Contains("Permission denied"));
    } else {
      WARN("running as root, which ignores permissions: the read-only case is not checked");
    }
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::add);
  }
  SECTION("a folder that has gone (even root cannot write there)") {
    fs::remove_all(folder);
    write_text(folder, "not a folder");
    CHECK_THROWS_AS(checkpoint.save_scenario(0, FinishedScenario{results_for(0), false}),
                    RunFailure);
    CHECK_THROWS_WITH(checkpoint.save_block(0, made_up_block(0, 1)),
                      Catch::Contains(folder.string()) && Catch::Contains("Not a directory"));
    CHECK_THROWS_AS(Checkpoint::create(folder / "inner", identity), RunFailure);
  }
  SECTION("an inconsistent result is a programming error, not a file") {
    ScenarioResults broken = results_for(0);
    broken.cash_quantiles.pop_back();
    CHECK_THROWS_AS(checkpoint.save_scenario(0, FinishedScenario{broken, false}), std::logic_error);
    CHECK(file_names(folder) == std::vector<std::string>{"manifest", "scenario.toml"});
  }
}

TEST_CASE("remove() deletes the whole folder", "[checkpoint]") {
  const TemporaryFolder temporary;
  const fs::path folder = temporary.path() / "out.h5.checkpoint";
  Checkpoint checkpoint = Checkpoint::create(folder, test_identity());
  checkpoint.save_block(0, made_up_block(0, 2));
  checkpoint.save_scenario(1, FinishedScenario{results_for(1), false});
  checkpoint.remove();
  CHECK_FALSE(fs::exists(folder));
  CHECK_FALSE(Checkpoint::exists(folder));
  CHECK(fs::exists(temporary.path()));
}

}  // namespace
}  // namespace shortfall
