#pragma once
// Shared helpers of the ditstreamsrc tests (gst-check, GstHarness, tiny model).

#include "gst-plugin/ditstream-event.h"
#include "gst-plugin/ditstream-meta.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

#include <string>

// The tiny random model (not the trained default) with few steps keeps a window at ~1-2 s on two
// cores; the blend mode is the default (deferred).
constexpr const char* kFastProperties = "model=" DITSTREAM_TINY_MODEL " steps=2";

// Sets "name=value name=value" on an element (values without spaces).
inline void set_properties(GstElement* element, const std::string& properties) {
  gchar** pairs = g_strsplit(properties.c_str(), " ", -1);
  for (gchar** p = pairs; *p; ++p) {
    gchar** kv = g_strsplit(*p, "=", 2);
    if (kv[0] && kv[1]) gst_util_set_object_arg(G_OBJECT(element), kv[0], kv[1]);
    g_strfreev(kv);
  }
  g_strfreev(pairs);
}

// A started harness around ditstreamsrc whose sink accepts `caps`.
inline GstHarness* start_harness(const std::string& properties, const char* caps = "video/x-raw") {
  GstHarness* h = gst_harness_new("ditstreamsrc");
  set_properties(h->element, std::string(kFastProperties) + " " + properties);
  gst_harness_set_sink_caps_str(h, caps);
  return h;
}

inline GstBus* attach_bus(GstElement* element) {
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(element, bus);
  return bus;
}

// The next element message named `name` within `seconds`, or NULL.
inline GstMessage* wait_element_message(GstBus* bus, const char* name, int seconds = 30) {
  const gint64 deadline = g_get_monotonic_time() + gint64(seconds) * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    GstMessage* m = gst_bus_timed_pop_filtered(bus, 100 * GST_MSECOND, GST_MESSAGE_ELEMENT);
    if (!m) continue;
    if (gst_message_has_name(m, name)) return m;
    gst_message_unref(m);
  }
  return nullptr;
}

inline gint64 message_int64(GstMessage* m, const char* field) {
  gint64 v = -1;
  gst_structure_get_int64(gst_message_get_structure(m), field, &v);
  return v;
}

// The GError of an ERROR or WARNING message.
struct BusError {
  std::string text;
  GQuark domain = 0;
  int code = 0;
};
inline BusError bus_error(GstMessage* m) {
  GError* error = nullptr;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
    gst_message_parse_error(m, &error, nullptr);
  else
    gst_message_parse_warning(m, &error, nullptr);
  BusError out{error->message, error->domain, error->code};
  g_error_free(error);
  return out;
}

inline GstClockTime frame_time(guint64 n, int fps_n, int fps_d) {
  return gst_util_uint64_scale(n, guint64(fps_d) * GST_SECOND, guint64(fps_n));
}
