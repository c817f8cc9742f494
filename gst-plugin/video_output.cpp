#include "gst-plugin/video_output.h"

#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

constexpr const char* kTemplateCaps =
    "video/x-raw, format=(string){ RGB, RGBA, I420, NV12 }, width=(int)[ 1, 2147483647 ], "
    "height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 1/2147483647, 2147483647/1 ]";

// Maps a read-only wrapper around the frame's bytes (stride = width * 3, no padding).
GstBuffer* wrap_rgb(const GeneratedFrame& frame) {
  auto* data = const_cast<uint8_t*>(frame.rgb.data());
  return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, data, frame.rgb.size(), 0,
                                     frame.rgb.size(), nullptr, nullptr);
}

}  // namespace

GstCaps* template_caps() { return gst_caps_from_string(kTemplateCaps); }

GstCaps* model_caps(int width, int height) {
  GstCaps* caps = template_caps();
  gst_caps_set_simple(caps, "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, nullptr);
  return caps;
}

GstCaps* fixate_video_caps(GstCaps* caps, int fps_n, int fps_d) {
  caps = gst_caps_truncate(gst_caps_make_writable(caps));
  GstStructure* s = gst_caps_get_structure(caps, 0);
  if (gst_structure_has_field(s, "framerate"))
    gst_structure_fixate_field_nearest_fraction(s, "framerate", fps_n, fps_d);
  else
    gst_structure_set(s, "framerate", GST_TYPE_FRACTION, fps_n, fps_d, nullptr);
  return gst_caps_fixate(caps);
}

void decide_video_allocation(GstQuery* query) {
  GstCaps* caps = nullptr;
  gst_query_parse_allocation(query, &caps, nullptr);
  GstVideoInfo info;
  if (!caps || !gst_video_info_from_caps(&info, caps)) return;
  GstBufferPool* pool = nullptr;
  guint size = info.size, min = 0, max = 0;
  const bool update = gst_query_get_n_allocation_pools(query) > 0;
  if (update) {
    gst_query_parse_nth_allocation_pool(query, 0, &pool, &size, &min, &max);
    size = MAX(size, guint(info.size));
  }
  if (!pool || !GST_IS_VIDEO_BUFFER_POOL(pool)) {
    if (pool) gst_object_unref(pool);
    pool = gst_video_buffer_pool_new();
  }
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr))
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config(pool, config);
  if (update)
    gst_query_set_nth_allocation_pool(query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool(query, pool, size, min, max);
  gst_object_unref(pool);
}

FrameWriter::~FrameWriter() {
  if (converter_) gst_video_converter_free(converter_);
}

void FrameWriter::configure(const GstVideoInfo& output) {
  if (converter_) gst_video_converter_free(converter_);
  out_ = output;
  gst_video_info_set_format(&in_, GST_VIDEO_FORMAT_RGB, GST_VIDEO_INFO_WIDTH(&out_),
                            GST_VIDEO_INFO_HEIGHT(&out_));
  GST_VIDEO_INFO_FPS_N(&in_) = GST_VIDEO_INFO_FPS_N(&out_);  // the converter insists
  GST_VIDEO_INFO_FPS_D(&in_) = GST_VIDEO_INFO_FPS_D(&out_);
  in_.stride[0] = GST_VIDEO_INFO_WIDTH(&out_) * 3;
  in_.size = gsize(in_.stride[0]) * GST_VIDEO_INFO_HEIGHT(&out_);
  GstStructure* options =
      gst_structure_new("options", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
                        GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE, nullptr);
  converter_ = gst_video_converter_new(&in_, &out_, options);
  if (!converter_) throw std::runtime_error("cannot convert RGB frames to the negotiated format");
}

void FrameWriter::write(const GeneratedFrame& frame, GstBuffer* buffer) {
  if (!converter_) throw std::runtime_error("no caps negotiated before the first frame");
  if (frame.rgb.size() != in_.size)
    throw std::runtime_error("generated frame has " + std::to_string(frame.rgb.size()) +
                             " bytes, the negotiated size needs " + std::to_string(in_.size));
  GstBuffer* input = wrap_rgb(frame);
  GstVideoFrame in, out;
  const bool mapped_in = gst_video_frame_map(&in, &in_, input, GST_MAP_READ);
  const bool mapped_out = mapped_in && gst_video_frame_map(&out, &out_, buffer, GST_MAP_WRITE);
  if (mapped_out) {
    gst_video_converter_frame(converter_, &in, &out);
    gst_video_frame_unmap(&out);
  }
  if (mapped_in) gst_video_frame_unmap(&in);
  gst_buffer_unref(input);
  if (!mapped_out) throw std::runtime_error("cannot map the output buffer for writing");
}

}  // namespace ditstream
