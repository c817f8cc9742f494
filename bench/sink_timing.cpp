#include "bench/sink_timing.h"

#include <gst/gst.h>

#include <chrono>
#include <stdexcept>

namespace ditstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Arrivals {
  Clock::time_point first, last;
  int64_t count = 0;
};

void on_handoff(GstElement*, GstBuffer*, GstPad*, gpointer data) {
  auto* a = static_cast<Arrivals*>(data);
  a->last = Clock::now();
  if (a->count++ == 0) a->first = a->last;
}

std::string wait_for_eos(GstElement* pipeline) {
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* m = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                             GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  gst_object_unref(bus);
  std::string error;
  if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
    GError* e = nullptr;
    gst_message_parse_error(m, &e, nullptr);
    error = e->message;
    g_error_free(e);
  }
  gst_message_unref(m);
  return error;
}

}  // namespace

SinkTiming time_sink(const std::string& launch) {
  gst_init(nullptr, nullptr);
  const std::string full = launch + " ! fakesink name=sink sync=false signal-handoffs=true";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(full.c_str(), &error);
  if (!pipeline) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    throw std::runtime_error("cannot build '" + full + "': " + message);
  }
  Arrivals arrivals;
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &arrivals);
  gst_object_unref(sink);
  const auto start = Clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  const std::string failure = wait_for_eos(pipeline);
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  if (!failure.empty()) throw std::runtime_error("element pipeline: " + failure);
  SinkTiming t{arrivals.count, std::chrono::duration<double>(arrivals.first - start).count(), 0,
               total};
  const double span = std::chrono::duration<double>(arrivals.last - arrivals.first).count();
  if (arrivals.count > 1 && span > 0) t.fps = static_cast<double>(arrivals.count - 1) / span;
  return t;
}

}  // namespace ditstream::bench
