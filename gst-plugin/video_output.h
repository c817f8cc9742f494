#pragma once
// Caps of ditstreamsrc and the conversion of generated RGB frames into negotiated buffers.

#include "core/session/frame_queue.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <string>

namespace ditstream {

// The rates the model families' frames are generated for (CogVideoX 8/1, Wan2.1 16/1): a loaded
// model offers only its own, since the same frames stamped at another rate would play their
// motion faster or slower (videorate converts).
constexpr int kDefaultFps = 8;

// video/x-raw in RGB, RGBA, I420, NV12; any size; the families' framerates; square pixels,
// progressive.
GstCaps* template_caps();
// The template with width, height and framerate (fps/1) fixed to the model's.
GstCaps* model_caps(int width, int height, int fps);
// Truncates and fixates (the first format downstream listed). Takes caps.
GstCaps* fixate_video_caps(GstCaps* caps);
// Why `ours` and downstream's `peer` caps do not intersect: the fields that disagree, both caps,
// and what to put between them.
std::string describe_caps_mismatch(GstCaps* ours, GstCaps* peer);
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
  bool configured() const { return converter_ != nullptr; }
  // Throws std::runtime_error when the buffer cannot be mapped or the frame size is wrong.
  void write(const GeneratedFrame& frame, GstBuffer* buffer);
  const GstVideoInfo& output() const { return out_; }

 private:
  GstVideoInfo in_{};
  GstVideoInfo out_{};
  GstVideoConverter* converter_ = nullptr;
};

}  // namespace ditstream
