// Many exact Binomial(n, p) draws at once: each the same bits as
// BinomialSampler::draw (binomial_sampler.h) on its own stream, on every
// instruction-set path.
//
// Why: the measurement draws of one period (one per indicator) do not
// depend on each other, and a BTRD draw is a chain of a square root,
// divisions and, outside its central box, two logarithms, whose latency a
// draw on its own cannot hide. On the AVX-512 path eight BTRD draws run
// side by side. Each lane does the scalar algorithm's operations in the
// scalar order: no FMA, the same correctly rounded square root and
// division, the same portable logarithm. So each lane's count is the
// scalar count.
//
// Words: a BTRD attempt takes one word when it lands in the box and two
// when it does not, so a draw's attempt a starts at word 2(a - 1) whatever
// happened before. The lanes therefore stay in step, and the first block of
// the stream (four words, computed once per run for every structure) holds
// two attempts. A lane still rejected after them goes on in the scalar code
// from the stream's fifth word (BinomialSampler::draw_by_btrd: the attempts
// are independent), so it reaches the scalar count. Draws without a table of
// ln C(n, k) and the other paths draw one at a time.
//
// Inversion draws (mean below 20) take one word each and run in lanes of
// their own: the set-up q^-n in vector (portable exp and log), then the
// sequential search, each lane leaving it where the scalar loop ends.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "models/isa.h"
#include "sim/engine/binomial_sampler.h"
#include "sim/engine/random_streams.h"

