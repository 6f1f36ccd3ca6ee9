#include "analysis/tally.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace shortfall {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_support_quantile = 0.95;  // docs/model.md section 7: 95th percentile of support

BlockTally::Sums empty_sums(const TallyShape& shape) {
  BlockTally::Sums sums;
  sums.first_shortfall_by_month.assign(static_cast<std::size_t>(shape.months) + 1, 0);
  sums.achievement_sum.assign(static_cast<std::size_t>(shape.indicators), ExactSum{});
  return sums;
}

void add_sums(BlockTally::Sums& total, const BlockTally::Sums& block) {
  total.shortfalls += block.shortfalls;
  total.diff_plus += block.diff_plus;
  total.diff_minus += block.diff_minus;
  total.first_shortfall_month_sum += block.first_shortfall_month_sum;
  total.months_in_shortfall_sum += block.months_in_shortfall_sum;
  total.min_cash_sum += block.min_cash_sum;
  total.support_sum += block.support_sum;
  total.earned_fraction_sum += block.earned_fraction_sum;
  total.received_sum += block.received_sum;
  total.receivable_sum += block.receivable_sum;
  total.commissioner_cost_sum += block.commissioner_cost_sum;
  for (std::size_t m = 0; m < total.first_shortfall_by_month.size(); ++m) {
    total.first_shortfall_by_month[m] += block.first_shortfall_by_month[m];
  }
  for (std::size_t k = 0; k < total.achievement_sum.size(); ++k) {
    total.achievement_sum[k] += block.achievement_sum[k];
  }
}

bool same_shape(const TallyShape& a, const TallyShape& b) {
  return a.structures == b.structures && a.months == b.months && a.indicators == b.indicators &&
         a.keep_runs == b.keep_runs && a.providers == b.providers;
}

// Row `row` of a [row][run] array of a block with `run_count` runs.
std::span<const double> row_of(const PerRunValues& values, std::size_t row,
                               std::size_t run_count) {
  return std::span<const double>(values).subspan(row * run_count, run_count);
}

}  // namespace

void prefault_pages(void* begin, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  // Below 64 KiB the values share pages with other allocations, and the
  // faults are few.
  constexpr std::size_t k_smallest = std::size_t{64} << 10;
  constexpr std::size_t k_page = 4096;
  if (bytes < k_smallest) return;
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + k_page - 1) & ~(k_page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(begin) + bytes) & ~(k_page - 1);
  // A failure (an older kernel: EINVAL) only leaves the pages to fault in.
  if (end > first) madvise(reinterpret_cast<void*>(first), end - first, MADV_POPULATE_WRITE);
#else
  (void)begin;
  (void)bytes;
#endif
}

BlockTally::BlockTally(TallyShape shape, std::int64_t first_run, int run_count)
    : shape_(shape), first_run_(first_run), run_count_(run_count) {
  if (shape.structures < 1 || shape.months < 1 || shape.indicators < 0 || shape.providers < 1 ||
      shape.structures % shape.providers != 0) {
    throw std::invalid_argument(fmt::format(
        "BlockTally: shape of {} structures, {} months, {} indicators, {} providers is not a "
        "tally shape",
        shape.structures, shape.months, shape.indicators, shape.providers));
  }
  if (first_run < 0 || run_count < 0) {
    throw std::invalid_argument(fmt::format(
        "BlockTally: a block of {} runs from run {} is not a block", run_count, first_run));
  }
  const auto structures = static_cast<std::size_t>(shape.structures);
  const auto runs = static_cast<std::size_t>(run_count);
  sums.assign(structures, empty_sums(shape));
  cash_by_month.resize(structures * static_cast<std::size_t>(shape.months) * runs);
  min_cash_by_run.resize(structures * runs);
  end_cash_by_run.resize(structures * runs);
  support_by_run.resize(structures * runs);
  if (shape.keep_runs) outcomes.assign(structures * runs, RunOutcome{});
  shortfall_flags.assign(structures * runs, 0);
  recorded_runs.assign(structures, 0);
}

