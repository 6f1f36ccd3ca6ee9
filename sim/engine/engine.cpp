#include "sim/engine/engine.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sim/engine/thread_sanitizer.h"

namespace shortfall {

namespace {

// Runs `work` on `requested` threads (0: all cores). More threads than cores
// is allowed (--threads 8 on 2 cores): TBB's default cap is lifted for the
// duration.
template <class Work>
void run_on_threads(int requested, Work&& work) {
  const int threads = requested > 0 ? requested : tbb::this_task_arena::max_concurrency();
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  tbb::task_arena arena(threads);
  arena.execute(std::forward<Work>(work));
}

}  // namespace

std::vector<WorkUnit> plan_work_units(int scenario, std::int64_t runs, int runs_per_block) {
  std::vector<WorkUnit> units;
  for (std::int64_t first = 0, block = 0; first < runs; first += runs_per_block, ++block) {
    const auto count = static_cast<int>(std::min<std::int64_t>(runs_per_block, runs - first));
    units.push_back({scenario, block, first, count});
  }
  return units;
}

namespace {

// The indicators whose streams carry `holder` as their provider.
const std::vector<Indicator>& indicators_of_holder(const Scenario& scenario, int holder) {
  return holder < scenario.provider_count() ? scenario.provider_setup(holder).indicators
                                            : scenario.network.shared_indicators;
}

int periods_of_holder(const Scenario& scenario, int holder) {
  const bool has_contract =
      holder < scenario.provider_count() ? scenario.provider_setup(holder).holds_contract : true;
  const Contract& contract =
      holder < scenario.provider_count() && has_contract ? scenario.provider_setup(holder).contract
                                                         : scenario.main_contract();
  return scenario.simulation.horizon_months / contract.assessment_months;
}

int demand_processes_of_holder(const Scenario& scenario, int holder) {
  if (holder >= scenario.provider_count()) return 0;
  return std::max<int>(1, static_cast<int>(scenario.provider_setup(holder).segments.size()));
}

}  // namespace

RunDraws::RunDraws(const Scenario& scenario, int holder)
    : key_{scenario.simulation.seed, scenario.shock_key},
      provider_(static_cast<std::uint32_t>(holder)),
      months_(scenario.simulation.horizon_months),
      indicators_(static_cast<int>(indicators_of_holder(scenario, holder).size())),
      periods_(periods_of_holder(scenario, holder)),
      demand_processes_(demand_processes_of_holder(scenario, holder)),
      indicator_groups_((indicators_ + 3) / 4),
      isa_(isa_in_use()) {
  const auto months = static_cast<std::size_t>(months_);
  const auto indicators = static_cast<std::size_t>(indicators_);
  shocks_.demand.resize(months * static_cast<std::size_t>(demand_processes_));
  shocks_.cost.resize(demand_processes_ > 0 ? months : 0);
  shocks_.performance.resize(months * indicators);
  samplers_.resize(indicators);
  add_run_blocks();
}

void RunDraws::add_run_blocks() {
  // Every Philox block a run opens, in the order draw() uses them. Only the
  // counter's first word, the run, changes from run to run (draw() sets it).
  // The measurement streams' first blocks are shared by every structure.
  const std::uint64_t run = 0;
  const auto counter = [](const StreamAddress& address, std::uint64_t flag) {
    const auto c = detail::counter_of(address, flag);
    return std::array<std::uint64_t, 4>{c.v[0], c.v[1], c.v[2], c.v[3]};
  };
  for (int k = 1; k <= periods_; ++k) {
    for (int i = 0; i < indicators_; ++i) {
      blocks_.add(counter({run, provider_, static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(i),
                           Purpose::measurement},
                          0));
    }
  }
  // The normals' opening blocks, in the layout of opening_word(): the word of
  // a block is the draw's index modulo 4 (the month - 1 for demand and cost,
  // else the indicator). A segment's demand stream carries the segment's
  // position as its indicator; alliance-wide indicators (no demand
  // processes) draw no cash shocks.
  for (int g = 0; demand_processes_ > 0 && 4 * g < months_; ++g) {
    const auto group = static_cast<std::uint32_t>(g);
    for (int segment = 0; segment < demand_processes_; ++segment) {
      const auto process = static_cast<std::uint32_t>(segment);
      const std::size_t block =
          blocks_.add(counter({run, provider_, group, process, Purpose::demand}, detail::k_opening_flag));
      for (int word = 0; word < 4 && 4 * g + word < months_; ++word) {
        const auto month = static_cast<std::uint32_t>(4 * g + word + 1);
        normals_.push_back({block, word, {run, provider_, month, process, Purpose::demand}, &RunShocks::demand,
                            static_cast<std::size_t>(segment * months_) + month - 1});
      }
    }
    const std::size_t block = blocks_.add(counter({run, provider_, group, 0, Purpose::cost}, detail::k_opening_flag));
    for (int word = 0; word < 4 && 4 * g + word < months_; ++word) {
      const auto month = static_cast<std::uint32_t>(4 * g + word + 1);
      normals_.push_back({block, word, {run, provider_, month, 0, Purpose::cost}, &RunShocks::cost, month - 1});
    }
  }
  for (int t = 1; t <= months_; ++t) {
    const auto month = static_cast<std::uint32_t>(t);
    for (int g = 0; g < indicator_groups_; ++g) {
      const std::size_t block = blocks_.add(counter(
          {run, provider_, month, static_cast<std::uint32_t>(g), Purpose::performance}, detail::k_opening_flag));
      for (int word = 0; word < 4 && 4 * g + word < indicators_; ++word) {
        const auto indicator = static_cast<std::uint32_t>(4 * g + word);
        normals_.push_back({block, word, {run, provider_, month, indicator, Purpose::performance},
                            &RunShocks::performance,
                            static_cast<std::size_t>((t - 1) * indicators_) + indicator});
      }
    }
  }
  opening_words_.resize(normals_.size());
  normal_values_.resize(normals_.size());
  undecided_.resize(normals_.size());
}

void RunDraws::draw(std::uint64_t run) {
  run_ = run;
  // The run's blocks side by side (philox_batch.h: the same words as one at a time).
  blocks_.set_counter_word(0, run);
  blocks_.compute({key_.seed, key_.shock_key}, isa_);

  // Each normal from its opening word: on the AVX-512 path the ziggurat's
  // first step in vector lanes, the rest (and every normal on the other
  // paths) by standard_normal. Both give the same bits.
  const auto scalar_normal = [&](const NormalSlot& normal, std::uint64_t opening_word) {
    StreamAddress address = normal.address;
    address.run = run;
    DrawStream stream(key_, address, opening_word);
    return standard_normal(stream);
  };
  if (isa_ != Isa::avx512) {
    for (const NormalSlot& normal : normals_) {
      (shocks_.*(normal.shocks))[normal.position] = scalar_normal(normal, blocks_.word(normal.block, normal.word));
    }
    return;
  }
  const std::size_t count = normals_.size();
  for (std::size_t j = 0; j < count; ++j) opening_words_[j] = blocks_.word(normals_[j].block, normals_[j].word);
  const std::size_t undecided = normals_from_opening_words_avx512(opening_words_, normal_values_, undecided_);
  for (std::size_t u = 0; u < undecided; ++u) {
    const std::size_t j = undecided_[u];
    normal_values_[j] = scalar_normal(normals_[j], opening_words_[j]);
  }
  for (std::size_t j = 0; j < count; ++j) {
    (shocks_.*(normals_[j].shocks))[normals_[j].position] = normal_values_[j];
  }
}

RandomStream RunDraws::measurement_stream(int period, int indicator) const {
  const auto block = static_cast<std::size_t>((period - 1) * indicators_ + indicator);
  return RandomStream(key_,
                      {run_, provider_, static_cast<std::uint32_t>(period),
                       static_cast<std::uint32_t>(indicator), Purpose::measurement},
                      {{blocks_.word(block, 0), blocks_.word(block, 1), blocks_.word(block, 2),
                        blocks_.word(block, 3)}});
}

const BinomialSampler& RunDraws::sampler_for(int indicator, int cases) {
  auto& slot = samplers_[static_cast<std::size_t>(indicator)];
  if (!slot || slot->cases() != cases) slot.emplace(cases);
  return *slot;
}

int RunDraws::cases_met(int period, int indicator, int cases, double probability) {
  auto stream = measurement_stream(period, indicator);
  return sampler_for(indicator, cases).draw(probability, stream);
}

void RunDraws::cases_met(int period, std::span<const Draw> draws, std::span<int> met) {
  if (isa_ != Isa::avx512) {  // one at a time: the batch would only add copies
    MeasurementSampler::cases_met(period, draws, met);
    return;
  }
  batch_.resize(draws.size());
  for (std::size_t d = 0; d < draws.size(); ++d) {
    const auto block = static_cast<std::size_t>((period - 1) * indicators_ + draws[d].indicator);
    batch_[d] = {&sampler_for(draws[d].indicator, draws[d].cases), draws[d].probability,
                 {{blocks_.word(block, 0), blocks_.word(block, 1), blocks_.word(block, 2), blocks_.word(block, 3)}}};
  }
  draw_binomials(batch_, met, isa_, [&](std::size_t d) { return measurement_stream(period, draws[d].indicator); });
}

TallyShape tally_shape(const Scenario& scenario, bool keep_runs) {
  const int providers = scenario.provider_count();
  return {scenario.structure_count() * providers, scenario.simulation.horizon_months,
          scenario.indicator_count(), keep_runs, providers};
}

ScenarioModel::ScenarioModel(const Scenario& scenario) {
  if (scenario.is_single_provider()) {
    single_.emplace(scenario);
  } else {
    network_.emplace(scenario);
  }
}

namespace {

BlockTally simulate_network_block(const Scenario& scenario, const NetworkRunModel& model,
                                  const WorkUnit& unit, bool keep_runs) {
  const auto months = static_cast<std::size_t>(model.months());
  const auto indicators = static_cast<std::size_t>(model.indicator_count());
  const auto providers = static_cast<std::size_t>(model.provider_count());
  BlockTally tally(tally_shape(scenario, keep_runs), unit.first_run, unit.run_count);
  std::vector<RunDraws> draws;
  for (int h = 0; h < model.holder_count(); ++h) draws.emplace_back(scenario, h);
  std::vector<const RunShocks*> shocks;
  std::vector<MeasurementSampler*> samplers;
  for (auto& holder : draws) {
    shocks.push_back(&holder.shocks());
    samplers.push_back(&holder);
  }
  auto work = model.make_workspace();
  for (int j = 0; j < unit.run_count; ++j) {
    for (auto& holder : draws) holder.draw(static_cast<std::uint64_t>(unit.first_run + j));
    model.simulate(shocks, samplers, work);
    for (std::size_t s = 0; s < static_cast<std::size_t>(model.structure_count()); ++s) {
      for (std::size_t p = 0; p < providers; ++p) {
        const auto column = s * providers + p;
        // The network's indicators once per structure, with its first provider.
        const auto achievement =
            p == 0 ? std::span<const double>(work.achievement_mean).subspan(s * indicators, indicators)
                   : std::span<const double>();
        tally.record(static_cast<int>(column), j, work.outcomes[column],
                     std::span<const double>(work.cash_path).subspan(column * months, months),
                     achievement);
      }
    }
  }
  return tally;
}

}  // namespace

BlockTally simulate_block(const Scenario& scenario, const ScenarioModel& scenario_model,
                          const WorkUnit& unit, bool keep_runs) {
  if (const auto* network = scenario_model.network()) {
    return simulate_network_block(scenario, *network, unit, keep_runs);
  }
  const ProviderRunModel& model = *scenario_model.single();
  const auto month_count = static_cast<std::size_t>(model.months());
  const auto indicator_count = static_cast<std::size_t>(model.indicator_count());
  BlockTally tally(tally_shape(scenario, keep_runs), unit.first_run, unit.run_count);
  RunDraws draws(scenario);
  auto work = model.make_workspace();
  for (int j = 0; j < unit.run_count; ++j) {
    draws.draw(static_cast<std::uint64_t>(unit.first_run + j));
    model.simulate(draws.shocks(), draws, work);
    for (int s = 0; s < model.structure_count(); ++s) {
      const auto slot = static_cast<std::size_t>(s);
      tally.record(s, j, work.outcomes[slot],
                   std::span(work.cash).subspan(slot * month_count, month_count),
                   std::span(work.achievement_mean).subspan(slot * indicator_count, indicator_count));
    }
  }
  return tally;
}

ScenarioResults finalize_scenario(const ScenarioTally& tally, int threads) {
  ScenarioResults results;
  run_on_threads(threads, [&] {
    results = tally.finalize([](std::size_t count, const std::function<void(std::size_t)>& body) {
      parallel_for_index(count, body);
    });
  });
  return results;
}

ScenarioTally simulate_scenario(const Scenario& scenario, const EngineOptions& options) {
  const ScenarioModel model(scenario);
  const auto units = plan_work_units(0, scenario.simulation.runs);
  std::vector<std::optional<BlockTally>> finished(units.size());
  run_on_threads(options.threads, [&] {
    const LoopOrdering ordering;
    ordering.loop_starts();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, units.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        ordering.task_starts();
                        for (auto u = range.begin(); u != range.end(); ++u) {
                          finished[u] = simulate_block(scenario, model, units[u], options.keep_runs);
                          if (options.on_progress) {
                            options.on_progress(std::int64_t{units[u].run_count} *
                                                scenario.structure_count() * scenario.provider_count());
                          }
                        }
                        ordering.task_ends();
                      });
    ordering.joined();
  });
  // The merge is in block order, whatever order the blocks finished in.
  ScenarioTally merged(tally_shape(scenario, options.keep_runs), 0, options.keep_blocks);
  for (auto& block : finished) merged.add(std::move(*block));
  return merged;
}

}  // namespace shortfall
