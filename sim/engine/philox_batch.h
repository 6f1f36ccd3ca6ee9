// Many Philox4x64-10 blocks under one key at once, with the CPU's vector
// instructions: the same words as Random123's r123::Philox4x64, on every path.
//
// Why: a run draws about 250 Philox blocks that do not depend on each other
// (the opening blocks of its normals and the first block of every
// measurement stream), and one block at a time is a chain of ten dependent
// 64 x 64 -> 128-bit multiplications. Computed side by side, 4 (AVX2) or 8
// (AVX-512) to a vector, the chains overlap. There is no vector instruction
// for the high half of a 64-bit product, so it is built from four 32 x 32 ->
// 64-bit products; the arithmetic is on integers, so every path gives the
// same bits by construction (tested against Random123 on every path the CPU
// has).
//
// The path is isa_in_use() (isa.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/isa.h"

namespace shortfall {

// Blocks side by side, as four arrays of words (structure of arrays, which
// is what the vector paths load): block b has the counter
// (counter[0][b], ..., counter[3][b]), and compute() writes its four words
// to word[0][b], ..., word[3][b].
class PhiloxBatch {
 public:
  // Room for `blocks` blocks; size() is 0 until add().
  void reserve(std::size_t blocks);
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }

  // Appends a block's counter; returns its position.
  std::size_t add(const std::array<std::uint64_t, 4>& counter);
  // Sets word `w` of every block's counter: the engine's blocks differ from
  // run to run only in the run, word 0.
  void set_counter_word(int w, std::uint64_t value);

  // Every block's words under `key`, on `isa`'s path.
  void compute(const std::array<std::uint64_t, 2>& key, Isa isa);

  std::uint64_t word(std::size_t block, int w) const { return words_[static_cast<std::size_t>(w)][block]; }

 private:
  std::size_t size_ = 0;
  std::array<std::vector<std::uint64_t>, 4> counters_;
  std::array<std::vector<std::uint64_t>, 4> words_;
};

}  // namespace shortfall
