// Counter-based random streams (MODEL.md section 8).
//
// Every draw comes from a Philox4x64-10 stream whose key is (seed, shock
// key) and whose counter is the draw's identity: (run, provider, month or
// period, indicator, purpose), plus a word index that advances inside the
// stream. A draw therefore depends only on what it is for - never on the
// structure, the state, the thread or the process - and a rejection sampler
// that takes extra words shifts nothing else.
#pragma once

#include <cstdint>

#include <Random123/philox.h>

namespace shortfall {

enum class Purpose : std::uint64_t {
  demand = 1,
  cost = 2,
  performance = 3,
  measurement = 4,
  design = 5,  // places the points of a Latin-hypercube sweep (sim/sweep_design.h); no run's draw
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

// A UniformRandomBitGenerator over one stream, for Boost.Random distributions.
class RandomStream {
 public:
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }

  using Block = r123::Philox4x64::ctr_type;  // four words

  RandomStream(const StreamKey& key, const StreamAddress& address)
      : key_{{key.seed, key.shock_key}}, counter_(counter_of(address)) {}

  // The same stream with its first four words computed ahead by
  // first_block(). Computing many streams' first blocks in one loop lets the
  // Philox rounds of different streams overlap, and lets the structures of a
  // run share a measurement stream's first block. The words are identical.
  RandomStream(const StreamKey& key, const StreamAddress& address, const Block& first)
      : key_{{key.seed, key.shock_key}}, counter_(counter_of(address)), block_(first), next_word_(0) {
    ++counter_.v[3];
  }

  static Block first_block(const StreamKey& key, const StreamAddress& address) {
    return Philox()(counter_of(address), {{key.seed, key.shock_key}});
  }

  result_type operator()() {
    if (next_word_ == 4) refill();
    return block_.v[next_word_++];
  }

 private:
  using Philox = r123::Philox4x64;
  static Philox::ctr_type counter_of(const StreamAddress& address) {
    return {{address.run, (std::uint64_t{address.provider} << 32) | address.time,
             (std::uint64_t{address.indicator} << 8) | static_cast<std::uint64_t>(address.purpose), 0}};
  }
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

// A standard normal draw from its own stream (Boost.Random's ziggurat).
double standard_normal(RandomStream& stream);

// An exact Binomial(cases, probability) draw (Boost.Random: inversion for
// small means, BTRD otherwise). Probabilities at or beyond 0 and 1 give 0
// and `cases`.
int binomial(RandomStream& stream, int cases, double probability);

}  // namespace shortfall
