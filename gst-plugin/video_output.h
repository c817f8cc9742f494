#pragma once
// Caps of ditstreamsrc and the conversion of generated RGB frames into negotiated buffers.

#include "gst-plugin/frame_queue.h"

#include <gst/gst.h>
#include <gst/video/video.h>

namespace ditstream {

// video/x-raw in RGB, RGBA, I420, NV12; any size; any framerate > 0.
GstCaps* template_caps();
// The template with width and height fixed to the model's frame size.
GstCaps* model_caps(int width, int height);
// Truncates, picks the framerate nearest to fps_n/fps_d, fixates the rest. Takes caps.
GstCaps* fixate_video_caps(GstCaps* caps, int fps_n, int fps_d);
// Installs a video buffer pool (with GstVideoMeta when downstream supports it) in the query.
void decide_video_allocation(GstQuery* query);

// Writes frames through GstVideoFrame, so any stride and plane offset downstream chose works.
class FrameWriter {
 public:
  FrameWriter() = default;
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;
  ~FrameWriter();

  void configure(const GstVideoInfo& output);
  // Throws std::runtime_error when the buffer cannot be mapped or the frame size is wrong.
  void write(const GeneratedFrame& frame, GstBuffer* buffer);
  const GstVideoInfo& output() const { return out_; }

 private:
  GstVideoInfo in_{};
  GstVideoInfo out_{};
  GstVideoConverter* converter_ = nullptr;
};

}  // namespace ditstream
