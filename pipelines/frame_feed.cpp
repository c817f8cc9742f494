#include "pipelines/frame_feed.h"

#include <gst/app/gstappsrc.h>

#include <stdexcept>

namespace ditstream {

GstElement* launch_pipeline(const char* description, const std::string& what,
                            const std::string& hint) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description, &error);
  if (!error) return pipeline;
  const std::string message = error->message;
  g_clear_error(&error);
  if (pipeline) gst_object_unref(pipeline);
  throw std::runtime_error(what + ": " + message + " (" + hint + ")");
}

FrameFeed::~FrameFeed() {
  gst_object_unref(appsrc_);
  if (caps_) gst_caps_unref(caps_);
}

void FrameFeed::push(GstBuffer* frame, GstCaps* caps, bool retime) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!caps_ || !gst_caps_is_equal(caps_, caps)) {
      gst_caps_replace(&caps_, caps);
      gst_app_src_set_caps(GST_APP_SRC(appsrc_), caps);
    }
  }
  GstBuffer* buffer = retime ? gst_buffer_copy(frame) : gst_buffer_ref(frame);
  if (retime) GST_BUFFER_PTS(buffer) = GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer);
}

}  // namespace ditstream
