// Partial results of work units, merged in a fixed order.
//
// A work unit is one block of consecutive runs of one scenario. Its tally
// keeps what merges exactly: counts, and exact sums accumulated in run order,
// plus the block's per-run values (cash in every month, minimum and end
// cash, support), which the scenario's tally folds into quantile sketches.
// Blocks are merged in block order, so any thread count, rank count or
// shard split gives the same bits; as the sums are exact and the sketches
// integer counts, so does any choice of block sizes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "estimators.h"
#include "quantile_sketch.h"
#include "run_outcome.h"
#include "scenario_results.h"

namespace shortfall {

// Maps in every page of a fresh allocation with one system call
// (madvise(MADV_POPULATE_WRITE), Linux 5.14 and later; elsewhere nothing):
// the pages of a block's per-run values are all written anyway, and one
// call costs a fraction of a page fault per 4 KiB page.
void prefault_pages(void* begin, std::size_t bytes);

// A vector of per-run values that skips zero-filling on resize: every
// element is written by record() before it is read, and at a million runs
// the fill alone would touch 900 MB for nothing. Large arrays are
// prefaulted (prefault_pages).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  using std::allocator<T>::allocator;
  T* allocate(std::size_t count) {
    T* values = std::allocator<T>::allocate(count);
    prefault_pages(values, count * sizeof(T));
    return values;
  }
  template <class U, class... Args>
  void construct(U* place, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(place)) U;  // default-initialise: no zero fill
    } else {
      ::new (static_cast<void*>(place)) U(std::forward<Args>(args)...);
    }
  }
};
using PerRunValues = std::vector<double, UninitializedAllocator<double>>;

// A run produced a value that is not a finite number: the scenario's values
// overflow double precision (money near 1.8e308) or meet inf - inf (a demand
// volatility so large that activity overflows). BlockTally::record throws it
// before the value reaches any sum, so no statistic is ever computed from
// it (docs/reliability.md).
class NonFiniteRunValue : public std::domain_error {
 public:
  NonFiniteRunValue(int structure, std::int64_t run, int month, std::string quantity, double value);
  int scenario = -1;  // filled in by the engine, which knows it
  int structure;
  std::int64_t run;
  int month;             // 1..T for cash in a month; 0 for a value of the whole run
  std::string quantity;  // "cash", "minimum cash", ...
  double value;
};

// A tally's columns are (structure, provider) pairs, structure-major: a
// single provider has one column per structure; a network of P providers
// has P per structure, and column c belongs to structure c / P and provider
// c % P. Every per-column statistic is then a provider's statistic under one
// structure, and the paired difference compares column c with column c % P
// (the same provider under the first structure).
struct TallyShape {
  int structures = 0;      // columns: structures x providers
  int months = 0;          // T
  int indicators = 0;      // K
  bool keep_runs = false;  // also keep every RunOutcome (for --keep-runs)
  int providers = 1;       // P; divides `structures`
};

class BlockTally {
 public:
  BlockTally(TallyShape shape, std::int64_t first_run, int run_count);

  // Record run `run_in_block` (0-based within the block) under `structure`
  // (a column, see TallyShape). Runs of one column must be recorded in
  // increasing order, and the first structure's columns of a run before the
  // other columns of that run (the paired difference compares against
  // them); `cash_path` holds Cash_1..Cash_T, `achievement_mean` the
  // per-indicator mean achievement of the run, or nothing: a network records
  // the network's indicators once per structure, with its first provider. Each structure records every run of the block
  // once, in order 0, 1, 2, ...: anything else throws std::logic_error.
  void record(int structure, int run_in_block, const RunOutcome& outcome,
              std::span<const double> cash_path, std::span<const double> achievement_mean);

  const TallyShape& shape() const { return shape_; }
  std::int64_t first_run() const { return first_run_; }
  int run_count() const { return run_count_; }
  // Every structure has recorded every run of the block.
  bool complete() const;

  // Read access for merging, serialising (MPI, checkpoints) and --keep-runs.
  // Per structure s:
  std::int64_t shortfall_count(int s) const;
  // Cash of run j in month t (1-based) under structure s.
  double cash(int s, int t, int j) const;
  double min_cash(int s, int j) const;
  double end_cash(int s, int j) const;
  const RunOutcome& outcome(int s, int j) const;  // keep_runs only

