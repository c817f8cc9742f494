#include "gst-plugin/ditstream-event.h"

namespace {

GQuark event_error_quark() { return g_quark_from_static_string("ditstream-event-error"); }

gboolean fail(GError** error, const char* message) {
  g_set_error_literal(error, event_error_quark(), 0, message);
  return FALSE;
}

// Accepts any integer type (gst-launch and Python pick gint or gint64 freely).
gboolean read_integer(const GstStructure* s, const char* field, gint64* out) {
  const GValue* v = gst_structure_get_value(s, field);
  if (!v) return TRUE;
  if (!G_VALUE_HOLDS_INT(v) && !G_VALUE_HOLDS_INT64(v) && !G_VALUE_HOLDS_UINT(v) &&
      !G_VALUE_HOLDS_UINT64(v))
    return FALSE;
  GValue converted = G_VALUE_INIT;
  g_value_init(&converted, G_TYPE_INT64);
  if (G_VALUE_HOLDS_UINT64(v) && g_value_get_uint64(v) > G_MAXINT64) return FALSE;
  g_value_transform(v, &converted);
  *out = g_value_get_int64(&converted);
  return TRUE;
}

gboolean read_string(const GstStructure* s, const char* field, gchar** out) {
  const GValue* v = gst_structure_get_value(s, field);
  if (!v) return TRUE;
  if (!G_VALUE_HOLDS_STRING(v) || !g_value_get_string(v)) return FALSE;
  *out = g_value_dup_string(v);
  return TRUE;
}

gboolean read_fields(const GstStructure* s, DitstreamSetPrompt* out, GError** error) {
  if (!gst_structure_has_field(s, "prompt") || !read_string(s, "prompt", &out->prompt))
    return fail(error, "the 'prompt' field is missing or not a string");
  if (!read_string(s, "negative-prompt", &out->negative_prompt))
    return fail(error, "'negative-prompt' must be a string");
  if (!read_string(s, "subject-words", &out->subject_words))
    return fail(error, "'subject-words' must be a string");
  if (!read_string(s, "switch", &out->switch_method))
    return fail(error, "'switch' must be a string: recache, ditctrl or cut");
  if (!read_string(s, "motion", &out->motion))
    return fail(error, "'motion' must be a string: DX,DY");
  const gchar* transition = gst_structure_get_string(s, "transition");
  if (gst_structure_has_field(s, "transition") &&
      (!transition || (g_strcmp0(transition, "blend") != 0 && g_strcmp0(transition, "cut") != 0)))
    return fail(error, "'transition' must be a string: blend or cut");
  out->cut = g_strcmp0(transition, "cut") == 0;
  gint64 running_time = -1, windows = -1;
  if (!read_integer(s, "frame", &out->frame) || out->frame < -1 ||
      (gst_structure_has_field(s, "frame") && out->frame < 0))
    return fail(error, "'frame' must be an integer >= 0");
  if (!read_integer(s, "running-time", &running_time) ||
      (gst_structure_has_field(s, "running-time") && running_time < 0))
    return fail(error, "'running-time' must be a clock time >= 0");
  if (gst_structure_has_field(s, "frame") && gst_structure_has_field(s, "running-time"))
    return fail(error, "give 'frame' or 'running-time', not both");
  if (!read_integer(s, "transition-windows", &windows) || windows < -1 || windows > G_MAXINT ||
      (gst_structure_has_field(s, "transition-windows") && windows < 0))
    return fail(error, "'transition-windows' must be an integer >= 0");
  out->running_time = running_time < 0 ? GST_CLOCK_TIME_NONE : GstClockTime(running_time);
  out->transition_windows = gint(windows);
  return TRUE;
}

}  // namespace

extern "C" {

GstEvent* ditstream_event_new_set_prompt_full(const gchar* prompt, const gchar* negative_prompt,
                                              const gchar* subject_words, gint64 frame,
                                              GstClockTime running_time, gint transition_windows) {
  if (!prompt || (frame >= 0 && GST_CLOCK_TIME_IS_VALID(running_time))) return nullptr;
  GstStructure* s =
      gst_structure_new(DITSTREAM_EVENT_SET_PROMPT, "prompt", G_TYPE_STRING, prompt, nullptr);
  if (negative_prompt)
    gst_structure_set(s, "negative-prompt", G_TYPE_STRING, negative_prompt, nullptr);
  if (subject_words) gst_structure_set(s, "subject-words", G_TYPE_STRING, subject_words, nullptr);
  if (frame >= 0) gst_structure_set(s, "frame", G_TYPE_INT64, frame, nullptr);
  if (GST_CLOCK_TIME_IS_VALID(running_time))
    gst_structure_set(s, "running-time", G_TYPE_UINT64, running_time, nullptr);
  if (transition_windows >= 0)
    gst_structure_set(s, "transition-windows", G_TYPE_INT, transition_windows, nullptr);
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}

GstEvent* ditstream_event_new_set_prompt(const gchar* prompt, gint64 frame) {
  return ditstream_event_new_set_prompt_full(prompt, nullptr, nullptr, frame, GST_CLOCK_TIME_NONE,
                                             -1);
}

gboolean ditstream_event_is_set_prompt(GstEvent* event) {
  if (!event || GST_EVENT_TYPE(event) != GST_EVENT_CUSTOM_UPSTREAM) return FALSE;
  return gst_event_has_name(event, DITSTREAM_EVENT_SET_PROMPT);
}

gboolean ditstream_event_parse_set_prompt(GstEvent* event, DitstreamSetPrompt* out,
                                          GError** error) {
  g_return_val_if_fail(out != nullptr, FALSE);
  *out = DitstreamSetPrompt{nullptr, nullptr, nullptr, -1,   GST_CLOCK_TIME_NONE,
                            -1,      nullptr, nullptr, FALSE};
  if (!ditstream_event_is_set_prompt(event))
    return fail(error, "not a " DITSTREAM_EVENT_SET_PROMPT " event");
  if (read_fields(gst_event_get_structure(event), out, error)) return TRUE;
  ditstream_set_prompt_clear(out);
  return FALSE;
}

void ditstream_set_prompt_clear(DitstreamSetPrompt* parsed) {
  if (!parsed) return;
  g_clear_pointer(&parsed->prompt, g_free);
  g_clear_pointer(&parsed->negative_prompt, g_free);
  g_clear_pointer(&parsed->subject_words, g_free);
  g_clear_pointer(&parsed->switch_method, g_free);
  g_clear_pointer(&parsed->motion, g_free);
}

}  // extern "C"