namespace shortfall {

// One draw: X ~ Binomial(sampler->cases(), probability), from a stream whose
// first four words are `first_block`.
struct BinomialDraw {
  const BinomialSampler* sampler = nullptr;
  double probability = 0.0;
  PhiloxBlock first_block{};
};

namespace detail {

// Eight double lanes to an AVX-512 vector.
inline constexpr int k_lanes = 8;

// Up to eight BTRD draws, one to a lane (structure of arrays).
struct BtrdLanes {
  alignas(64) double cases[k_lanes];
  alignas(64) double probability[k_lanes];  // min(p, 1 - p), at or above the inversion limit
  alignas(64) std::uint64_t words[4][k_lanes];  // the stream's first block, word by word
  const double* log_choose[k_lanes];             // ln C(n, k), k = 0..n
};

// Up to eight inversion draws (mean below the limit), one to a lane.
struct InversionLanes {
  alignas(64) double cases[k_lanes];
  alignas(64) std::int64_t case_count[k_lanes];  // the same n, as an integer
  alignas(64) double probability[k_lanes];      // min(p, 1 - p), below the inversion limit
  alignas(64) std::uint64_t word[k_lanes];      // the stream's first word: inversion takes one
};

// Inversion in every lane from its one word: writes counts[lane] for all.
void inversion_lanes_avx512(const InversionLanes& lanes, int* counts);

// BTRD in every lane from its four words: writes counts[lane] for the lanes
// that accept within two attempts and returns the bit mask of the others.
// Needs AVX-512F and DQ (isa_in_use() == Isa::avx512).
unsigned btrd_lanes_avx512(const BtrdLanes& lanes, int* counts);

}  // namespace detail

// counts[d] = draws[d].sampler->draw(draws[d].probability, stream_of(d)),
// where stream_of(d) returns the draw's stream from its start (a
// RandomStream whose first block is draws[d].first_block): the scalar path
// calls it for every draw, the AVX-512 path only for the draws it hands to
// the scalar code, whole or after the lanes' two attempts.
template <class StreamOf>
void draw_binomials(std::span<const BinomialDraw> draws, std::span<int> counts, Isa isa, StreamOf&& stream_of) {
  const auto draw_alone = [&](std::size_t d) {
    auto stream = stream_of(d);
    counts[d] = draws[d].sampler->draw(draws[d].probability, stream);
  };
  if (isa != Isa::avx512) {
    for (std::size_t d = 0; d < draws.size(); ++d) draw_alone(d);
    return;
  }
  // Draws wait in lanes of their method until eight are there, or the end.
  struct Waiting {
    std::array<std::size_t, detail::k_lanes> draw{};
    std::array<bool, detail::k_lanes> complement{};  // p > 1/2: X = n - Binomial(n, 1 - p)
    int filled = 0;
  };
  detail::BtrdLanes btrd;
  detail::InversionLanes inversion;
  Waiting btrd_waiting;
  Waiting inversion_waiting;
  std::array<int, detail::k_lanes> lane_counts{};
  const auto finish = [&](Waiting& waiting, int lane, int x) {
    const std::size_t d = waiting.draw[static_cast<std::size_t>(lane)];
    counts[d] = waiting.complement[static_cast<std::size_t>(lane)] ? draws[d].sampler->cases() - x : x;
  };
  const auto flush_btrd = [&] {
    for (int lane = btrd_waiting.filled; lane < detail::k_lanes; ++lane) {  // idle lanes repeat lane 0
      btrd.cases[lane] = btrd.cases[0];
      btrd.probability[lane] = btrd.probability[0];
      for (int w = 0; w < 4; ++w) btrd.words[w][lane] = btrd.words[w][0];
      btrd.log_choose[lane] = btrd.log_choose[0];
    }
    const unsigned unfinished = detail::btrd_lanes_avx512(btrd, lane_counts.data());
    for (int lane = 0; lane < btrd_waiting.filled; ++lane) {
      int x = lane_counts[static_cast<std::size_t>(lane)];
      if (unfinished & (1u << lane)) {
        const std::size_t d = btrd_waiting.draw[static_cast<std::size_t>(lane)];
        auto stream = stream_of(d);
        for (int w = 0; w < 4; ++w) stream();  // the words of the lanes' two attempts
        x = draws[d].sampler->draw_by_btrd(btrd.probability[lane], stream);
      }
      finish(btrd_waiting, lane, x);
    }
    btrd_waiting.filled = 0;
  };
  const auto flush_inversion = [&] {
    for (int lane = inversion_waiting.filled; lane < detail::k_lanes; ++lane) {
      inversion.cases[lane] = inversion.cases[0];
      inversion.case_count[lane] = inversion.case_count[0];
      inversion.probability[lane] = inversion.probability[0];
      inversion.word[lane] = inversion.word[0];
    }
    detail::inversion_lanes_avx512(inversion, lane_counts.data());
    for (int lane = 0; lane < inversion_waiting.filled; ++lane) {
      finish(inversion_waiting, lane, lane_counts[static_cast<std::size_t>(lane)]);
    }
    inversion_waiting.filled = 0;
  };
  for (std::size_t d = 0; d < draws.size(); ++d) {
    const BinomialSampler& sampler = *draws[d].sampler;
    const double p = draws[d].probability;
    // What draw() does: 0 and n at the ends, min(p, 1 - p) to its method.
    if (!(p > 0.0 && p < 1.0)) {
      draw_alone(d);
      continue;
    }
    const bool complemented = p > 0.5;
    const double at_most_half = complemented ? 1.0 - p : p;
    if (at_most_half < sampler.inversion_below()) {
      const auto lane = static_cast<std::size_t>(inversion_waiting.filled);
      inversion.cases[lane] = sampler.cases();
      inversion.case_count[lane] = sampler.cases();
      inversion.probability[lane] = at_most_half;
      inversion.word[lane] = draws[d].first_block.v[0];
      inversion_waiting.draw[lane] = d;
      inversion_waiting.complement[lane] = complemented;
      if (++inversion_waiting.filled == detail::k_lanes) flush_inversion();
      continue;
    }
    if (sampler.log_choose_table() == nullptr) {
      draw_alone(d);
      continue;
    }
    const auto lane = static_cast<std::size_t>(btrd_waiting.filled);
    btrd.cases[lane] = sampler.cases();
    btrd.probability[lane] = at_most_half;
    for (std::size_t w = 0; w < 4; ++w) btrd.words[w][lane] = draws[d].first_block.v[w];
    btrd.log_choose[lane] = sampler.log_choose_table();
    btrd_waiting.draw[lane] = d;
    btrd_waiting.complement[lane] = complemented;
    if (++btrd_waiting.filled == detail::k_lanes) flush_btrd();
  }
  if (btrd_waiting.filled > 0) flush_btrd();
  if (inversion_waiting.filled > 0) flush_inversion();
}

}  // namespace shortfall