namespace {

std::string describe_non_finite(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "+inf" : "-inf";
}

}  // namespace

NonFiniteRunValue::NonFiniteRunValue(int structure_index, std::int64_t run_number, int month_number,
                                     std::string what, double found)
    : std::domain_error(fmt::format("run {} under structure {}: {}{} is {}", run_number,
                                    structure_index, what,
                                    month_number > 0 ? fmt::format(" in month {}", month_number) : "",
                                    describe_non_finite(found))),
      structure(structure_index),
      run(run_number),
      month(month_number),
      quantity(std::move(what)),
      value(found) {}

namespace {

// Every value of a run is finite, or the run is refused: inf and NaN would
// pass through the sums and quantiles into statistics that look like
// answers (a NaN cash is never below the threshold). The earned fraction is
// NaN, by definition, exactly when the pot is 0 (docs/model.md).
void require_finite(int structure, std::int64_t run, const RunOutcome& outcome,
                    std::span<const double> cash_path, std::span<const double> achievement_mean) {
  bool all_finite = true;
  for (const double cash : cash_path) all_finite &= std::isfinite(cash);
  if (!all_finite) {
    for (std::size_t t = 0; t < cash_path.size(); ++t) {
      if (!std::isfinite(cash_path[t]))
        throw NonFiniteRunValue(structure, run, static_cast<int>(t) + 1, "cash", cash_path[t]);
    }
  }
  const std::pair<const char*, double> values[] = {
      {"minimum cash", outcome.min_cash},   {"end cash", outcome.end_cash},
      {"support", outcome.support},         {"outcome pot", outcome.pot},
      {"earned", outcome.earned},           {"received", outcome.received},
      {"receivable", outcome.receivable},   {"commissioner cost", outcome.commissioner_cost}};
  for (const auto& [what, value] : values) {
    if (!std::isfinite(value)) throw NonFiniteRunValue(structure, run, 0, what, value);
  }
  if (outcome.pot != 0.0 && !std::isfinite(outcome.earned_fraction))
    throw NonFiniteRunValue(structure, run, 0, "earned fraction", outcome.earned_fraction);
  for (const double achievement : achievement_mean) {
    if (!std::isfinite(achievement))
      throw NonFiniteRunValue(structure, run, 0, "mean achievement", achievement);
  }
}

}  // namespace

