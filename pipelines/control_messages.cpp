#include "pipelines/control_messages.h"

#include "gst-plugin/ditstream-event.h"

#include <cstdarg>

namespace ditstream {
namespace {

gint64 int64_field(const GstStructure* s, const char* name) {
  gint64 v = -1;
  gst_structure_get_int64(s, name, &v);
  return v;
}

guint64 uint64_field(const GstStructure* s, const char* name) {
  guint64 v = GST_CLOCK_TIME_NONE;
  gst_structure_get_uint64(s, name, &v);
  return v;
}

double double_field(const GstStructure* s, const char* name) {
  double v = 0;
  gst_structure_get_double(s, name, &v);
  return v;
}

std::string printf_string(const char* format, ...) G_GNUC_PRINTF(1, 2);
std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  gchar* text = g_strdup_vprintf(format, args);
  va_end(args);
  std::string result(text);
  g_free(text);
  return result;
}

std::string describe_prompt_applied(const GstStructure* s) {
  const gchar* prompt = gst_structure_get_string(s, "prompt");
  const char* transition = gst_structure_get_string(s, "transition");
  return printf_string("prompt-applied id=%" G_GINT64_FORMAT " frame=%" G_GINT64_FORMAT
                       " pts=%s weight=%.2f transition=%s \"%s\"",
                       int64_field(s, "prompt-id"), int64_field(s, "frame"),
                       format_seconds(uint64_field(s, "pts")).c_str(),
                       double_field(s, "transition-weight"), transition ? transition : "blend",
                       prompt ? prompt : "");
}

std::string describe_window(const GstStructure* s) {
  return printf_string(
      "window %" G_GINT64_FORMAT " first-frame=%" G_GINT64_FORMAT " frames=%" G_GINT64_FORMAT
      " prompt=%" G_GINT64_FORMAT " weight=%.2f generation=%ss realtime=%.2fx",
      int64_field(s, "index"), int64_field(s, "first-frame"), int64_field(s, "frames"),
      int64_field(s, "prompt-id"), double_field(s, "transition-weight"),
      format_seconds(uint64_field(s, "generation-time")).c_str(),
      double_field(s, "realtime-factor"));
}

std::string describe_transition(const GstStructure* s) {
  const gchar* phase = gst_structure_get_string(s, "phase");
  return printf_string("transition %s window=%" G_GINT64_FORMAT " frame=%" G_GINT64_FORMAT
                       " %" G_GINT64_FORMAT "->%" G_GINT64_FORMAT,
                       phase ? phase : "?", int64_field(s, "window"), int64_field(s, "frame"),
                       int64_field(s, "from-prompt-id"), int64_field(s, "to-prompt-id"));
}

std::string describe_element(GstMessage* message) {
  const GstStructure* s = gst_message_get_structure(message);
  if (gst_structure_has_name(s, DITSTREAM_MESSAGE_PROMPT_APPLIED))
    return describe_prompt_applied(s);
  if (gst_structure_has_name(s, DITSTREAM_MESSAGE_WINDOW)) return describe_window(s);
  if (gst_structure_has_name(s, DITSTREAM_MESSAGE_TRANSITION)) return describe_transition(s);
  return "";
}

std::string describe_qos(GstMessage* message) {
  GstFormat format;
  guint64 processed = 0;
  guint64 dropped = 0;
  gst_message_parse_qos_stats(message, &format, &processed, &dropped);
  return printf_string("qos %s processed=%" G_GUINT64_FORMAT " dropped=%" G_GUINT64_FORMAT,
                       GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), processed, dropped);
}

std::string describe_problem(GstMessage* message) {
  GError* error = nullptr;
  gchar* debug = nullptr;
  const bool is_error = GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
  if (is_error)
    gst_message_parse_error(message, &error, &debug);
  else
    gst_message_parse_warning(message, &error, &debug);
  std::string line =
      printf_string("%s from %s: %s (%s)", is_error ? "error" : "warning",
                    GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message, debug ? debug : "");
  g_clear_error(&error);
  g_free(debug);
  return line;
}

}  // namespace

std::string format_seconds(GstClockTime t) {
  if (!GST_CLOCK_TIME_IS_VALID(t)) return "-";
  return printf_string("%.3f", double(t) / GST_SECOND);
}

std::string describe_message(GstMessage* message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT:
      return describe_element(message);
    case GST_MESSAGE_QOS:
      return describe_qos(message);
    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_ERROR:
      return describe_problem(message);
    default:
      return "";
  }
}

GstClockTime prompt_applied_pts(GstMessage* message) {
  if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT ||
      !gst_message_has_name(message, DITSTREAM_MESSAGE_PROMPT_APPLIED))
    return GST_CLOCK_TIME_NONE;
  return uint64_field(gst_message_get_structure(message), "pts");
}

}  // namespace ditstream
