#include "sim/engine/cluster.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "analysis/byte_codec.h"
#include "analysis/tally_serialization.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/engine/mpi_job.h"
#include "sim/engine/study_scheduler.h"

namespace shortfall {

namespace {

enum Tag : int { start = 1, request = 2, work = 3, result = 4, failure = 5, finish = 6 };

// Whether rank 0 has told the other ranks to start (or to exit).
bool g_workers_started = false;
// Whether rank 0 has told the other ranks of a several-study command to exit.
bool g_workers_finished = false;

std::vector<std::byte> start_message(int code, const std::string& study_text, bool keep_runs,
                                     int threads) {
  ByteWriter writer;
  writer.put_i32(code);
  writer.put_u8(keep_runs ? 1 : 0);
  writer.put_i32(threads);
  writer.put_text(study_text);
  return writer.finish();
}

// A rank keeps the models of the scenarios it has recently simulated: the
// units of one scenario arrive in runs.
constexpr std::size_t k_cached_models = 16;

std::vector<std::byte> release_message(int code) {
  ByteWriter writer;
  writer.put_i32(0);
  writer.put_i32(code);
  return writer.finish();
}

void send_failure(const std::string& text) {
  ByteWriter writer;
  writer.put_text(text);
  mpi::send(0, Tag::failure, writer.finish());
}

// The bytes of a message without its trailing checksum, checked.
std::span<const std::byte> checked_body(const mpi::Message& message) {
  std::span<const std::byte> bytes(message.bytes);
  if (bytes.size() < 8 ||
      checksum(bytes.first(bytes.size() - 8)) != load_le64(bytes.data() + bytes.size() - 8)) {
    throw RunFailure(
        fmt::format("MPI: a damaged message (tag {}) from rank {}", message.tag, message.from));
  }
  return bytes.first(bytes.size() - 8);
}

// Bytes of results reaching rank 0, per scenario: with SHORTFALL_MPI_TRAFFIC
// set, printed to stderr at the end of a study (docs/hpc.md measures it).
class ResultTraffic {
 public:
  void add(int scenario, std::size_t bytes) {
    auto& [count, total] = by_scenario_[scenario];
    ++count;
    total += bytes;
  }
  void report() const {
    if (std::getenv("SHORTFALL_MPI_TRAFFIC") == nullptr) return;
    for (const auto& [scenario, counted] : by_scenario_) {
      std::fprintf(stderr, "shortfall: MPI: scenario %d: rank 0 received %llu bytes in %llu messages\n",
                   scenario, static_cast<unsigned long long>(counted.second),
                   static_cast<unsigned long long>(counted.first));
    }
  }

