#pragma once
// The bounded hand-over between the generation thread and the streaming thread. `flushing`
// (GstBaseSrc unlock: every live PLAYING -> PAUSED, EOS, flushes) only wakes the streaming
// thread; the window in progress goes on. `close` (stop, seek) ends the stream and cancels
// generation between sampler steps.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ditstream {

struct GeneratedFrame {
  std::vector<uint8_t> rgb;  // height rows of width * 3 bytes
  int64_t index = 0;
  int64_t window = 0;  // the window that generated it
  int64_t prompt_id = 0;
  double transition_weight = 1.0;
  bool cut = false;  // the prompt came in by a shot cut
  std::shared_ptr<const std::string> prompt;
};

class FrameQueue {
 public:
  enum class PopStatus { Frame, Flushing, Failed, Closed };

  void reset(size_t capacity);
  void push(std::vector<GeneratedFrame> frames);
  // Returns a popped frame the streaming thread could not send (unlocked in a clock wait).
  void push_front(GeneratedFrame frame);
  // Blocks until a frame, flushing, a failure or close.
  PopStatus pop(GeneratedFrame& out);
  // Producer side: blocks while the queue holds `capacity` frames. False once closed.
  bool wait_for_room();
  void set_flushing(bool flushing);
  void close();
  void fail(std::string message);

  // Polled by the sampler between steps; lock-free.
  bool cancelled() const { return closed_.load(); }
  std::string error() const;
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<GeneratedFrame> frames_;
  size_t capacity_ = 1;
  std::atomic<bool> flushing_{false};
  std::atomic<bool> closed_{false};
  std::string error_;
};

}  // namespace ditstream
