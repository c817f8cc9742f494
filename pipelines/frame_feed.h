#pragma once
// What the web previews share: their own pipeline parsed from gst-launch syntax, and an appsrc
// fed with the source's frames from its streaming thread, following caps changes.

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace ditstream {

// The pipeline `description`; throws std::runtime_error("WHAT: error (HINT)") when it cannot be
// made (a missing plugin).
GstElement* launch_pipeline(const char* description, const std::string& what,
                            const std::string& hint);

class FrameFeed {
 public:
  explicit FrameFeed(GstElement* appsrc) : appsrc_(appsrc) {}  // takes the reference
  ~FrameFeed();
  FrameFeed(const FrameFeed&) = delete;
  FrameFeed& operator=(const FrameFeed&) = delete;

  // Any thread. The buffer is shared, not copied; with `retime`, its timestamps are cleared so
  // the appsrc stamps it (do-timestamp) on its own pipeline's clock.
  void push(GstBuffer* frame, GstCaps* caps, bool retime = false);

 private:
  GstElement* appsrc_;
  std::mutex mutex_;
  GstCaps* caps_ = nullptr;
};

}  // namespace ditstream
