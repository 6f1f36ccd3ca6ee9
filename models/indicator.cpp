#include "indicator.h"

#include "isa.h"

namespace shortfall {

namespace {

// The bodies of step_indicators and add_rates, compiled three times below:
// for baseline x86-64 (SSE2), AVX2 and AVX-512. None may contract a multiply
// and an add into an FMA (the build passes -ffp-contract=off, which holds
// for the AVX-512 copy too, whose target has FMA), and the loops have no
// reduction to reorder, so all give the bits of the scalar formulas.
[[gnu::always_inline]] inline void step_indicators_body(const IndicatorProcesses& processes, int month,
                                                        double feedback, std::span<const double> shock,
                                                        std::span<double> latent) {
  const std::size_t k = latent.size();
  const double t = month;
  const double* __restrict logit_baseline = processes.logit_baseline.data();
  const double* __restrict trend_per_month = processes.trend_per_month.data();
  const double* __restrict reversion = processes.reversion.data();
  const double* __restrict volatility = processes.volatility.data();
  const double* __restrict direction = processes.direction.data();
  const double* __restrict eps = shock.data();
  double* __restrict x = latent.data();
  for (std::size_t i = 0; i < k; ++i) {
    // IndicatorProcess::target_level and ::step, term for term.
    const double level = logit_baseline[i] + trend_per_month[i] * t + direction[i] * feedback;
    const double next = x[i] + reversion[i] * (level - x[i]) + volatility[i] * eps[i];
    x[i] = next;
  }
}

[[gnu::always_inline]] inline void add_rates_body(std::span<const double> latent, std::span<double> rate_sum) {
  const std::size_t n = latent.size();
  const double* __restrict x = latent.data();
  double* __restrict sum = rate_sum.data();
  for (std::size_t j = 0; j < n; ++j) sum[j] += logistic(x[j]);
}

void step_indicators_baseline(const IndicatorProcesses& processes, int month, double feedback,
                              std::span<const double> shock, std::span<double> latent) {
  step_indicators_body(processes, month, feedback, shock, latent);
}
void add_rates_baseline(std::span<const double> latent, std::span<double> rate_sum) {
  add_rates_body(latent, rate_sum);
}

#if defined(__GNUC__) && defined(__x86_64__)
[[gnu::target("avx2")]] void step_indicators_avx2(const IndicatorProcesses& processes, int month,
                                                  double feedback, std::span<const double> shock,
                                                  std::span<double> latent) {
  step_indicators_body(processes, month, feedback, shock, latent);
}
[[gnu::target("avx2")]] void add_rates_avx2(std::span<const double> latent, std::span<double> rate_sum) {
  add_rates_body(latent, rate_sum);
}

// Eight lanes to a vector: a structure's indicators (6 to 15) in one or
// two; the rates of all structures, padded to whole vectors, in S K / 8.
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void step_indicators_avx512(
    const IndicatorProcesses& processes, int month, double feedback, std::span<const double> shock,
    std::span<double> latent) {
  step_indicators_body(processes, month, feedback, shock, latent);
}
[[gnu::target("avx512f,avx512dq,prefer-vector-width=512")]] void add_rates_avx512(std::span<const double> latent,
                                                                                  std::span<double> rate_sum) {
  add_rates_body(latent, rate_sum);
}
#endif

}  // namespace

// The path is SHORTFALL_ISA's (isa.h), not only the CPU's, so that a forced
// `scalar` runs the baseline code and the tests can compare the paths.
void step_indicators(const IndicatorProcesses& processes, int month, double feedback,
                     std::span<const double> shock, std::span<double> latent) {
#if defined(__GNUC__) && defined(__x86_64__)
  static const Isa isa = isa_in_use();
  if (isa == Isa::avx512) return step_indicators_avx512(processes, month, feedback, shock, latent);
  if (isa == Isa::avx2) return step_indicators_avx2(processes, month, feedback, shock, latent);
#endif
  step_indicators_baseline(processes, month, feedback, shock, latent);
}

void add_rates(std::span<const double> latent, std::span<double> rate_sum) {
#if defined(__GNUC__) && defined(__x86_64__)
  static const Isa isa = isa_in_use();
  if (isa == Isa::avx512) return add_rates_avx512(latent, rate_sum);
  if (isa == Isa::avx2) return add_rates_avx2(latent, rate_sum);
#endif
  add_rates_baseline(latent, rate_sum);
}

void advance_indicators(const IndicatorProcesses& processes, int month, double feedback,
                        std::span<const double> shock, std::span<double> latent,
                        std::span<double> rate_sum) {
  step_indicators(processes, month, feedback, shock, latent);
  add_rates(latent, rate_sum);
}

int threshold_count(double target, int cases) {
  for (int count = 0; count <= cases; ++count) {
    if (static_cast<double>(count) / cases >= target) return count;
  }
  return cases + 1;
}

std::vector<double> achievement_by_count(const Indicator& indicator, PaymentRule rule, int cases) {
  constexpr int k_largest_tabulated_count = 1 << 16;
  std::vector<double> by_count;
  if (cases > 0 && cases <= k_largest_tabulated_count) {
    by_count.resize(static_cast<std::size_t>(cases) + 1);
    for (int count = 0; count <= cases; ++count) {
      by_count[static_cast<std::size_t>(count)] =
          achievement(indicator, rule, static_cast<double>(count) / cases);
    }
  }
  return by_count;
}

}  // namespace shortfall