  // Everything is public to the merge; the layout is documented here.
  // Money and fractions are summed exactly (ExactSum), so the totals, and
  // every mean, are the same bits however the runs were split into blocks.
  struct Sums {
    std::int64_t shortfalls = 0;
    std::int64_t diff_plus = 0;   // runs short here but not under structure 0
    std::int64_t diff_minus = 0;  // runs short under structure 0 but not here
    std::int64_t first_shortfall_month_sum = 0;
    std::int64_t months_in_shortfall_sum = 0;
    ExactSum min_cash_sum;
    ExactSum support_sum;
    ExactSum earned_fraction_sum;
    ExactSum received_sum;
    ExactSum receivable_sum;
    ExactSum commissioner_cost_sum;
    std::vector<std::int64_t> first_shortfall_by_month;  // [T+1], index = month (0 unused)
    std::vector<ExactSum> achievement_sum;               // [K]
  };
  std::vector<Sums> sums;               // [structure]
  PerRunValues cash_by_month;    // [structure][month][run], months 1..T at index 0..T-1
  PerRunValues min_cash_by_run;  // [structure][run]
  PerRunValues end_cash_by_run;  // [structure][run]
  PerRunValues support_by_run;   // [structure][run], for the 95th percentile of support
  std::vector<RunOutcome> outcomes;     // [structure][run], keep_runs only
  std::vector<unsigned char> shortfall_flags;  // [structure][run], for the paired difference
  std::vector<int> recorded_runs;              // [structure], runs recorded so far

 private:
  TallyShape shape_;
  std::int64_t first_run_;
  int run_count_;
};

// The merge of a scenario's blocks, in block order, and the final statistics.
//
// What it keeps does not grow with the number of runs: the exact sums and
// counts of every block, and a QuantileSketch of every value a quantile is
// taken of (docs/model.md, "Quantiles from a sketch"). Integer counts and
// exact sums make the merged state, and so every statistic, the same bits
// however the runs were split into blocks, threads, ranks or shards.
// Blocks themselves are kept only when asked (keep_blocks): --keep-runs
// writes them out, and decompose pairs per-run values of two structures.
class ScenarioTally {
 public:
  // The merged state: everything finalize() reads.
  struct MergedState {
    std::vector<BlockTally::Sums> sums;  // [column]
    std::vector<std::int64_t> any_shortfall;  // [structure]: runs where any provider was short
    std::vector<QuantileSketch> cash;         // [column][month]
    std::vector<QuantileSketch> min_cash;     // [column]
    std::vector<QuantileSketch> end_cash;     // [column]
    std::vector<QuantileSketch> support;      // [column]
  };

  // The first block must start at `first_run` (a shard's tally starts
  // where its share of the runs does). With keep_runs in the shape, blocks
  // are always kept.
  explicit ScenarioTally(TallyShape shape, std::int64_t first_run = 0, bool keep_blocks = false);
  // A merged state read back (a checkpoint, a shard part, a results file):
  // `runs` runs from `first_run`. Throws std::invalid_argument when the
  // state's sizes do not fit the shape.
  ScenarioTally(TallyShape shape, std::int64_t first_run, std::int64_t runs, MergedState state);

  // Blocks must arrive in increasing first_run order, without gaps, complete
  // and of this tally's shape; otherwise std::logic_error.
  void add(BlockTally block);
  // The merged state of the runs that follow this tally's, same shape; the
  // tally must not keep blocks (a state has none to give).
  void add(const ScenarioTally& later);

  const TallyShape& shape() const { return shape_; }
  std::int64_t first_run() const { return first_run_; }
  std::int64_t runs() const { return runs_; }
  bool keeps_blocks() const { return keep_blocks_; }
  // Runs short under `structure` so far: enough for a stopping rule on the
  // Wilson half-width without finalising.
  std::int64_t shortfalls(int structure) const;
  // The blocks, in order, when kept; empty otherwise.
  const std::vector<BlockTally>& blocks() const { return blocks_; }
  const MergedState& state() const { return state_; }
  // Every statistic of docs/model.md section 7, a pure function of the
  // merged state. A mean over no runs is NaN (with no runs at all, every
  // statistic is); the paired standard error needs N >= 2 (NaN at N = 1),
  // except for structure 0, whose difference with itself is 0 with standard
  // error 0. Calls body(i) for every i in [0, count); the engine passes a
  // parallel loop. The bodies are independent and the result does not
  // depend on their order.
  using ForEachIndex =
      std::function<void(std::size_t count, const std::function<void(std::size_t)>& body)>;
  ScenarioResults finalize(const ForEachIndex& for_each_index = {}) const;

 private:
  void fold(const BlockTally& block);

  TallyShape shape_;
  std::int64_t first_run_ = 0;
  std::int64_t runs_ = 0;
  bool keep_blocks_ = false;
  MergedState state_;
  std::vector<BlockTally> blocks_;
};

}  // namespace shortfall