void BlockTally::record(int structure, int run_in_block, const RunOutcome& outcome,
                        std::span<const double> cash_path,
                        std::span<const double> achievement_mean) {
  if (structure < 0 || structure >= shape_.structures || run_in_block < 0 ||
      run_in_block >= run_count_) {
    throw std::out_of_range(
        fmt::format("BlockTally::record: structure {} run {} is outside {} structures x {} runs",
                    structure, run_in_block, shape_.structures, run_count_));
  }
  // Sums follow run order, and the paired difference reads structure 0's
  // flag of the same run: both need this order.
  if (run_in_block != recorded_runs[structure]) {
    throw std::logic_error(fmt::format(
        "BlockTally::record: structure {} got run {} of the block from run {}, expected run {}",
        structure, run_in_block, first_run_, recorded_runs[structure]));
  }
  const int reference = structure % shape_.providers;  // the first structure's column
  if (structure != reference && recorded_runs[reference] <= run_in_block) {
    throw std::logic_error(
        fmt::format("BlockTally::record: structure {} got run {} before structure {} did",
                    structure, run_in_block, reference));
  }
  if (cash_path.size() != static_cast<std::size_t>(shape_.months) ||
      (!achievement_mean.empty() &&
       achievement_mean.size() != static_cast<std::size_t>(shape_.indicators))) {
    throw std::invalid_argument(fmt::format(
        "BlockTally::record: {} months of cash and {} indicators given, {} and {} expected",
        cash_path.size(), achievement_mean.size(), shape_.months, shape_.indicators));
  }
  const bool first_month_fits =
      outcome.shortfall
          ? outcome.first_shortfall_month >= 1 && outcome.first_shortfall_month <= shape_.months
          : outcome.first_shortfall_month == 0;
  if (!first_month_fits) {
    throw std::invalid_argument(fmt::format(
        "BlockTally::record: first_shortfall_month = {} with shortfall = {} (expected 1..{} with a "
        "shortfall, 0 without)",
        outcome.first_shortfall_month, outcome.shortfall, shape_.months));
  }
  require_finite(structure, first_run_ + run_in_block, outcome, cash_path, achievement_mean);

  const auto runs = static_cast<std::size_t>(run_count_);
  const auto run_index = static_cast<std::size_t>(structure) * runs + run_in_block;
  Sums& sum = sums[structure];
  if (outcome.shortfall) {
    ++sum.shortfalls;
    sum.first_shortfall_month_sum += outcome.first_shortfall_month;
    ++sum.first_shortfall_by_month[outcome.first_shortfall_month];
  }
  sum.months_in_shortfall_sum += outcome.months_in_shortfall;
  if (structure != reference) {
    const bool short_under_reference =
        shortfall_flags[static_cast<std::size_t>(reference) * runs + run_in_block] != 0;
    if (outcome.shortfall && !short_under_reference) ++sum.diff_plus;
    if (!outcome.shortfall && short_under_reference) ++sum.diff_minus;
  }
  sum.min_cash_sum += outcome.min_cash;
  sum.support_sum += outcome.support;
  sum.earned_fraction_sum += outcome.earned_fraction;
  sum.received_sum += outcome.received;
  sum.receivable_sum += outcome.receivable;
  sum.commissioner_cost_sum += outcome.commissioner_cost;
  for (std::size_t k = 0; k < achievement_mean.size(); ++k) {
    sum.achievement_sum[k] += achievement_mean[k];
  }

  for (int t = 1; t <= shape_.months; ++t) {
    cash_by_month[(static_cast<std::size_t>(structure) * shape_.months + (t - 1)) * runs +
                  run_in_block] = cash_path[t - 1];
  }
  min_cash_by_run[run_index] = outcome.min_cash;
  end_cash_by_run[run_index] = outcome.end_cash;
  support_by_run[run_index] = outcome.support;
  shortfall_flags[run_index] = outcome.shortfall ? 1 : 0;
  if (shape_.keep_runs) outcomes[run_index] = outcome;
  ++recorded_runs[structure];
}

bool BlockTally::complete() const {
  return std::all_of(recorded_runs.begin(), recorded_runs.end(),
                     [this](int recorded) { return recorded == run_count_; });
}

std::int64_t BlockTally::shortfall_count(int s) const { return sums.at(s).shortfalls; }

double BlockTally::cash(int s, int t, int j) const {
  if (s < 0 || s >= shape_.structures || t < 1 || t > shape_.months || j < 0 || j >= run_count_) {
    throw std::out_of_range(
        fmt::format("BlockTally::cash: structure {} month {} run {} is outside "
                    "{} structures x {} months x {} runs",
                    s, t, j, shape_.structures, shape_.months, run_count_));
  }
  return cash_by_month[(static_cast<std::size_t>(s) * shape_.months + (t - 1)) *
                           static_cast<std::size_t>(run_count_) +
                       j];
}

double BlockTally::min_cash(int s, int j) const {
  return min_cash_by_run.at(static_cast<std::size_t>(s) * run_count_ + j);
}

double BlockTally::end_cash(int s, int j) const {
  return end_cash_by_run.at(static_cast<std::size_t>(s) * run_count_ + j);
}

const RunOutcome& BlockTally::outcome(int s, int j) const {
  if (!shape_.keep_runs) {
    throw std::logic_error("BlockTally::outcome: the runs were not kept (keep_runs is off)");
  }
  return outcomes.at(static_cast<std::size_t>(s) * run_count_ + j);
}

