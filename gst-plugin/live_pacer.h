#pragma once
// Capture-style live pacing (GSTREAMER.md A1): every buffer goes out in the next free frame slot
// of the pipeline clock. When the previous slot is still current the streaming thread waits on
// the clock (unlock() unschedules the wait); when generation was late the missed slots are
// skipped, never filled afterwards.

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ditstream {

struct Slot {
  uint64_t index = 0;
  uint64_t skipped = 0;                     // slots missed since the previous buffer
  GstClockTime late = GST_CLOCK_TIME_NONE;  // how far into the slot the clock already was
};

class LivePacer {
 public:
  LivePacer(int fps_n, int fps_d) : fps_n_(fps_n), fps_d_(fps_d) {}
  // The loaded model's rate; set before the stream starts.
  void set_rate(int fps_n, int fps_d);
  void reset();
  GstClockTime slot_time(uint64_t slot) const;
  // The slot the running time falls into.
  uint64_t slot_at(GstClockTime running_time) const;
  std::optional<uint64_t> last_slot() const;
  // GST_FLOW_FLUSHING when unlocked while waiting.
  GstFlowReturn next_slot(GstElement* element, Slot& slot);
  void unlock();
  void unlock_stop();

 private:
  GstFlowReturn wait_for(GstClock* clock, GstClockTime time);

  mutable std::mutex mutex_;
  std::atomic<int> fps_n_;
  std::atomic<int> fps_d_;
  std::optional<uint64_t> last_slot_;
  GstClockID pending_ = nullptr;
  bool flushing_ = false;
};

}  // namespace ditstream
