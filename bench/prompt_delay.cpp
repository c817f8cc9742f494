#include "bench/prompt_delay.h"

#include "gst-plugin/ditstream-event.h"
#include "gst-plugin/ditstream-meta.h"

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace ditstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

// What the sink has seen, updated from its streaming thread.
struct SinkView {
  std::mutex mutex;
  std::condition_variable changed;
  long long frame = -1;
  gint64 prompt_id = 0;
  Clock::time_point prompt_since;
};

void on_handoff(GstElement*, GstBuffer* buffer, GstPad*, gpointer data) {
  auto* view = static_cast<SinkView*>(data);
  const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(buffer);
  if (!meta) return;
  std::lock_guard<std::mutex> lock(view->mutex);
  view->frame = static_cast<long long>(meta->frame_index);
  if (meta->prompt_id != view->prompt_id) view->prompt_since = Clock::now();
  view->prompt_id = meta->prompt_id;
  view->changed.notify_all();
}

GstElement* launch(const std::string& description) {
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  if (!pipeline) {
    const std::string message = error ? error->message : "unknown error";
    if (error) g_error_free(error);
    throw std::runtime_error("cannot build '" + description + "': " + message);
  }
  return pipeline;
}

// Waits (at most a minute) until `done` holds for the sink's view.
template <typename Done>
void wait_for(SinkView& view, std::unique_lock<std::mutex>& lock, Done done) {
  if (!view.changed.wait_for(lock, std::chrono::minutes(1), done))
    throw std::runtime_error("prompt-delay: the sink stopped receiving frames");
}

PromptDelay change_prompt(GstPad* sink_pad, SinkView& view, int n, long long spacing) {
  std::unique_lock<std::mutex> lock(view.mutex);
  wait_for(view, lock, [&] {
    return view.frame >= 0 &&
           Clock::now() - view.prompt_since > std::chrono::milliseconds(125 * spacing);
  });
  const gint64 before = view.prompt_id;
  PromptDelay row{view.frame, 0, 0};
  const auto sent = Clock::now();
  lock.unlock();
  const std::string text = n % 2 ? "a red fox running in the snow" : "a white wolf in the snow";
  if (!gst_pad_push_event(sink_pad, ditstream_event_new_set_prompt(text.c_str(), -1)))
    throw std::runtime_error("prompt-delay: the element refused the set-prompt event");
  lock.lock();
  wait_for(view, lock, [&] { return view.prompt_id != before; });
  row.applied_frame = view.frame;
  row.seconds = std::chrono::duration<double>(view.prompt_since - sent).count();
  return row;
}

}  // namespace

std::vector<PromptDelay> measure_prompt_delays(const std::string& source, int changes,
                                               long long spacing) {
  gst_init(nullptr, nullptr);
  GstElement* pipeline = launch(source + " ! fakesink name=sink sync=true signal-handoffs=true");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  SinkView view;
  g_signal_connect(sink, "handoff", G_CALLBACK(on_handoff), &view);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<PromptDelay> rows;
  try {
    for (int n = 0; n < changes; ++n) rows.push_back(change_prompt(sink_pad, view, n, spacing));
  } catch (...) {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    throw;
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink_pad);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return rows;
}

std::string prompt_delay_table(const std::string& source, const std::vector<PromptDelay>& rows) {
  std::ostringstream out;
  out << "live prompt changes through `" << source << " ! fakesink sync=true`\n\n"
      << "| change | sink frame at the event | first frame of the new prompt | frames | seconds |\n"
      << "|---|---|---|---|---|\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    char line[160];
    std::snprintf(line, sizeof line, "| %zu | %lld | %lld | %lld | %.2f |\n", i + 1,
                  rows[i].requested_frame, rows[i].applied_frame,
                  rows[i].applied_frame - rows[i].requested_frame, rows[i].seconds);
    out << line;
  }
  return out.str();
}

}  // namespace ditstream::bench