namespace {

ScenarioTally::MergedState empty_state(const TallyShape& shape) {
  const auto columns = static_cast<std::size_t>(shape.structures);
  ScenarioTally::MergedState state;
  state.sums.assign(columns, empty_sums(shape));
  state.any_shortfall.assign(columns / static_cast<std::size_t>(shape.providers), 0);
  state.cash.assign(columns * static_cast<std::size_t>(shape.months), QuantileSketch{});
  state.min_cash.assign(columns, QuantileSketch{});
  state.end_cash.assign(columns, QuantileSketch{});
  state.support.assign(columns, QuantileSketch{});
  return state;
}

}  // namespace

ScenarioTally::ScenarioTally(TallyShape shape, std::int64_t first_run, bool keep_blocks)
    : shape_(shape),
      first_run_(first_run),
      keep_blocks_(keep_blocks || shape.keep_runs),
      state_(empty_state(shape)) {
  if (first_run < 0) {
    throw std::invalid_argument(fmt::format("ScenarioTally: first run {} is negative", first_run));
  }
}

ScenarioTally::ScenarioTally(TallyShape shape, std::int64_t first_run, std::int64_t runs,
                             MergedState state)
    : ScenarioTally(shape, first_run) {
  const MergedState empty = empty_state(shape);
  const bool sizes_fit =
      runs >= 0 && state.sums.size() == empty.sums.size() &&
      state.any_shortfall.size() == empty.any_shortfall.size() &&
      state.cash.size() == empty.cash.size() && state.min_cash.size() == empty.min_cash.size() &&
      state.end_cash.size() == empty.end_cash.size() &&
      state.support.size() == empty.support.size() &&
      std::all_of(state.sums.begin(), state.sums.end(), [&](const BlockTally::Sums& sums) {
        return sums.first_shortfall_by_month.size() == empty.sums[0].first_shortfall_by_month.size() &&
               sums.achievement_sum.size() == empty.sums[0].achievement_sum.size();
      });
  const auto holds_runs = [runs](const std::vector<QuantileSketch>& sketches) {
    return std::all_of(sketches.begin(), sketches.end(),
                       [runs](const QuantileSketch& sketch) { return sketch.count() == runs; });
  };
  if (!sizes_fit || !holds_runs(state.cash) || !holds_runs(state.min_cash) ||
      !holds_runs(state.end_cash) || !holds_runs(state.support)) {
    throw std::invalid_argument(fmt::format(
        "ScenarioTally: a merged state of {} runs does not fit {} columns, {} months, {} indicators",
        runs, shape.structures, shape.months, shape.indicators));
  }
  if (shape.keep_runs && runs > 0) {
    throw std::invalid_argument("ScenarioTally: a merged state cannot hold kept runs");
  }
  runs_ = runs;
  state_ = std::move(state);
}

void ScenarioTally::add(BlockTally block) {
  if (!same_shape(block.shape(), shape_)) {
    throw std::logic_error(fmt::format(
        "ScenarioTally::add: block of {} structures, {} months, {} indicators (keep_runs {}) "
        "does not match the scenario's {}, {}, {} ({})",
        block.shape().structures, block.shape().months, block.shape().indicators,
        block.shape().keep_runs, shape_.structures, shape_.months, shape_.indicators,
        shape_.keep_runs));
  }
  const std::int64_t expected_first_run = first_run_ + runs_;
  if (block.first_run() != expected_first_run) {
    throw std::logic_error(
        fmt::format("ScenarioTally::add: block from run {} arrived when run {} was next ({})",
                    block.first_run(), expected_first_run,
                    block.first_run() > expected_first_run ? "a gap" : "out of order or twice"));
  }
  if (!block.complete()) {
    throw std::logic_error(fmt::format(
        "ScenarioTally::add: block from run {} is incomplete (not every structure recorded its {} "
        "runs)",
        block.first_run(), block.run_count()));
  }
  fold(block);
  runs_ += block.run_count();
  if (keep_blocks_) blocks_.push_back(std::move(block));
}

