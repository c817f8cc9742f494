#include "pipelines/jpeg_preview.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <stdexcept>

namespace ditstream {
namespace {

// Two frames queued at most, the oldest dropped; the sink keeps only the newest JPEG.
constexpr const char* kPipeline =
    "appsrc name=in format=time max-buffers=2 leaky-type=downstream ! videoconvert "
    "! jpegenc quality=80 ! appsink name=out max-buffers=1 drop=true sync=false";

}  // namespace

JpegPreview::JpegPreview() {
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(kPipeline, &error);
  if (error) {
    const std::string message = error->message;
    g_clear_error(&error);
    throw std::runtime_error("web preview: " + message + " (jpegenc is in gst-plugins-good)");
  }
  appsrc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "in");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "out");
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = [](GstAppSink* s, gpointer self) {
    return on_sample(GST_ELEMENT(s), self);
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
  gst_object_unref(sink);
  gst_element_set_state(pipeline_, GST_STATE_PLAYING);
}

JpegPreview::~JpegPreview() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(appsrc_);
  gst_object_unref(pipeline_);
  if (caps_) gst_caps_unref(caps_);
  if (latest_) g_bytes_unref(latest_);
}

void JpegPreview::push(GstBuffer* frame, GstCaps* caps) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!caps_ || !gst_caps_is_equal(caps_, caps)) {
      gst_caps_replace(&caps_, caps);
      gst_app_src_set_caps(GST_APP_SRC(appsrc_), caps);
    }
  }
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), gst_buffer_ref(frame));
}

GBytes* JpegPreview::take_latest() {
  std::lock_guard<std::mutex> lock(mutex_);
  GBytes* latest = latest_;
  latest_ = nullptr;
  return latest;
}

GstFlowReturn JpegPreview::on_sample(GstElement* sink, gpointer self) {
  auto* preview = static_cast<JpegPreview*>(self);
  GstSample* sample = gst_app_sink_pull_sample(GST_APP_SINK(sink));
  if (!sample) return GST_FLOW_EOS;
  GstMapInfo map;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    GBytes* jpeg = g_bytes_new(map.data, map.size);
    gst_buffer_unmap(buffer, &map);
    std::lock_guard<std::mutex> lock(preview->mutex_);
    if (preview->latest_) g_bytes_unref(preview->latest_);
    preview->latest_ = jpeg;
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

}  // namespace ditstream
