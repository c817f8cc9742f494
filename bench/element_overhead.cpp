#include "bench/element_overhead.h"

#include <gst/gst.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace ditstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Waits for EOS; an ERROR message becomes an exception.
void wait_for_eos(GstElement* pipeline) {
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
  if (!error.empty()) throw std::runtime_error("element pipeline: " + error);
}

}  // namespace

PathTiming time_core(std::shared_ptr<const PipelineComponents> model, const StreamOptions& options,
                     int64_t windows) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add({0, 0, "a red fox running in the snow", "", {}, {}, -1});
  const auto start = Clock::now();
  StreamGenerator g(std::move(model), options, timeline);
  for (int64_t n = 0; n < windows; ++n) g.next_window();
  return {g.frames_emitted(), seconds_since(start)};
}

PathTiming time_element(const std::string& launch, int64_t frames) {
  gst_init(nullptr, nullptr);
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  if (!pipeline) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    throw std::runtime_error("cannot build '" + launch + "': " + message);
  }
  const auto start = Clock::now();
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  try {
    wait_for_eos(pipeline);
  } catch (...) {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    throw;
  }
  const double seconds = seconds_since(start);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return {frames, seconds};
}

std::string overhead_table(const PathTiming& core, const PathTiming& element,
                           const std::string& launch) {
  const auto row = [](const char* path, const PathTiming& t) {
    char line[160];
    std::snprintf(line, sizeof line, "| %s | %lld | %.2f | %.2f |\n", path,
                  static_cast<long long>(t.frames), t.seconds,
                  static_cast<double>(t.frames) / t.seconds);
    return std::string(line);
  };
  std::ostringstream out;
  out << "element vs core on the same windows: `" << launch << "`\n\n"
      << "| path | frames | seconds | fps |\n|---|---|---|---|\n"
      << row("core StreamGenerator", core) << row("ditstreamsrc ! fakesink", element);
  char ratio[96];
  std::snprintf(ratio, sizeof ratio, "\noverhead ratio (element seconds / core seconds): %.3f\n",
                element.seconds / core.seconds);
  return out.str() + ratio;
}

}  // namespace ditstream::bench
