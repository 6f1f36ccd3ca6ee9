// shortfall_binomial_bench: nanoseconds per binomial draw of the sampler
// built for a fixed n (sim/engine/binomial_sampler.h) against Boost's
// binomial_distribution built per draw, as the engine before format 1.2 drew,
// when the probability changes from draw to draw.
//
// Both take their words from one RandomStream (Philox4x64-10), whose cost
// is printed separately. Each figure is the best of --repeats timings.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/random/binomial_distribution.hpp>
#include <CLI/CLI.hpp>

#include "sim/engine/binomial_batch.h"
#include "sim/engine/binomial_sampler.h"
#include "sim/engine/random_streams.h"
#include "sim/input/scenario_loader.h"

using namespace shortfall;

namespace {

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The struggling trust's structures: each (run, period, indicator) stream
// is drawn from by this many, each with its own probability.
constexpr int k_structures = 3;

RandomStream bench_stream() { return RandomStream({20261207, 1}, {0, 0, 1, 0, Purpose::measurement}); }

// One draw's (n, p): p moves a little from draw to draw, as a period's
// mean rate does, so no set-up can be kept between draws. The smaller of p
// and 1 - p falls by up to 1.6 %, so the mean n min(p, 1 - p) stays within
// 1.6 % below its label.
struct DrawCase {
  int cases = 0;
  double probability = 0.0;
};
double probability_of_draw(double p, std::int64_t j) {
  const double shrink = 1.0 - 1e-3 * static_cast<double>(j % 17);
  return p <= 0.5 ? p * shrink : 1.0 - (1.0 - p) * shrink;
}

template <class Draw>
double nanoseconds_per_draw(const std::vector<DrawCase>& mix, std::int64_t draws, int repeats, Draw draw,
                            long long& checksum) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    auto words = bench_stream();
    const double start = seconds_now();
    for (std::int64_t j = 0; j < draws; ++j) {
      const auto index = static_cast<std::size_t>(j) % mix.size();
      checksum += draw(index, probability_of_draw(mix[index].probability, j), words);
    }
    best = std::min(best, seconds_now() - start);
  }
  return 1e9 * best / static_cast<double>(draws);
}

struct Figures {
  double sampler = 0.0;
  double boost = 0.0;
};

Figures time_mix(const std::vector<DrawCase>& mix, std::int64_t draws, int repeats, double inversion_mean_limit,
                 long long& checksum) {
  std::vector<BinomialSampler> samplers;
  for (const auto& c : mix) samplers.emplace_back(c.cases, inversion_mean_limit);
  Figures figures;
  figures.sampler = nanoseconds_per_draw(
      mix, draws, repeats,
      [&](std::size_t i, double p, RandomStream& words) { return samplers[i].draw(p, words); }, checksum);
  figures.boost = nanoseconds_per_draw(
      mix, draws, repeats,
      [&](std::size_t i, double p, RandomStream& words) {
        // As shortfall::binomial (sim/engine/random_streams.cpp).
        if (p >= 1.0) return mix[i].cases;
        return boost::random::binomial_distribution<int, double>(mix[i].cases, p)(words);
      },
      checksum);
  return figures;
}

// As the engine draws: one stream per (run, period, indicator), its first
// block computed once and shared by three structures, each drawing from its
// own copy with its own, slightly different probability. ns per draw.
Figures time_structures_sharing_streams(const std::vector<DrawCase>& mix, std::int64_t draws, int repeats,
                                        long long& checksum) {
  constexpr int structures = k_structures;
  const StreamKey key{20261207, 1};
  std::vector<BinomialSampler> samplers;
  for (const auto& c : mix) samplers.emplace_back(c.cases);
  const auto time = [&](auto draw) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
      const double start = seconds_now();
      for (std::int64_t g = 0; g < draws / structures; ++g) {
        const auto index = static_cast<std::size_t>(g) % mix.size();
        const StreamAddress address{static_cast<std::uint64_t>(g), 0, 1, static_cast<std::uint32_t>(index),
                                    Purpose::measurement};
        const auto first = RandomStream::first_block(key, address);
        for (int s = 0; s < structures; ++s) {
          RandomStream words(key, address, first);
          checksum += draw(index, probability_of_draw(mix[index].probability, g + 5 * s), words);
        }
      }
      best = std::min(best, seconds_now() - start);
    }
    return 1e9 * best / static_cast<double>(draws / structures * structures);
  };
  Figures figures;
  figures.sampler = time([&](std::size_t i, double p, RandomStream& words) { return samplers[i].draw(p, words); });
  figures.boost = time([&](std::size_t i, double p, RandomStream& words) {
    if (p >= 1.0) return mix[i].cases;
    return boost::random::binomial_distribution<int, double>(mix[i].cases, p)(words);
  });
  return figures;
}

