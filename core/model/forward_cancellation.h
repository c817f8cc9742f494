#pragma once
// Stops a long forward between transformer blocks (and between a block's attention and
// feed-forward, and between the query chunks of the CPU attention), so closing a stream waits for a
// fraction of a block, not one sampler step (a step of a large model is seconds under KV-sharing).
// While a ForwardCancellation lives on a thread, the block loops that thread runs call
// throw_if_forward_cancelled(), which throws ForwardCancelled once its predicate holds. Without one
// the check is a thread-local read.

#include <functional>
#include <stdexcept>

namespace ditstream {

class ForwardCancelled : public std::runtime_error {
 public:
  ForwardCancelled() : std::runtime_error("forward cancelled between transformer blocks") {}
};

class ForwardCancellation {
 public:
  explicit ForwardCancellation(std::function<bool()> cancelled);
  ~ForwardCancellation();
  ForwardCancellation(const ForwardCancellation&) = delete;
  ForwardCancellation& operator=(const ForwardCancellation&) = delete;

  bool cancelled() const { return cancelled_ && cancelled_(); }

 private:
  std::function<bool()> cancelled_;
  const ForwardCancellation* outer_;
};

void throw_if_forward_cancelled();

}  // namespace ditstream
