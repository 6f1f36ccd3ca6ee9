#include "sim/engine/memory_budget.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "sim/engine/engine.h"
#include "sim/engine/errors.h"
#include "models/run_outcome.h"

namespace shortfall {

namespace {

constexpr std::uint64_t k_unlimited = std::numeric_limits<std::uint64_t>::max();

// A cgroup's memory limit from one of its files ("max" or a number of bytes).
std::uint64_t cgroup_limit(const char* path) {
  std::ifstream file(path);
  std::string text;
  if (!(file >> text) || text == "max") return k_unlimited;
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return k_unlimited;
  }
}

std::uint64_t resource_limit(int resource) {
  struct rlimit limit {};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return k_unlimited;
  return limit.rlim_cur;
}

// Saturating: a study of 10^9 runs must not wrap around to a small number.
std::uint64_t times(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > k_unlimited / a) return k_unlimited;
  return a * b;
}

}  // namespace

std::uint64_t peak_memory_estimate(std::span<const Scenario> scenarios, KeptPerRun kept_per_run,
                                   int threads) {
  const bool keep_runs = kept_per_run == KeptPerRun::records;
  const int workers =
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::uint64_t largest_scenario = 0;
  std::uint64_t largest_block = 0;
  for (const Scenario& scenario : scenarios) {
    // Per structure, and in a network for each provider under it.
    const auto columns = static_cast<std::uint64_t>(scenario.structure_count()) *
                         static_cast<std::uint64_t>(scenario.provider_count());
    const auto values = static_cast<std::uint64_t>(scenario.simulation.horizon_months) + 3;
    // A block's per-run values: cash of every month, minimum and end cash,
    // support, a shortfall flag, and the run's record with --keep-runs.
    const std::uint64_t per_run_column =
        values * sizeof(double) + 1 + (keep_runs ? sizeof(RunOutcome) : 0);
    largest_block = std::max(
        largest_block,
        times(times(static_cast<std::uint64_t>(
                        std::min<std::int64_t>(scenario.simulation.most_runs(), k_runs_per_block)),
                    columns),
              per_run_column));
    // The merged state: a sketch of every value a quantile is taken of,
    // whatever the runs; every block too when they are kept.
    std::uint64_t bytes = times(times(columns, values), k_sketch_allowance);
    if (kept_per_run != KeptPerRun::nothing) {
      const std::uint64_t kept =
          times(times(static_cast<std::uint64_t>(scenario.simulation.most_runs()), columns),
                per_run_column);
      bytes = kept > k_unlimited - bytes ? k_unlimited : bytes + kept;
    }
    largest_scenario = std::max(largest_scenario, bytes);
  }
  const auto window = 2 * static_cast<std::uint64_t>(workers) + 2;
  const auto open_at_once = std::min<std::uint64_t>(scenarios.size(), window);
  const std::uint64_t states = times(largest_scenario, open_at_once);
  const std::uint64_t blocks = times(largest_block, window);
  return blocks > k_unlimited - states ? k_unlimited : states + blocks;
}

std::uint64_t available_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  std::uint64_t available = pages > 0 && page_size > 0
                                ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
                                : k_unlimited;
  available = std::min({available, cgroup_limit("/sys/fs/cgroup/memory.max"),
                        cgroup_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                        resource_limit(RLIMIT_AS), resource_limit(RLIMIT_DATA)});
  return available;
}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes == k_unlimited) return "more than 18 EB";
  const double value = static_cast<double>(bytes);
  if (value >= 1e12) return fmt::format("{:.1f} TB", value / 1e12);
  if (value >= 1e9) return fmt::format("{:.1f} GB", value / 1e9);
  return fmt::format("{:.0f} MB", value / 1e6);
}

void require_memory_for(std::span<const Scenario> scenarios, KeptPerRun kept, int threads,
                        const std::string& source) {
  const std::uint64_t needed = peak_memory_estimate(scenarios, kept, threads);
  const std::uint64_t available = available_memory();
  if (needed <= available) return;
  const Scenario& first = scenarios.front();
  if (kept != KeptPerRun::nothing) {
    throw InputError(fmt::format(
        "{}: needs about {} of memory ({} runs x {} structures{} x {} months of cash per scenario"
        "{}), more than the {} this process may use (the machine's memory, or a cgroup or ulimit "
        "limit): use fewer runs per scenario{}",
        source, format_bytes(needed), first.simulation.most_runs(), first.structure_count(),
        first.provider_count() > 1 ? fmt::format(" x {} providers", first.provider_count()) : "",
        first.simulation.horizon_months,
        kept == KeptPerRun::records ? " and every run's record, kept for --keep-runs"
                                    : ", kept to pair the runs of two structures",
        format_bytes(available), kept == KeptPerRun::records ? ", or leave out --keep-runs" : ""));
  }
  throw InputError(fmt::format(
      "{}: needs about {} of memory ({} structures{} x {} months of quantile sketches per "
      "scenario{}, and the blocks in flight), more than the {} this process may use (the "
      "machine's memory, or a cgroup or ulimit limit): use fewer threads",
      source, format_bytes(needed), first.structure_count(),
      first.provider_count() > 1 ? fmt::format(" x {} providers", first.provider_count()) : "",
      first.simulation.horizon_months,
      scenarios.size() > 1 ? ", for the scenarios open at once" : "", format_bytes(available)));
}

}  // namespace shortfall
