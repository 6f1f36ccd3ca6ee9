// Counter-based random streams (docs/model.md section 8).
//
// Every draw comes from Philox4x64-10, keyed by (seed, shock key), with the
// draw's identity in the counter: (run, provider, month or period,
// indicator, purpose). A draw therefore depends only on what it is for -
// never on the structure, the state, the thread or the process.
//
// The layout of the standard normals (docs/model.md, "Random stream
// layout"): a Philox block has four 64-bit words, and a ziggurat normal
// accepts its first word 97 % of the time. So the four words of one
// *opening block* open four normals: four indicators of one (run, month), or
// for demand and cost, which have no indicator, four consecutive months. A
// rejected attempt takes its next words from the normal's own *fallback
// stream*, addressed by the draw's full identity. A normal is still a pure
// function of its identity, and one that takes extra words shifts no other.
//
// A binomial measurement draw (binomial_sampler.h) has a stream of its own,
// (run, period, indicator): BTRD takes two or more uniforms a quarter of the
// time, so the whole first block of that stream is computed once per run
// and shared by the structures.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include <Random123/philox.h>

namespace shortfall {

enum class Purpose : std::uint64_t {
  demand = 1,
  cost = 2,
  performance = 3,
  measurement = 4,
  design = 5,  // places the points of a Latin-hypercube sweep (sim/input/sweep_design.h); no run's draw
};

struct StreamKey {
  std::uint64_t seed = 0;
  std::uint64_t shock_key = 0;
};

// Which draw a stream serves. `time` is the month for demand, cost and
// performance shocks, and the assessment period for measurement.
struct StreamAddress {
  std::uint64_t run = 0;
  std::uint32_t provider = 0;
  std::uint32_t time = 0;
  std::uint32_t indicator = 0;
  Purpose purpose = Purpose::demand;
};

using PhiloxBlock = r123::Philox4x64::ctr_type;  // four words

namespace detail {
// Bit 7 of the third counter word marks an opening block; purposes use bits
// 0-2, so an opening block's counter never equals a stream's.
inline constexpr std::uint64_t k_opening_flag = 0x80;
inline r123::Philox4x64::ctr_type counter_of(const StreamAddress& address, std::uint64_t flag) {
  return {{address.run, (std::uint64_t{address.provider} << 32) | address.time,
           (std::uint64_t{address.indicator} << 8) | flag | static_cast<std::uint64_t>(address.purpose),
           0}};
}
}  // namespace detail

// A UniformRandomBitGenerator over one stream, for Boost.Random distributions.
class RandomStream {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  RandomStream(const StreamKey& key, const StreamAddress& address)
      : key_{{key.seed, key.shock_key}}, counter_(detail::counter_of(address, 0)) {}

  // The same stream with its first four words computed ahead by
  // first_block(): the engine computes each measurement stream's first block
  // once per run and lets every structure start from it. The words are
  // identical.
  RandomStream(const StreamKey& key, const StreamAddress& address, const PhiloxBlock& first)
      : key_{{key.seed, key.shock_key}},
        counter_(detail::counter_of(address, 0)),
        block_(first),
        next_word_(0) {
    ++counter_.v[3];
  }

  static PhiloxBlock first_block(const StreamKey& key, const StreamAddress& address) {
    return r123::Philox4x64()(detail::counter_of(address, 0), {{key.seed, key.shock_key}});
  }

  result_type operator()() {
    if (next_word_ == 4) refill();
    return block_.v[next_word_++];
  }

 private:
  using Philox = r123::Philox4x64;
  void refill() {
    block_ = Philox()(counter_, key_);
    ++counter_.v[3];
    next_word_ = 0;
  }

  Philox::key_type key_;
  Philox::ctr_type counter_;
  Philox::ctr_type block_;  // written by refill() before any read
  int next_word_ = 4;
};

// The opening block of a standard normal, and the word of it that opens the draw.
struct OpeningWord {
  StreamAddress block;  // the block's address: `indicator` or `time` holds the group
  int word = 0;         // 0..3
};

// Demand and cost (one draw a month, indicator 0): months 4g+1..4g+4 share
// block g. Performance: indicators 4g..4g+3 of one month share block g.
inline OpeningWord opening_word(const StreamAddress& draw) {
  OpeningWord opening{draw, 0};
  if (draw.purpose == Purpose::demand || draw.purpose == Purpose::cost) {
    opening.block.time = (draw.time - 1) / 4;  // months are 1-based
    opening.word = static_cast<int>((draw.time - 1) % 4);
  } else {
    opening.block.indicator = draw.indicator / 4;
    opening.word = static_cast<int>(draw.indicator % 4);
  }
  return opening;
}

inline PhiloxBlock opening_block(const StreamKey& key, const StreamAddress& block) {
  return r123::Philox4x64()(detail::counter_of(block, detail::k_opening_flag),
                            {{key.seed, key.shock_key}});
}

// The words of one normal: its opening word, then its own fallback stream,
// which is set up only if the draw asks for a second word.
// A UniformRandomBitGenerator, for Boost.Random distributions.
class DrawStream {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  // `opening` is word opening_word(address).word of the draw's opening block,
  // computed by the caller (the engine computes each block once per run).
  DrawStream(const StreamKey& key, const StreamAddress& address, std::uint64_t opening)
      : key_(&key), address_(address), opening_(opening) {}

  // Computes the opening block itself: for tests and one-off draws.
  static DrawStream at(const StreamKey& key, const StreamAddress& address) {
    const auto opening = opening_word(address);
    return DrawStream(key, address, opening_block(key, opening.block).v[opening.word]);
  }

  // The opening word, to a caller that knows it is the draw's first.
  std::uint64_t take_opening() {
    opened_ = true;
    return opening_;
  }

  result_type operator()() {
    if (!opened_) return take_opening();
    if (!fallback_) fallback_.emplace(*key_, address_);
    return (*fallback_)();
  }

  // The number of words taken from the fallback stream is not tracked; this
  // says only whether any was (tests).
  bool used_fallback() const { return fallback_.has_value(); }

 private:
  const StreamKey* key_;
  StreamAddress address_;
  std::uint64_t opening_;
  bool opened_ = false;
  std::optional<RandomStream> fallback_;
};

// A standard normal draw: Boost.Random's ziggurat, with the project's
// portable exp and log in its rare wedge and tail steps (random_streams.cpp).
double standard_normal(RandomStream& stream);
double standard_normal(DrawStream& stream);

// The ziggurat's first step for many normals at once, eight to an AVX-512
// vector: values[j] is the normal that opening_words[j] opens, with
// standard_normal's bits, when that word alone decides it (its point falls
// inside a rectangle: 97.2 % of draws, the mean of x_{i+1}/x_i over the 128 layers). Returns how many it did not
// decide and writes their positions to undecided[0..]: the caller draws
// them with standard_normal. Needs AVX-512F and DQ (Isa::avx512).
std::size_t normals_from_opening_words_avx512(std::span<const std::uint64_t> opening_words,
                                              std::span<double> values, std::span<std::uint32_t> undecided);

}  // namespace shortfall
