// The run plan: how `shortfall run` starts, for every combination of what is
// asked and what is on disk (docs/resume.md). The expected messages are the
// ones the end-to-end tests and users see after "shortfall: error: ".
#include "sim/cli/run_plan.h"

#include <stdexcept>

#include <catch2/catch.hpp>

using namespace shortfall;

namespace {

constexpr std::uint64_t k_seed = 20170401;
const std::string k_scenario = "title = \"study\"\n[simulation]\nruns = 1000\n";

RunAsked asked_for(bool resume = false, bool force = false) {
  RunAsked asked;
  asked.resume = resume;
  asked.force = force;
  asked.seed = k_seed;
  asked.scenario_toml = k_scenario;
  return asked;
}

RunAsked asked_to_extend() {
  RunAsked asked = asked_for();
  asked.extend = true;
  return asked;
}

// Nothing at out/study.h5: no file, no saved state, the lock free.
OutputOnDisk empty_output() {
  OutputOnDisk disk;
  disk.output = "out/study.h5";
  disk.saved_state_folder = "out/study.h5.checkpoint";
  return disk;
}

OutputOnDisk with_file(OutputOnDisk disk) {
  disk.results_file = true;
  return disk;
}

OutputOnDisk with_saved_state(OutputOnDisk disk, SavedState state, std::string difference = "") {
  disk.saved_state = state;
  disk.saved_state_difference = std::move(difference);
  return disk;
}

// A results file as --resume without saved state reads it.
OutputOnDisk with_read_file(std::uint64_t seed, std::string scenario, bool complete) {
  OutputOnDisk disk = with_file(empty_output());
  disk.results = ResultsFileFacts{seed, std::move(scenario), complete};
  return disk;
}

const std::string k_other_writer =
    "out/study.h5: another shortfall run (process 4242) is writing this results file; wait for it "
    "to finish, or write elsewhere with -o";

const std::string k_leftover =
    "out/study.h5: out/study.h5.checkpoint holds the saved state of an interrupted run: continue "
    "it with --resume, or start over with --force";

void check_refused(const RunPlan& plan, const std::string& message) {
  CHECK(plan.start == RunStart::refused);
  CHECK(plan.message == message);
}

void check_starts(const RunPlan& plan, RunStart start) {
  CHECK(plan.start == start);
  CHECK(plan.message.empty());
}

}  // namespace

TEST_CASE("run plan: a fresh run over nothing starts fresh", "[run_plan]") {
  const RunPlan plan = plan_run(asked_for(), empty_output());
  check_starts(plan, RunStart::fresh);
  CHECK_FALSE(plan.opens_saved_state());
  CHECK(plan.write_partial_file);
}

TEST_CASE("run plan: an existing results file is replaced only with --force", "[run_plan]") {
  check_refused(plan_run(asked_for(), with_file(empty_output())),
                "out/study.h5: the output file exists; pass --force to overwrite it or -o to write "
                "elsewhere");
  // The refusal needs nothing behind the lock, so the lock is not taken.
  CHECK_FALSE(plan_needs_lock(asked_for(), true));
  CHECK(plan_needs_lock(asked_for(), false));

  const RunAsked force = asked_for(false, true);
  CHECK(plan_needs_lock(force, true));
  CHECK_FALSE(plan_reads_results_file(force, true, SavedState::none));  // even unreadable, replaced
  check_starts(plan_run(force, with_file(empty_output())), RunStart::fresh);
  // --force also starts over from a saved state, not looking inside it.
  CHECK_FALSE(plan_compares_saved_state(force));
  check_starts(plan_run(force, with_saved_state(with_file(empty_output()), SavedState::unchecked)),
               RunStart::fresh);
}

TEST_CASE("run plan: a saved state left by an interrupted run needs --resume or --force",
          "[run_plan]") {
  const OutputOnDisk leftover = with_saved_state(empty_output(), SavedState::unchecked);
  CHECK_FALSE(plan_compares_saved_state(asked_for()));
  check_refused(plan_run(asked_for(), leftover), k_leftover);
  // With its partial results file beside it, --force is named first for the file.
  check_refused(plan_run(asked_for(), with_file(leftover)),
                "out/study.h5: the output file exists; pass --force to overwrite it or -o to write "
                "elsewhere");
}

TEST_CASE("run plan: another process writing the output refuses every run", "[run_plan]") {
  OutputOnDisk busy = empty_output();
  busy.other_writer = k_other_writer;
  check_refused(plan_run(asked_for(), busy), k_other_writer);
  check_refused(plan_run(asked_for(true), busy), k_other_writer);
  check_refused(plan_run(asked_for(false, true), with_file(busy)), k_other_writer);
  check_refused(plan_run(asked_to_extend(), with_file(busy)), k_other_writer);
  // An existing file without --force is refused for that, before the lock.
  check_refused(plan_run(asked_for(), with_file(busy)),
                "out/study.h5: the output file exists; pass --force to overwrite it or -o to write "
                "elsewhere");
}

TEST_CASE("run plan: --resume continues this run's saved state", "[run_plan]") {
  const RunAsked resume = asked_for(true);
  CHECK(plan_compares_saved_state(resume));
  CHECK_FALSE(plan_reads_results_file(resume, true, SavedState::this_run));
  for (const bool file : {false, true}) {  // the partial file of a SIGTERM, or none after kill -9
    OutputOnDisk disk = with_saved_state(empty_output(), SavedState::this_run);
    disk.results_file = file;
    const RunPlan plan = plan_run(resume, disk);
    check_starts(plan, RunStart::resume);
    CHECK(plan.opens_saved_state());
    CHECK(plan.write_partial_file);
  }
}