 private:
  std::map<int, std::pair<std::uint64_t, std::uint64_t>> by_scenario_;  // messages, bytes
};

}  // namespace

void start_worker_ranks(int code, const std::string& study_text, bool keep_runs, int threads) {
  if (mpi::rank() != 0 || mpi::size() < 2 || g_workers_started) return;
  g_workers_started = true;
  const auto bytes = start_message(code, study_text, keep_runs, threads);
  for (int rank = 1; rank < mpi::size(); ++rank) mpi::send(rank, Tag::start, bytes);
}

void start_worker_study(const std::string& study_text, bool keep_runs, int threads) {
  if (mpi::rank() != 0 || mpi::size() < 2) return;
  const auto bytes = start_message(0, study_text, keep_runs, threads);
  for (int rank = 1; rank < mpi::size(); ++rank) mpi::send(rank, Tag::start, bytes);
}

void finish_worker_ranks(int code) {
  if (mpi::rank() != 0 || mpi::size() < 2 || g_workers_finished) return;
  g_workers_finished = true;
  ByteWriter writer;
  writer.put_i32(code);
  const auto bytes = writer.finish();
  for (int rank = 1; rank < mpi::size(); ++rank) mpi::send(rank, Tag::finish, bytes);
}

namespace {

// One study, from rank 0's start message until rank 0 releases this rank.
int serve_study(const mpi::Message& first, const StudyFromText& load_study) {
  ByteReader start_reader(checked_body(first), "MPI start");
  const int code = start_reader.get_i32("exit code");
  if (code != 0) return code;
  const bool keep_runs = start_reader.get_flag("keep_runs");
  const int asked_threads = start_reader.get_i32("threads");
  const auto text_bytes = start_reader.take(start_reader.remaining(), "scenario");
  const std::string text(reinterpret_cast<const char*>(text_bytes.data()), text_bytes.size());

  const int threads = asked_threads > 0 ? asked_threads : tbb::this_task_arena::max_concurrency();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  std::map<int, std::unique_ptr<ScenarioModel>> models;
  try {
    const std::vector<Scenario> scenarios = load_study(text);
    const auto ask = [&] {
      ByteWriter writer;
      writer.put_i32(threads);
      mpi::send(0, Tag::request, writer.finish());
    };
    ask();
    while (true) {
      const mpi::Message message = mpi::receive(0);
      ByteReader reader(checked_body(message), "MPI work");
      const int count = reader.get_i32("span count");
      if (count == 0) return reader.get_i32("exit code");
      std::vector<std::vector<WorkUnit>> spans(static_cast<std::size_t>(count));
      for (auto& span : spans) {
        const int scenario = reader.get_i32("scenario");
        const int units = reader.get_i32("unit count");
        for (int u = 0; u < units; ++u) {
          WorkUnit unit;
          unit.scenario = scenario;
          unit.block = reader.get_i64("block");
          unit.first_run = reader.get_i64("first run");
          unit.run_count = reader.get_i32("runs");
          span.push_back(unit);
        }
        auto& model = models[scenario];
        if (!model) {
          if (models.size() > k_cached_models) models.erase(models.begin());
          models[scenario] = std::make_unique<ScenarioModel>(
              scenarios.at(static_cast<std::size_t>(scenario)));
        }
      }
      // A span's blocks are simulated in order on one thread and folded into
      // one merged state as they finish, so what travels to rank 0 is a
      // state whatever the span's runs (a block with --keep-runs, whose
      // records rank 0 writes).
      std::vector<std::vector<std::byte>> results(spans.size());
      arena.execute([&] {
        tbb::parallel_for(std::size_t{0}, spans.size(), [&](std::size_t i) {
          const auto& span = spans[i];
          const WorkUnit& first_unit = span.front();
          const auto& scenario = scenarios[static_cast<std::size_t>(first_unit.scenario)];
          const ScenarioModel& model = *models.at(first_unit.scenario);
          ByteWriter writer;
          writer.put_i32(first_unit.scenario);
          writer.put_i64(first_unit.block);
          writer.put_i32(static_cast<std::int32_t>(span.size()));
          std::vector<std::byte> payload;
          if (keep_runs) {
            writer.put_u8(0);
            payload = serialize(simulate_block(scenario, model, first_unit, true));
          } else {
            writer.put_u8(1);
            ScenarioTally merged(tally_shape(scenario, false), first_unit.first_run);
            for (const WorkUnit& unit : span) merged.add(simulate_block(scenario, model, unit, false));
            payload = serialize(merged);
          }
          auto bytes = writer.finish();
          bytes.resize(bytes.size() - 8);  // the header's checksum goes: one at the very end
          bytes.insert(bytes.end(), payload.begin(), payload.end());
          results[i] = std::move(bytes);
        });
      });
      for (auto& bytes : results) {
        append_le64(bytes, checksum(bytes));
        mpi::send(0, Tag::result, bytes);
      }
      ask();
    }
  } catch (const std::exception& error) {
    send_failure(error.what());
    // Wait to be released, so the job ends through rank 0 with one message.
    while (true) {
      const mpi::Message message = mpi::receive(0);
      if (message.tag != Tag::work) continue;
      ByteReader reader(checked_body(message), "MPI work");
      if (reader.get_i32("unit count") == 0) return reader.get_i32("exit code");
      send_failure(error.what());  // units sent before the failure arrived: refuse them too
    }
  }
}

// Rank 0 decides when a run stops (a scheduler's SIGTERM reaches every
// task): the others finish their units and wait to be released.
void ignore_stop_signals() {
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
}

}  // namespace

int serve_as_worker_rank(const StudyFromText& load_study) {
  ignore_stop_signals();
  return serve_study(mpi::receive(0), load_study);
}

int serve_studies_as_worker_rank(const StudyFromText& load_study) {
  ignore_stop_signals();
  while (true) {
    const mpi::Message next = mpi::receive(0);
    if (next.tag == Tag::finish) {
      ByteReader reader(checked_body(next), "MPI finish");
      return reader.get_i32("exit code");
    }
    // A study's own end (its release) is not the command's: wait for the next.
    serve_study(next, load_study);
  }
}

void coordinate_worker_ranks(detail::StudyScheduler& scheduler, bool keep_runs) {
  const int ranks = mpi::size();
  std::map<int, int> waiting;  // rank -> free threads, asking for work
  struct Outstanding {
    int rank;
    detail::ActivePointer scenario;
    int units;
  };
  // Spans sent, by (scenario, first block).
  std::map<std::pair<int, std::int64_t>, Outstanding> outstanding;
  std::map<int, int> units_at;       // rank -> spans sent, results not yet back
  std::map<int, int> worker_threads;  // rank -> threads, as its requests say
  ResultTraffic traffic;
  std::string failed;
  int released = 0;
  while (released < ranks - 1) {
    bool progressed = false;
    while (auto message = mpi::poll()) {
      progressed = true;
      if (message->tag == Tag::request) {
        ByteReader reader(checked_body(*message), "MPI request");
        waiting[message->from] = std::max(1, reader.get_i32("threads"));
        worker_threads[message->from] = waiting[message->from];
      } else if (message->tag == Tag::result) {
        const auto body = checked_body(*message);
        ByteReader reader(body, "MPI result");
        const int scenario = reader.get_i32("scenario");
        const std::int64_t block = reader.get_i64("block");
        const int units = reader.get_i32("unit count");
        const bool state = reader.get_flag("state");
        const auto found = outstanding.find({scenario, block});
        if (found == outstanding.end() || found->second.rank != message->from ||
            found->second.units != units) {
          throw RunFailure(fmt::format(
              "MPI: rank {} sent {} blocks of scenario {} from block {}, which it was not given",
              message->from, units, scenario, block));
        }
        traffic.add(scenario, message->bytes.size());
        const auto active = found->second.scenario;
        outstanding.erase(found);
        --units_at[message->from];
        try {
          const auto payload = body.subspan(17);
          if (state) {
            scheduler.finished(active, block, units, deserialize_scenario_tally(payload));
          } else {
            scheduler.finished(active, deserialize_block_tally(payload));
          }
        } catch (const std::exception& error) {
          // Rank 0 failed (saving a finished scenario, say): stop handing out
          // work and release every rank before reporting it, so no rank is
          // left waiting whatever the launcher does with a failed task.
          if (failed.empty()) failed = fmt::format("rank 0: {}", error.what());
          scheduler.fail();
        }
      } else if (message->tag == Tag::failure) {
        const auto body = checked_body(*message);
        if (failed.empty()) {
          failed =
              fmt::format("rank {}: {}", message->from,
                          std::string(reinterpret_cast<const char*>(body.data()), body.size()));
        }
        scheduler.fail();
        // Its units will not come back; it waits to be released.
        for (auto it = outstanding.begin(); it != outstanding.end();) {
          it = it->second.rank == message->from ? outstanding.erase(it) : std::next(it);
        }
        units_at[message->from] = 0;
        waiting[message->from] = 1;
      }
    }
    // A scenario goes out in about two spans per worker thread: enough to
    // balance the ranks, few enough that what comes back to rank 0 does
    // not grow with the runs. With --keep-runs every block travels alone.
    int spans_per_scenario = 0;
    for (const auto& [rank, threads] : worker_threads) spans_per_scenario += 2 * threads;
    for (auto it = waiting.begin(); it != waiting.end();) {
      const int rank = it->first;
      std::vector<detail::SpanAssignment> spans;
      bool more = true;
      while (std::ssize(spans) < it->second) {
        auto span = scheduler.try_next_span(more, keep_runs ? 0 : spans_per_scenario);
        if (!span) break;
        outstanding.emplace(std::pair{span->units.front().scenario, span->units.front().block},
                            Outstanding{rank, span->scenario, static_cast<int>(span->units.size())});
        spans.push_back(std::move(*span));
      }
      if (!spans.empty()) {
        ByteWriter writer;
        writer.put_i32(static_cast<std::int32_t>(spans.size()));
        for (const auto& span : spans) {
          writer.put_i32(span.units.front().scenario);
          writer.put_i32(static_cast<std::int32_t>(span.units.size()));
          for (const auto& unit : span.units) {
            writer.put_i64(unit.block);
            writer.put_i64(unit.first_run);
            writer.put_i32(unit.run_count);
          }
        }
        mpi::send(rank, Tag::work, writer.finish());
        units_at[rank] += static_cast<int>(spans.size());
        it = waiting.erase(it);
        progressed = true;
      } else if (!more && (units_at[rank] == 0 || !failed.empty())) {
        mpi::send(rank, Tag::work, release_message(scheduler.all_done() && failed.empty() ? 0 : 2));
        ++released;
        it = waiting.erase(it);
        progressed = true;
      } else {
        ++it;
      }
    }
    // Nothing to do: a short nap instead of spinning a core.
    if (!progressed) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  traffic.report();
  if (!failed.empty()) throw RunFailure(failed.starts_with("rank 0: ") ? failed.substr(8) : failed);
}

}  // namespace shortfall
