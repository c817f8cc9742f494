#include "pipelines/jpeg_preview.h"

#include <gst/app/gstappsink.h>

namespace ditstream {
namespace {

// Two frames queued at most, the oldest dropped; the sink keeps only the newest JPEG.
constexpr const char* kPipeline =
    "appsrc name=in format=time max-buffers=2 leaky-type=downstream ! videoconvert "
    "! jpegenc quality=80 ! appsink name=out max-buffers=1 drop=true sync=false";

}  // namespace

JpegPreview::JpegPreview() {
  pipeline_ = launch_pipeline(kPipeline, "web preview", "jpegenc is in gst-plugins-good");
  feed_ = std::make_unique<FrameFeed>(gst_bin_get_by_name(GST_BIN(pipeline_), "in"));
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
  feed_.reset();
  gst_object_unref(pipeline_);
  if (latest_) g_bytes_unref(latest_);
}

void JpegPreview::push(GstBuffer* frame, GstCaps* caps) { feed_->push(frame, caps); }

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