TEST_CASE("run plan: --resume refuses the saved state of another run", "[run_plan]") {
  // The difference is the checkpoint's own message, passed on whole.
  const std::string difference =
      "out/study.h5.checkpoint: the checkpoint is of another run: the seed differs (checkpoint "
      "20170401, this run 99)";
  check_refused(plan_run(asked_for(true), with_saved_state(with_file(empty_output()),
                                                           SavedState::another_run, difference)),
                difference);
}

TEST_CASE("run plan: --resume with nothing to resume starts", "[run_plan]") {
  CHECK_FALSE(plan_reads_results_file(asked_for(true), false, SavedState::none));
  check_starts(plan_run(asked_for(true), empty_output()), RunStart::fresh);
}

TEST_CASE("run plan: --resume of a finished file of the same study has nothing to do",
          "[run_plan]") {
  CHECK(plan_reads_results_file(asked_for(true), true, SavedState::none));
  const RunPlan plan = plan_run(asked_for(true), with_read_file(k_seed, k_scenario, true));
  check_starts(plan, RunStart::already_complete);
  CHECK_FALSE(plan.opens_saved_state());
}

TEST_CASE("run plan: --resume of a file without saved state refuses another study", "[run_plan]") {
  check_refused(plan_run(asked_for(true), with_read_file(5, k_scenario, true)),
                "out/study.h5: cannot resume: the file was made with seed 5, this run has seed "
                "20170401");
  check_refused(plan_run(asked_for(true), with_read_file(k_seed, k_scenario + "# other\n", true)),
                "out/study.h5: cannot resume: the file was made from a different scenario (compare "
                "its scenario_toml attribute with `shortfall check`)");
  // The seed is named before the scenario when both differ.
  check_refused(plan_run(asked_for(true), with_read_file(5, "other", true)),
                "out/study.h5: cannot resume: the file was made with seed 5, this run has seed "
                "20170401");
  check_refused(plan_run(asked_for(true), with_read_file(k_seed, k_scenario, false)),
                "out/study.h5: cannot resume: the run that wrote it did not finish and its saved "
                "state out/study.h5.checkpoint is gone; start over with --force");
}

TEST_CASE("run plan: --extend starts a new saved state unless its own is there", "[run_plan]") {
  const RunAsked extend = asked_to_extend();
  CHECK(plan_needs_lock(extend, true));
  CHECK(plan_compares_saved_state(extend));
  CHECK_FALSE(plan_reads_results_file(extend, true, SavedState::none));

  const RunPlan fresh = plan_run(extend, with_file(empty_output()));
  check_starts(fresh, RunStart::extend);
  CHECK_FALSE(fresh.opens_saved_state());
  // An interrupted extension leaves the finished file as it was.
  CHECK_FALSE(fresh.write_partial_file);

  const RunPlan again =
      plan_run(extend, with_saved_state(with_file(empty_output()), SavedState::this_run));
  check_starts(again, RunStart::continue_extension);
  CHECK(again.opens_saved_state());
  CHECK_FALSE(again.write_partial_file);

  // The saved state of another extension (another --runs) is abandoned.
  const RunPlan other = plan_run(
      extend, with_saved_state(with_file(empty_output()), SavedState::another_run, "differs"));
  check_starts(other, RunStart::extend);
  CHECK_FALSE(other.opens_saved_state());
}

TEST_CASE("run plan: a shard's part file is written only whole", "[run_plan]") {
  RunAsked shard = asked_for();
  shard.shard = true;
  const RunPlan fresh = plan_run(shard, empty_output());
  check_starts(fresh, RunStart::fresh);
  CHECK_FALSE(fresh.write_partial_file);

  // Its refusals are a run's: the saved state of another shard differs by
  // its identity ("; shard 1/2"), in the checkpoint's message.
  check_refused(plan_run(shard, with_saved_state(empty_output(), SavedState::unchecked)),
                k_leftover);
  shard.resume = true;
  const RunPlan resumed = plan_run(shard, with_saved_state(empty_output(), SavedState::this_run));
  check_starts(resumed, RunStart::resume);
  CHECK_FALSE(resumed.write_partial_file);
  const std::string difference =
      "out/study.h5.checkpoint: the checkpoint is of another run: the format version differs "
      "(checkpoint 'results 1.1; checkpoint 1; shard 2/2', this program 'results 1.1; checkpoint "
      "1; shard 1/2')";
  check_refused(
      plan_run(shard, with_saved_state(empty_output(), SavedState::another_run, difference)),
      difference);
}

TEST_CASE("run plan: what was not looked at is a bug, not an answer", "[run_plan]") {
  CHECK_THROWS_AS(
      plan_run(asked_for(true), with_saved_state(empty_output(), SavedState::unchecked)),
      std::logic_error);
  CHECK_THROWS_AS(plan_run(asked_to_extend(),
                           with_saved_state(with_file(empty_output()), SavedState::unchecked)),
                  std::logic_error);
  CHECK_THROWS_AS(plan_run(asked_for(true), with_file(empty_output())), std::logic_error);
}