// The batch of binomial_batch.h on the instruction-set path in use: ns per
// draw when each call takes the period's draws of `runs_side_by_side` runs
// (3 structures x the indicators each), as the engine hands them over for
// one run. Eight runs side by side would hand over eight times as many, so
// the difference says what runs in lanes could take off the binomials (full
// vectors, no idle lanes, one call per eight runs). Every draw is new, as in
// the engine (a ring of draws used again is learnt by the branch predictor
// and reads 30 % fast): the draws of each group of runs, first blocks
// included, are made and then drawn, and the time to make them alone is
// taken off. The probabilities move as the floor's of shortfall_bench.
double time_batches(const std::vector<DrawCase>& mix, int periods, std::size_t runs_side_by_side,
                    std::int64_t draws, int repeats, long long& checksum) {
  constexpr std::size_t structures = k_structures;
  const StreamKey key{20261207, 1};
  std::vector<BinomialSampler> samplers;
  for (const auto& c : mix) samplers.emplace_back(c.cases);
  const std::size_t run_period = structures * mix.size();  // one run's draws of a period
  const std::size_t batch = runs_side_by_side * run_period;
  const std::size_t group = batch * static_cast<std::size_t>(periods);  // [period][run][structure][indicator]
  std::vector<BinomialDraw> pending(group);
  std::vector<StreamAddress> addresses(group);
  std::vector<int> counts(batch);
  const auto make_group = [&](std::int64_t g) {
    for (std::size_t j = 0; j < group; ++j) {
      const auto period = static_cast<std::uint32_t>(j / batch + 1);
      const auto run = static_cast<std::int64_t>(static_cast<std::size_t>(g) * runs_side_by_side + j % batch / run_period);
      const std::size_t structure = j % run_period / mix.size();
      const std::size_t indicator = j % mix.size();
      addresses[j] = {static_cast<std::uint64_t>(run), 0, period, static_cast<std::uint32_t>(indicator),
                      Purpose::measurement};
      const auto shrink = static_cast<double>((run + static_cast<std::int64_t>(structure) + period) % 17);
      pending[j] = {&samplers[indicator], mix[indicator].probability * (1.0 - 1e-3 * shrink),
                    RandomStream::first_block(key, addresses[j])};
    }
  };
  const std::int64_t groups = std::max<std::int64_t>(1, draws / static_cast<std::int64_t>(group));
  double best_making = 1e300;
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    double start = seconds_now();
    for (std::int64_t g = 0; g < groups; ++g) {
      make_group(g);
      checksum += static_cast<long long>(pending[g % group].first_block.v[0] >> 60);
    }
    best_making = std::min(best_making, seconds_now() - start);
    start = seconds_now();
    for (std::int64_t g = 0; g < groups; ++g) {
      make_group(g);
      for (std::size_t first = 0; first < group; first += batch) {
        draw_binomials(std::span<const BinomialDraw>(pending.data() + first, batch), counts, isa_in_use(),
                       [&](std::size_t d) {
                         return RandomStream(key, addresses[first + d], pending[first + d].first_block);
                       });
        checksum += counts[static_cast<std::size_t>(g) % batch];
      }
    }
    best = std::min(best, seconds_now() - start);
  }
  return 1e9 * (best - best_making) / static_cast<double>(groups * static_cast<std::int64_t>(group));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shortfall_binomial_bench: ns per binomial draw, fixed-n sampler against Boost"};
  std::string scenario_path = "scenarios/struggling-trust.toml";
  std::int64_t draws = 2'000'000;
  int repeats = 5;
  app.add_option("scenario", scenario_path, "scenario whose indicators make the workload mix");
  app.add_option("--draws", draws, "draws per timing")->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "best of this many timings")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  long long checksum = 0;
  {
    auto words = bench_stream();
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
      const double start = seconds_now();
      for (std::int64_t j = 0; j < draws; ++j) checksum += static_cast<long long>(words() >> 60);
      best = std::min(best, seconds_now() - start);
    }
    std::printf("Philox4x64-10 word: %.1f ns\n\n", 1e9 * best / static_cast<double>(draws));
  }

  std::printf("%-44s %10s %10s %8s\n", "workload (min(p, 1-p) moves 1.6 % a draw)", "sampler", "Boost", "ratio");
  const auto report = [&](const std::string& label, const std::vector<DrawCase>& mix, double limit) {
    const auto figures = time_mix(mix, draws, repeats, limit, checksum);
    std::printf("%-44s %7.1f ns %7.1f ns %7.2fx\n", label.c_str(), figures.sampler, figures.boost,
                figures.boost / figures.sampler);
  };

  try {
    const auto scenario = load_scenario_file(scenario_path, {}).scenario;
    std::vector<DrawCase> workload;
    for (const auto& indicator : scenario.indicators) {
      if (indicator.cases_per_month == 0) continue;
      workload.push_back({indicator.cases_per_month * scenario.contract.assessment_months, indicator.baseline});
    }
    report("scenario's indicators in turn (N, baseline)", workload, BinomialSampler::k_inversion_mean_limit);
    const auto shared = time_structures_sharing_streams(workload, draws, repeats, checksum);
    std::printf("%-44s %7.1f ns %7.1f ns %7.2fx\n", "  as the engine: 3 structures share a stream", shared.sampler,
                shared.boost, shared.boost / shared.sampler);
    std::printf("  in batches (binomial_batch.h), %s path, every draw new:\n", isa_name(isa_in_use()));
    const int periods = scenario.simulation.horizon_months / scenario.contract.assessment_months;
    for (const std::size_t runs_side_by_side : {1, 8}) {
      const std::size_t batch = runs_side_by_side * k_structures * workload.size();
      std::printf("    %zu %s period a call (%3zu draws)   %7.1f ns\n", runs_side_by_side,
                  runs_side_by_side == 1 ? "run's" : "runs'", batch,
                  time_batches(workload, periods, runs_side_by_side, draws, repeats, checksum));
    }
    for (const auto& c : workload) {
      const double mean = c.cases * std::min(c.probability, 1.0 - c.probability);
      report("  N = " + std::to_string(c.cases) + ", p = " + std::to_string(c.probability).substr(0, 4) +
                 " (mean " + std::to_string(static_cast<int>(mean + 0.5)) + ")",
             {c}, BinomialSampler::k_inversion_mean_limit);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "shortfall_binomial_bench: %s\n", error.what());
    return 1;
  }

  std::printf("\nregimes\n");
  const double limit = BinomialSampler::k_inversion_mean_limit;
  report("small mean: N = 2000, p = 0.002 (mean 4)", {{2000, 0.002}}, limit);
  report("small mean: N = 50000, p = 0.9997 (mean 15)", {{50000, 0.9997}}, limit);
  report("large mean: N = 1500, p = 0.5 (mean 750)", {{1500, 0.5}}, limit);
  report("large mean: N = 50000, p = 0.3", {{50000, 0.3}}, limit);
  report("large mean: N = 100000, p = 0.7", {{100000, 0.7}}, limit);

  std::printf("\ninversion against BTRD at the same mean (N = 1500; inversion limit moved)\n");
  for (const double mean : {5.0, 10.0, 15.0, 20.0, 30.0, 50.0}) {
    const double p = mean / 1500.0 * 1.017;  // the draws' p is at most 1.6 % below this: mean >= the label
    const std::vector<DrawCase> one{{1500, p}};
    const auto inversion = time_mix(one, draws, repeats, 1e9, checksum);
    if (mean >= 10.0) {
      const auto btrd = time_mix(one, draws, repeats, 10.0, checksum);
      std::printf("  mean %4.0f: inversion %6.1f ns, BTRD %6.1f ns, Boost %6.1f ns\n", mean, inversion.sampler,
                  btrd.sampler, btrd.boost);
    } else {
      std::printf("  mean %4.0f: inversion %6.1f ns,                 Boost %6.1f ns\n", mean, inversion.sampler,
                  inversion.boost);
    }
  }
  std::printf("\n(checksum %lld)\n", checksum);
  return 0;
}
