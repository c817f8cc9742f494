#include "gst-plugin/src_messages.h"

#include "core/session/loaded_model.h"
#include "gst-plugin/ditstream-event.h"

namespace ditstream {

GstMessage* prompt_applied_message(GstObject* src, const GeneratedFrame& frame, GstClockTime pts) {
  const char* text = frame.prompt ? frame.prompt->c_str() : "";
  GstStructure* s = gst_structure_new(
      DITSTREAM_MESSAGE_PROMPT_APPLIED, "prompt-id", G_TYPE_INT64, frame.prompt_id, "prompt",
      G_TYPE_STRING, text, "frame", G_TYPE_INT64, frame.index, "pts", G_TYPE_UINT64, pts,
      "transition-weight", G_TYPE_DOUBLE, frame.transition_weight, "transition", G_TYPE_STRING,
      frame.cut ? "cut" : "blend", nullptr);
  return gst_message_new_element(src, s);
}

GstMessage* window_message(GstObject* src, const WindowReport& r, GstClockTime video_duration) {
  const double factor =
      r.generation_ns > 0 ? double(video_duration) / double(r.generation_ns) : 0.0;
  GstStructure* s = gst_structure_new(
      DITSTREAM_MESSAGE_WINDOW, "index", G_TYPE_INT64, r.index, "first-frame", G_TYPE_INT64,
      r.first_frame, "frames", G_TYPE_INT64, r.frames, "prompt-id", G_TYPE_INT64, r.prompt_id,
      "transition-weight", G_TYPE_DOUBLE, r.transition_weight, "steps", G_TYPE_INT64, r.steps,
      "guidance", G_TYPE_DOUBLE, r.guidance, "generation-time", G_TYPE_UINT64,
      guint64(r.generation_ns), "video-duration", G_TYPE_UINT64, video_duration, "realtime-factor",
      G_TYPE_DOUBLE, factor, nullptr);
  return gst_message_new_element(src, s);
}

GstMessage* transition_message(GstObject* src, const TransitionReport& r) {
  GstStructure* s = gst_structure_new(
      DITSTREAM_MESSAGE_TRANSITION, "phase", G_TYPE_STRING, r.started ? "start" : "end", "window",
      G_TYPE_INT64, r.window, "frame", G_TYPE_INT64, r.frame, "from-prompt-id", G_TYPE_INT64,
      r.from_prompt, "to-prompt-id", G_TYPE_INT64, r.to_prompt, nullptr);
  return gst_message_new_element(src, s);
}

GstMessage* load_progress_message(GstObject* src, GstProgressType type, const std::string& text) {
  return gst_message_new_progress(src, type, "load", text.c_str());
}

void post_start_error(GstElement* src, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const ResourceError& e) {
    const auto code = e.missing ? GST_RESOURCE_ERROR_NOT_FOUND : GST_RESOURCE_ERROR_READ;
    gst_element_message_full(src, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code, g_strdup(e.what()),
                             g_strdup("starting the stream"), __FILE__, GST_FUNCTION, __LINE__);
  } catch (const std::exception& e) {
    GST_ELEMENT_ERROR(src, LIBRARY, SETTINGS, ("%s", e.what()), ("starting the stream"));
  } catch (...) {
    GST_ELEMENT_ERROR(src, LIBRARY, FAILED, ("unknown C++ exception"), ("starting the stream"));
  }
}

}  // namespace ditstream