void ScenarioTally::add(const ScenarioTally& later) {
  if (!same_shape(later.shape_, shape_)) {
    throw std::logic_error("ScenarioTally::add: a merged state of another shape");
  }
  if (later.first_run_ != first_run_ + runs_) {
    throw std::logic_error(
        fmt::format("ScenarioTally::add: a merged state from run {} arrived when run {} was next",
                    later.first_run_, first_run_ + runs_));
  }
  if (keep_blocks_ && later.runs_ > 0) {
    throw std::logic_error("ScenarioTally::add: a tally keeping blocks cannot take a merged state");
  }
  for (std::size_t c = 0; c < state_.sums.size(); ++c) add_sums(state_.sums[c], later.state_.sums[c]);
  for (std::size_t g = 0; g < state_.any_shortfall.size(); ++g)
    state_.any_shortfall[g] += later.state_.any_shortfall[g];
  for (auto [mine, theirs] : {std::pair{&state_.cash, &later.state_.cash},
                              std::pair{&state_.min_cash, &later.state_.min_cash},
                              std::pair{&state_.end_cash, &later.state_.end_cash},
                              std::pair{&state_.support, &later.state_.support}}) {
    for (std::size_t i = 0; i < mine->size(); ++i) (*mine)[i].add((*theirs)[i]);
  }
  runs_ += later.runs_;
}

void ScenarioTally::fold(const BlockTally& block) {
  const auto columns = static_cast<std::size_t>(shape_.structures);
  const auto months = static_cast<std::size_t>(shape_.months);
  const auto providers = static_cast<std::size_t>(shape_.providers);
  const auto runs = static_cast<std::size_t>(block.run_count());
  for (std::size_t c = 0; c < columns; ++c) {
    add_sums(state_.sums[c], block.sums[c]);
    for (std::size_t t = 0; t < months; ++t) {
      state_.cash[c * months + t].add(row_of(block.cash_by_month, c * months + t, runs));
    }
    state_.min_cash[c].add(row_of(block.min_cash_by_run, c, runs));
    state_.end_cash[c].add(row_of(block.end_cash_by_run, c, runs));
    state_.support[c].add(row_of(block.support_by_run, c, runs));
  }
  // Runs in which any provider of the network was short, per structure.
  for (std::size_t structure = 0; structure < columns / providers; ++structure) {
    std::int64_t any_short = 0;
    for (std::size_t j = 0; j < runs; ++j) {
      bool short_here = false;
      for (std::size_t p = 0; p < providers; ++p) {
        short_here = short_here || block.shortfall_flags[(structure * providers + p) * runs + j] != 0;
      }
      if (short_here) ++any_short;
    }
    state_.any_shortfall[structure] += any_short;
  }
}

std::int64_t ScenarioTally::shortfalls(int structure) const {
  return state_.sums.at(static_cast<std::size_t>(structure)).shortfalls;
}

