#include "gst-plugin/video_output.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream {
namespace {

constexpr const char* kTemplateCaps =
    "video/x-raw, format=(string){ RGB, RGBA, I420, NV12 }, width=(int)[ 1, 2147483647 ], "
    "height=(int)[ 1, 2147483647 ], framerate=(fraction){ 8/1, 16/1 }, "
    "pixel-aspect-ratio=(fraction)1/1, interlace-mode=(string)progressive";
static_assert(kDefaultFps == 8, "kTemplateCaps lists the default rate first");

// The fields a mismatch is explained by, with what to put before the caps that want another.
struct CapsField {
  std::vector<const char*> names;
  const char* label;
  const char* fix;
};
const std::vector<CapsField>& caps_fields() {
  static const std::vector<CapsField> fields{
      {{"format"}, "format", "videoconvert"},
      {{"width", "height"}, "frame size", "videoscale"},
      {{"framerate"}, "framerate", "videorate"},
      {{"pixel-aspect-ratio"}, "pixel aspect ratio", "videoscale"},
      {{"interlace-mode"}, "interlace mode", "deinterlace/interlace"}};
  return fields;
}

GstCaps* without_fields(GstCaps* caps, const std::vector<const char*>& names) {
  GstCaps* copy = gst_caps_copy(caps);
  for (guint i = 0; i < gst_caps_get_size(copy); ++i)
    for (const char* name : names)
      gst_structure_remove_field(gst_caps_get_structure(copy, i), name);
  return copy;
}

// Whether the caps intersect once the field is left out of both.
bool only_field_differs(GstCaps* ours, GstCaps* peer, const CapsField& field) {
  GstCaps* a = without_fields(ours, field.names);
  GstCaps* b = without_fields(peer, field.names);
  const bool match = gst_caps_can_intersect(a, b);
  gst_caps_unref(a);
  gst_caps_unref(b);
  return match;
}

std::string caps_text(GstCaps* caps) {
  gchar* text = gst_caps_to_string(caps);
  std::string out = text;
  g_free(text);
  return out;
}

// Maps a read-only wrapper around the frame's bytes (stride = width * 3, no padding).
GstBuffer* wrap_rgb(const GeneratedFrame& frame) {
  auto* data = const_cast<uint8_t*>(frame.rgb.data());
  return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, data, frame.rgb.size(), 0,
                                     frame.rgb.size(), nullptr, nullptr);
}

}  // namespace

GstCaps* template_caps() { return gst_caps_from_string(kTemplateCaps); }

GstCaps* model_caps(int width, int height, int fps) {
  GstCaps* caps = template_caps();
  gst_caps_set_simple(caps, "width", G_TYPE_INT, width, "height", G_TYPE_INT, height, "framerate",
                      GST_TYPE_FRACTION, fps, 1, nullptr);
  return caps;
}

GstCaps* fixate_video_caps(GstCaps* caps) {
  return gst_caps_fixate(gst_caps_truncate(gst_caps_make_writable(caps)));
}

std::string describe_caps_mismatch(GstCaps* ours, GstCaps* peer) {
  std::string fields, fixes;
  for (const auto& field : caps_fields()) {
    if (!only_field_differs(ours, peer, field)) continue;
    fields += std::string(fields.empty() ? "" : " or ") + field.label;
    fixes += std::string(fixes.empty() ? "" : ", ") + field.fix;
  }
  const std::string what = fields.empty() ? "caps" : fields;
  const std::string hint = fixes.empty() ? "videoconvert ! videoscale ! videorate" : fixes;
  return "downstream does not accept ditstreamsrc's " + what + ": ditstreamsrc offers " +
         caps_text(ours) + ", downstream accepts " + caps_text(peer) + " (put " + hint +
         " after ditstreamsrc)";
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
