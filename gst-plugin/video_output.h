#pragma once
// Caps of ditstreamsrc and the conversion of generated RGB frames into negotiated buffers.

#include "core/session/frame_queue.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <string>

namespace ditstream {

// The rate CogVideoX's frames are generated for: the caps offer only this one, since the same
// frames stamped at another rate would play their motion faster or slower (videorate converts).
constexpr int kNativeFpsN = 8;
constexpr int kNativeFpsD = 1;

// video/x-raw in RGB, RGBA, I420, NV12; any size; the native framerate; square pixels,
// progressive.
GstCaps* template_caps();
// The template with width and height fixed to the model's frame size.
GstCaps* model_caps(int width, int height);
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