ScenarioResults ScenarioTally::finalize(const ForEachIndex& for_each_index) const {
  const int structure_count = shape_.structures;
  const int month_count = shape_.months;
  const int indicator_count = shape_.indicators;
  const auto structures = static_cast<std::size_t>(structure_count);
  const auto months = static_cast<std::size_t>(month_count);
  const auto indicators = static_cast<std::size_t>(indicator_count);
  const auto quantile_count = static_cast<std::size_t>(k_quantile_count);

  ScenarioResults results;
  results.runs_done = runs_;
  results.structure_count = structure_count;
  results.month_count = month_count;
  results.indicator_count = indicator_count;
  results.provider_count = shape_.providers;
  const auto providers = static_cast<std::size_t>(shape_.providers);
  results.p_any_shortfall.assign(structures / providers, k_nan);
  for (auto* per_structure :
       {&results.p_shortfall, &results.p_shortfall_ci_low, &results.p_shortfall_ci_high,
        &results.p_shortfall_diff, &results.p_shortfall_diff_se, &results.min_cash_mean,
        &results.min_cash_cvar05, &results.support_mean, &results.support_p95,
        &results.first_shortfall_month_mean, &results.earned_fraction_mean,
        &results.outcome_received_mean, &results.receivable_mean,
        &results.commissioner_cost_mean}) {
    per_structure->assign(structures, k_nan);
  }
  results.shortfall_by_month.assign(structures * months, k_nan);
  results.cash_quantiles.assign(structures * months * quantile_count, k_nan);
  results.min_cash_quantiles.assign(structures * quantile_count, k_nan);
  results.end_cash_quantiles.assign(structures * quantile_count, k_nan);
  results.indicator_achievement_mean.assign(structures * indicators, k_nan);
  if (runs_ == 0) return results;

  const double n = static_cast<double>(runs_);
  const auto quantiles_into = [&](const QuantileSketch& sketch, std::vector<double>& out,
                                  std::size_t offset) {
    sketch.quantiles(k_reported_quantiles, std::span<double>(out).subspan(offset, quantile_count));
  };

  for (std::size_t s = 0; s < structures; ++s) {
    const BlockTally::Sums& total = state_.sums[s];

    results.p_shortfall[s] = static_cast<double>(total.shortfalls) / n;
    std::tie(results.p_shortfall_ci_low[s], results.p_shortfall_ci_high[s]) =
        wilson_interval(total.shortfalls, runs_);

    // d = short_s - short_0 takes the values +1 (diff_plus runs), -1
    // (diff_minus runs) and 0.
    if (s < providers) {  // the first structure's columns
      results.p_shortfall_diff[s] = 0.0;
      results.p_shortfall_diff_se[s] = 0.0;
    } else {
      const PairedDifference difference =
          paired_difference_of_indicators(total.diff_plus, total.diff_minus, runs_);
      results.p_shortfall_diff[s] = difference.mean;
      results.p_shortfall_diff_se[s] = difference.standard_error;
    }

    if (total.shortfalls > 0) {
      results.first_shortfall_month_mean[s] = static_cast<double>(total.first_shortfall_month_sum) /
                                              static_cast<double>(total.shortfalls);
    }
    results.min_cash_mean[s] = total.min_cash_sum.value() / n;
    results.support_mean[s] = total.support_sum.value() / n;
    results.earned_fraction_mean[s] = total.earned_fraction_sum.value() / n;
    results.outcome_received_mean[s] = total.received_sum.value() / n;
    results.receivable_mean[s] = total.receivable_sum.value() / n;
    results.commissioner_cost_mean[s] = total.commissioner_cost_sum.value() / n;
    for (std::size_t k = 0; k < indicators; ++k) {
      results.indicator_achievement_mean[s * indicators + k] = total.achievement_sum[k].value() / n;
    }

    std::int64_t short_by_now = 0;
    for (std::size_t t = 1; t <= months; ++t) {
      short_by_now += total.first_shortfall_by_month[t];
      results.shortfall_by_month[s * months + (t - 1)] = static_cast<double>(short_by_now) / n;
    }

    quantiles_into(state_.min_cash[s], results.min_cash_quantiles, s * quantile_count);
    results.min_cash_cvar05[s] = state_.min_cash[s].lower_tail_mean(k_cvar_share);
    quantiles_into(state_.end_cash[s], results.end_cash_quantiles, s * quantile_count);
    results.support_p95[s] = state_.support[s].quantile(k_support_quantile);
  }
  for (std::size_t structure = 0; structure < structures / providers; ++structure) {
    results.p_any_shortfall[structure] = static_cast<double>(state_.any_shortfall[structure]) / n;
  }

  // Cash quantiles of every (structure, month), independent of each other.
  const auto cash_quantiles_of = [&](std::size_t row) {
    quantiles_into(state_.cash[row], results.cash_quantiles, row * quantile_count);
  };
  const std::size_t rows = structures * months;
  if (for_each_index) {
    for_each_index(rows, cash_quantiles_of);
  } else {
    for (std::size_t row = 0; row < rows; ++row) cash_quantiles_of(row);
  }
  return results;
}

}  // namespace shortfall
