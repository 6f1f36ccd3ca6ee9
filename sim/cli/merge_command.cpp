#include "sim/cli/merge_command.h"

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <map>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "analysis/results_file.h"
#include "analysis/saved_states.h"
#include "analysis/tally_serialization.h"
#include "sim/cli/output_lock.h"
#include "sim/cli/output_path.h"
#include "sim/cli/results_io.h"
#include "sim/cli/results_metadata.h"
#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "sim/input/scenario_loader.h"

namespace shortfall {

namespace fs = std::filesystem;

namespace {

// A part as merge holds it: its metadata and shard lists, and the header
// rows (shape, runs_done) and target_met of the scenarios it finished
// whole; their statistics are read one at a time as the file is written.
struct Part {
  fs::path path;
  ResultsData data;  // without scenario rows or swept keys
  std::size_t scenario_count = 0;
  std::map<int, ScenarioResults> whole_rows;
  std::map<int, int> whole_target_met;
};

Part read_part(const fs::path& path) {
  Part part;
  part.path = path;
  try {
    part.data = read_results_header(path);
  } catch (const ResultsFileError& error) {
    throw InputError(error.what());
  }
  part.scenario_count = part.data.scenarios.size();
  for (const int s : part.data.shard.whole_scenarios) {
    const auto index = static_cast<std::size_t>(s);
    part.whole_rows.emplace(s, part.data.scenarios.at(index));
    if (!part.data.target_met.empty()) part.whole_target_met.emplace(s, part.data.target_met.at(index));
  }
  // What grows with the points goes (capacity included): merge holds one
  // part's rows at a time.
  std::vector<ScenarioResults>().swap(part.data.scenarios);
  std::vector<SweptKey>().swap(part.data.swept_keys);
  std::vector<int>().swap(part.data.target_met);
  return part;
}

// The shards must be the N parts of one study: the same scenario text, seed,
// run count and format, each K once, none missing.
void check_parts(const std::vector<Part>& parts) {
  const Part& first = parts.front();
  const auto& reference = first.data.meta;
  const int count = first.data.shard.count;
  std::vector<const Part*> by_index(static_cast<std::size_t>(count) + 1, nullptr);
  for (const Part& part : parts) {
    const auto& meta = part.data.meta;
    const std::string name = part.path.string();
    if (part.data.shard.index == 0) {
      throw InputError(
          fmt::format("{}: not a shard's part file (it has no shard attribute); merge joins "
                      "the files of `shortfall run --shard K/N`",
                      name));
    }
    const std::string which = fmt::format("{}/{}", part.data.shard.index, part.data.shard.count);
    if (meta.format_version != reference.format_version) {
      throw InputError(fmt::format("{}: format version {}, but {} has {}", name,
                                   meta.format_version, first.path.string(),
                                   reference.format_version));
    }
    // Runs of another format were drawn by other samplers (1.1 and 1.2:
    // docs/model.md section 8): a merged file must not carry them under
    // this version's name.
    const std::string ours = fmt::format("{}.{}", k_format_version_major, k_format_version_minor);
    if (meta.format_version != ours) {
      throw InputError(fmt::format("{}: written by results format {}; this shortfall merges parts of "
                                   "format {}: merge them with the shortfall that made them, or run "
                                   "the shards again",
                                   name, meta.format_version, ours));
    }
    if (part.data.shard.count != count) {
      throw InputError(fmt::format("{}: shard {} of a split into {}, but {} is of a split into {}",
                                   name, which, part.data.shard.count, first.path.string(), count));
    }
    if (meta.seed != reference.seed) {
      throw InputError(fmt::format("{}: seed {}, but {} has seed {}: not shards of one study", name,
                                   meta.seed, first.path.string(), reference.seed));
    }
    if (meta.scenario_toml != reference.scenario_toml || meta.runs != reference.runs ||
        part.data.shard.keep_runs != first.data.shard.keep_runs) {
      throw InputError(
          fmt::format("{}: made from a different scenario (or runs, or --keep-runs) than {}: "
                      "not shards of one study",
                      name, first.path.string()));
    }
    if (meta.complete != 1) {
      throw InputError(
          fmt::format("{}: shard {} did not finish; continue it with --resume first", name, which));
    }
    const Part*& slot = by_index[static_cast<std::size_t>(part.data.shard.index)];
    if (slot != nullptr) {
      throw InputError(
          fmt::format("{} and {} are both shard {}", slot->path.string(), name, which));
    }
    slot = &part;
  }
  std::vector<std::string> missing;
  for (int k = 1; k <= count; ++k) {
    if (by_index[static_cast<std::size_t>(k)] == nullptr)
      missing.push_back(fmt::format("{}/{}", k, count));
  }
  if (!missing.empty()) {
    throw InputError(fmt::format("shard{} {} missing: merge needs all {} parts",
                                 missing.size() > 1 ? "s" : "", fmt::join(missing, ", "), count));
  }
}

// The work on scenario s of every part holding some (merged states, or
// blocks with --keep-runs), in shard order (the parts are sorted by K), as
// one tally.
ScenarioTally gather_work(const std::vector<Part>& parts, const Scenario& scenario, int s,
                            bool keep_runs) {
  ScenarioTally tally(tally_shape(scenario, keep_runs));
  for (const Part& part : parts) {
    const auto& listed = part.data.shard.block_scenarios;
    if (std::find(listed.begin(), listed.end(), s) == listed.end()) continue;
    std::vector<std::byte> bytes;
    try {
      bytes = read_shard_blocks(part.path, s);
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
    try {
      for (const std::span<const std::byte> block : split_shard_blocks(bytes, part.path, s)) {
        try {
          add_saved_work(tally, deserialize_saved_work(block));
        } catch (const std::exception& error) {
          throw InputError(fmt::format("{}: scenario {}: {}", part.path.string(), s, error.what()));
        }
      }
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
  }
  return tally;
}

// The paths that computed the parts, each once, in shard order: parts run on
// different CPUs may have used different paths, which give the same bits.
std::string isas_of(const std::vector<Part>& parts) {
  std::string isas;
  for (const Part& part : parts) {
    const std::string& isa = part.data.meta.isa;
    if (isa.empty() || ("," + isas + ",").find("," + isa + ",") != std::string::npos) continue;
    isas += (isas.empty() ? "" : ",") + isa;
  }
  return isas;
}

}  // namespace

int merge_shard_files(const MergeRequest& request, const std::string& command_line) {
  if (request.parts.empty()) throw InputError("merge: give the shard files to join");
  const fs::path output(request.output_path);
  check_output_path(output, request.force);
  const OutputLock lock(output);
  std::vector<Part> parts;
  for (const auto& path : request.parts) parts.push_back(read_part(path));
  check_parts(parts);
  std::sort(parts.begin(), parts.end(),
            [](const Part& a, const Part& b) { return a.data.shard.index < b.data.shard.index; });

  const Part& first = parts.front();
  const LoadedStudy study =
      load_study_text(first.data.meta.scenario_toml, first.path.string() + " (scenario_toml)");
  const auto scenario_count = study.scenarios.size();
  const bool keep_runs = first.data.shard.keep_runs;

  ResultsData merged;
  merged.meta = describe_run(study, command_line);
  merged.meta.complete = 1;
  merged.swept_keys = swept_key_columns(study);
  const bool stopping = study.scenarios.front().simulation.stops_on_precision();
  if (stopping) merged.target_met.assign(scenario_count, 0);
  for (const Part& part : parts) merged.meta.elapsed_seconds += part.data.meta.elapsed_seconds;
  merged.meta.isa = isas_of(parts);
  std::vector<const Part*> owners(scenario_count, nullptr);
  std::map<std::size_t, std::vector<std::byte>> cut_states;  // serialised, without --keep-runs
  std::map<std::size_t, ScenarioResults> cut_rows;  // finalised here
  for (std::size_t s = 0; s < scenario_count; ++s) {
    const Scenario& scenario = study.scenarios[s];
    const int index = static_cast<int>(s);
    const Part* owner = nullptr;
    for (const Part& part : parts) {
      const auto& whole = part.data.shard.whole_scenarios;
      if (std::find(whole.begin(), whole.end(), index) != whole.end()) owner = &part;
    }
    owners[s] = owner;
    if (owner != nullptr) {
      merged.scenarios.push_back(owner->whole_rows.at(index));  // shape and runs_done
      if (stopping) merged.target_met[s] = owner->whole_target_met.at(index);
      continue;
    }
    // Cut between shards: finalised here from every part's blocks, in order.
    const ScenarioTally tally = gather_work(parts, scenario, index, keep_runs);
    if (tally.runs() != scenario.simulation.most_runs()) {
      throw InputError(fmt::format("scenario {}: the shards hold {} of its {} runs", s,
                                   tally.runs(), scenario.simulation.most_runs()));
    }
    merged.scenarios.push_back(finalize_scenario(tally, request.threads));
    cut_rows.emplace(s, merged.scenarios.back());
    if (!keep_runs && !request.no_state) cut_states.emplace(s, serialize(tally));
  }

  ScenarioTally loaded(tally_shape(study.scenarios.front(), true));
  const KeptRunsSource kept = [&](std::size_t s) -> const ScenarioTally& {
    loaded = gather_work(parts, study.scenarios[s], static_cast<int>(s), true);
    return loaded;
  };
  // The merged state of every scenario, for `run --extend` of the merged
  // file: a whole scenario's from the part that ran it (none from a part
  // written without one), a cut scenario's from the gathered states.
  const SavedStatesSource states = [&](int s) -> std::vector<std::byte> {
    const auto index = static_cast<std::size_t>(s);
    if (const auto cut = cut_states.find(index); cut != cut_states.end()) return cut->second;
    if (owners[index] == nullptr) return {};
    try {
      const std::optional<ScenarioTally> state = read_saved_state(owners[index]->path, s);
      return state ? serialize(*state) : std::vector<std::byte>{};
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
  };
  // A whole scenario's statistics come from the part that ran it, a row at a
  // time: merge's memory does not grow with parts x points.
  const ScenarioRowSource rows = [&](std::size_t s) -> ScenarioResults {
    if (const auto cut = cut_rows.find(s); cut != cut_rows.end()) return cut->second;
    const Part& owner = *owners[s];
    try {
      return read_scenario_statistics(owner.path, owner.data.meta, owner.scenario_count, s,
                                      merged.scenarios[s]);
    } catch (const ResultsFileError& error) {
      throw InputError(error.what());
    }
  };
  try {
    write_results_file(output, merged, keep_runs ? &kept : nullptr,
                       keep_runs || request.no_state ? nullptr : &states, &rows);
  } catch (const ResultsFileError& error) {
    throw RunFailure(error.what());
  }
  // The table from the merged file: its statistics were never all in memory.
  if (!request.quiet) print_run_results(read_results_input(output), study.title, output);
  return 0;
}

}  // namespace shortfall
