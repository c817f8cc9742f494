#include "gst-plugin/ditstream-meta.h"

namespace {

constexpr const char* kApiName = "DitstreamFrameMetaAPI";
constexpr const char* kImplName = "DitstreamFrameMeta";

gboolean meta_init(GstMeta* meta, gpointer, GstBuffer*) {
  auto* m = reinterpret_cast<DitstreamFrameMeta*>(meta);
  m->prompt_id = 0;
  m->transition_weight = 1.0;
  m->frame_index = -1;
  return TRUE;
}

// The prompt of a frame survives every transform (copies, scaling, conversion).
gboolean meta_transform(GstBuffer* dest, GstMeta* meta, GstBuffer*, GQuark, gpointer) {
  const auto* m = reinterpret_cast<DitstreamFrameMeta*>(meta);
  return ditstream_buffer_add_frame_meta(dest, m->prompt_id, m->transition_weight,
                                         m->frame_index) != nullptr;
}

}  // namespace

extern "C" {

// The plugin and a program using this API may each hold a copy of this file: both look the
// type up by name before registering it (GType names are process-wide).
GType ditstream_frame_meta_api_get_type(void) {
  static GType type = 0;
  if (g_once_init_enter(&type)) {
    static const gchar* tags[] = {nullptr};
    GType t = g_type_from_name(kApiName);
    if (!t) t = gst_meta_api_type_register(kApiName, tags);
    g_once_init_leave(&type, t);
  }
  return type;
}

const GstMetaInfo* ditstream_frame_meta_get_info(void) {
  static const GstMetaInfo* info = nullptr;
  if (g_once_init_enter(&info)) {
    const GstMetaInfo* i = gst_meta_get_info(kImplName);
    if (!i)
      i = gst_meta_register(ditstream_frame_meta_api_get_type(), kImplName,
                            sizeof(DitstreamFrameMeta), meta_init, nullptr, meta_transform);
    g_once_init_leave(&info, i);
  }
  return info;
}

DitstreamFrameMeta* ditstream_buffer_add_frame_meta(GstBuffer* buffer, gint64 prompt_id,
                                                    gdouble transition_weight, gint64 frame_index) {
  g_return_val_if_fail(GST_IS_BUFFER(buffer), nullptr);
  auto* m = reinterpret_cast<DitstreamFrameMeta*>(
      gst_buffer_add_meta(buffer, ditstream_frame_meta_get_info(), nullptr));
  if (!m) return nullptr;
  m->prompt_id = prompt_id;
  m->transition_weight = transition_weight;
  m->frame_index = frame_index;
  return m;
}

DitstreamFrameMeta* ditstream_buffer_get_frame_meta(GstBuffer* buffer) {
  return reinterpret_cast<DitstreamFrameMeta*>(
      gst_buffer_get_meta(buffer, ditstream_frame_meta_api_get_type()));
}

}  // extern "C"
