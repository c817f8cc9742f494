#pragma once
// The web page's preview: frames of the source encoded to JPEG by a small pipeline of its own
// (appsrc ! videoconvert ! jpegenc ! appsink), so the user's pipeline is left as written. Frames
// are pushed from the source's streaming thread; the main loop takes the newest JPEG.

#include "pipelines/frame_feed.h"

#include <gst/gst.h>

#include <memory>
#include <mutex>

namespace ditstream {

class JpegPreview {
 public:
  JpegPreview();
  ~JpegPreview();
  JpegPreview(const JpegPreview&) = delete;
  JpegPreview& operator=(const JpegPreview&) = delete;

  // Any thread. Frames arriving faster than they are encoded are dropped (the newest wins).
  void push(GstBuffer* frame, GstCaps* caps);
  // The newest JPEG not taken yet, or NULL (the caller owns the reference).
  GBytes* take_latest();

 private:
  static GstFlowReturn on_sample(GstElement* sink, gpointer self);

  GstElement* pipeline_ = nullptr;
  std::unique_ptr<FrameFeed> feed_;
  std::mutex mutex_;  // guards latest_
  GBytes* latest_ = nullptr;
};

}  // namespace ditstream
