// oneTBB's ordering of a parallel loop, told to ThreadSanitizer.
//
// Debian's libtbb.so is not instrumented, so TSan cannot see that what a
// thread wrote before starting a parallel loop is visible to the loop's
// tasks, nor that the tasks' writes are visible once the loop returns; it
// would report every such hand-over as a race. A LoopOrdering states those
// two guarantees of TBB where the loop is written, so TSan checks everything
// else: tasks against each other, and against any other thread. What TBB's
// own header code does is checked by no one (tests/sanitizers/tsan.supp). Without
// -fsanitize=thread every member is empty and compiles to nothing.
// (scripts/test --sanitize, docs/reliability.md.)
#pragma once

#if defined(__SANITIZE_THREAD__)
#define SHORTFALL_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHORTFALL_THREAD_SANITIZER 1
#endif
#endif

#include <cstddef>

#include <tbb/parallel_for.h>

#ifdef SHORTFALL_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
// ThreadSanitizer's dynamic annotation (its runtime defines it).
extern "C" void AnnotateBenignRaceSized(const char* file, int line, const volatile void* memory,
                                        long size, const char* description);
#endif

namespace shortfall {

class LoopOrdering {
 public:
  LoopOrdering() = default;
  LoopOrdering(const LoopOrdering&) = delete;
  LoopOrdering& operator=(const LoopOrdering&) = delete;

  // Right before the loop starts, once its body exists (TBB may run the
  // body from the caller's stack): all this thread did happens before every task.
  void loop_starts() const { release(&start_); }
  // A loop body TBB calls by reference on the caller's stack (the index
  // form of parallel_for): a task reads the body's captures before it can
  // call task_starts(). Written once before loop_starts() and only read
  // after, so those few bytes are declared a benign race.
  template <class Task>
  void shares(const Task& task) const {
#ifdef SHORTFALL_THREAD_SANITIZER
    AnnotateBenignRaceSized(__FILE__, __LINE__, &task, static_cast<long>(sizeof(Task)),
                            "a parallel loop's body, read-only while the loop runs");
#else
    (void)task;
#endif
  }

  // First and last thing of every task (each body call).
  void task_starts() const { acquire(&start_); }
  void task_ends() const { release(&end_); }
  // Right after the loop returned: every task happened before.
  void joined() const { acquire(&end_); }

 private:
#ifdef SHORTFALL_THREAD_SANITIZER
  static void release(const char* edge) { __tsan_release(const_cast<char*>(edge)); }
  static void acquire(const char* edge) { __tsan_acquire(const_cast<char*>(edge)); }
#else
  static void release(const char*) {}
  static void acquire(const char*) {}
#endif
  mutable char start_ = 0;  // only their addresses matter
  mutable char end_ = 0;
};

}  // namespace shortfall

// The index form of tbb::parallel_for over [0, count), with its ordering
// told to ThreadSanitizer. Callers include <tbb/parallel_for.h>.
namespace shortfall {

template <class Body>
void parallel_for_index(std::size_t count, const Body& body) {
  const LoopOrdering ordering;
  const auto task = [&ordering, &body](std::size_t i) {
    ordering.task_starts();
    body(i);
    ordering.task_ends();
  };
  ordering.shares(task);
  ordering.loop_starts();
  tbb::parallel_for(std::size_t{0}, count, task);
  ordering.joined();
}

}  // namespace shortfall
