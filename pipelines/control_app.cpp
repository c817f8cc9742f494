#include "pipelines/control_app.h"

#include "gst-plugin/ditstream-event.h"
#include "gst-plugin/ditstream-meta.h"
#include "pipelines/control_messages.h"
#include "pipelines/web_messages.h"

#include <glib-unix.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace ditstream {
namespace {

constexpr guint kTickMs = 100;

GstElement* find_ditstreamsrc(GstElement* pipeline) {
  if (!GST_IS_BIN(pipeline)) return nullptr;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  GstElement* found = nullptr;
  while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* element = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* factory = gst_element_get_factory(element);
    if (factory && g_str_equal(GST_OBJECT_NAME(factory), "ditstreamsrc"))
      found = GST_ELEMENT(gst_object_ref(element));
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return found;
}

GstElement* parse_description(const std::vector<std::string>& args, GError** error) {
  if (args.size() == 1) return gst_parse_launch(args[0].c_str(), error);
  std::vector<const gchar*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  return gst_parse_launchv(argv.data(), error);
}

GstElement* parse_pipeline(const std::vector<std::string>& description) {
  GError* error = nullptr;
  GstElement* pipeline = parse_description(description, &error);
  if (error) {
    const std::string message = error->message;
    g_clear_error(&error);
    if (pipeline) gst_object_unref(pipeline);
    throw std::runtime_error("bad pipeline: " + message);
  }
  if (!GST_IS_PIPELINE(pipeline)) {
    GstElement* wrapper = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(wrapper), pipeline);
    pipeline = wrapper;
  }
  return pipeline;
}

}  // namespace

ControlApp::ControlApp(ControlOptions options) : options_(std::move(options)) {
  pipeline_ = parse_pipeline(options_.description);
  src_ = find_ditstreamsrc(pipeline_);
  if (!src_) {
    gst_object_unref(pipeline_);
    throw std::runtime_error("the pipeline has no ditstreamsrc");
  }
  options_.status_line = options_.status_line && isatty(STDERR_FILENO);
  loop_ = g_main_loop_new(nullptr, FALSE);
  if (!options_.http.empty()) start_web();
}

void ControlApp::start_web() {
  try {
    web_ = std::make_unique<WebServer>(options_.http, options_.http_allow_remote,
                                       [this](const PromptLine& line) { add_web_prompt(line); });
    preview_ = std::make_unique<JpegPreview>();
  } catch (...) {
    web_.reset();
    gst_object_unref(src_);
    gst_object_unref(pipeline_);
    g_main_loop_unref(loop_);
    throw;
  }
  print_event("web page: " + web_->url());
}

// Queued like a stdin line, so the page's prompts keep the same order rules.
void ControlApp::add_web_prompt(const PromptLine& line) {
  print_event("web: \"" + line.text + "\"");
  pending_.push_back(line);
  send_pending();
}

ControlApp::~ControlApp() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  if (frames_log_) fclose(frames_log_);
  gst_object_unref(src_);
  gst_object_unref(pipeline_);
  g_main_loop_unref(loop_);
}

int ControlApp::run() {
  attach_buffer_probe();
  GstBus* bus = gst_element_get_bus(pipeline_);
  const guint bus_watch = gst_bus_add_watch(bus, on_bus, this);
  gst_object_unref(bus);
  const guint tick = g_timeout_add(kTickMs, on_tick, this);
  const guint sigint = g_unix_signal_add(SIGINT, on_sigint, this);
  start_input_thread();
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    print_event("error: the pipeline does not start");
    exit_status_ = 1;
  } else {
    g_main_loop_run(loop_);
  }
  g_source_remove(sigint);
  g_source_remove(tick);
  g_source_remove(bus_watch);
  if (options_.status_line) std::cerr << "\n";
  return exit_status_;
}

void ControlApp::start_input_thread() {
  std::thread([input = input_] {
    std::string line;
    while (std::getline(std::cin, line)) {
      std::lock_guard<std::mutex> lock(input->mutex);
      input->lines.push_back(line);
    }
    std::lock_guard<std::mutex> lock(input->mutex);
    input->closed = true;
  }).detach();
}

void ControlApp::drain_input() {
  std::deque<std::string> lines;
  bool closed = false;
  {
    std::lock_guard<std::mutex> lock(input_->mutex);
    lines.swap(input_->lines);
    closed = input_->closed;
  }
  for (const std::string& line : lines) {
    try {
      if (auto parsed = parse_prompt_line(line)) pending_.push_back(std::move(*parsed));
    } catch (const std::invalid_argument& e) {
      print_event(std::string("input: ") + e.what() + ": " + line);
    }
  }
  if (closed && !input_done_) {
    input_done_ = true;
    print_event("input: end");
  }
}

// Events are refused until the pads are active; what is refused is retried on the next tick.
// A line without a time waits until the prompts before it are applied, so it cannot overtake
// an earlier timed line (it would take the next window, before that line's time).
void ControlApp::send_pending() {
  while (!pending_.empty() && !eos_sent_) {
    if (!pending_.front().at_seconds && !awaiting_.empty()) break;
    if (!send_prompt(pending_.front())) break;
    pending_.pop_front();
  }
}

bool ControlApp::send_prompt(const PromptLine& line) {
  const GstClockTime at =
      line.at_seconds ? GstClockTime(*line.at_seconds * GST_SECOND + 0.5) : GST_CLOCK_TIME_NONE;
  GstEvent* event = ditstream_event_new_set_prompt_full(
      line.text.c_str(), nullptr, line.subject_words.empty() ? nullptr : line.subject_words.c_str(),
      -1, at, line.transition_windows);
  GstStructure* fields = gst_event_writable_structure(event);
  if (line.cut) gst_structure_set(fields, "transition", G_TYPE_STRING, "cut", nullptr);
  if (!line.motion.empty())
    gst_structure_set(fields, "motion", G_TYPE_STRING, line.motion.c_str(), nullptr);
  if (!gst_element_send_event(pipeline_, event)) return false;
  awaiting_.insert(line.text);
  print_event("sent at=" + format_seconds(at) + " \"" + line.text + "\"" +
              (line.subject_words.empty() ? "" : " / " + line.subject_words));
  return true;
}

void ControlApp::handle_message(GstMessage* message) {
  const std::string line = describe_message(message);
  if (!line.empty()) print_event(line);
  if (web_)
    if (const auto json = message_json(message); !json.empty())
      web_->broadcast(json, GST_CLOCK_TIME_IS_VALID(prompt_applied_pts(message)));
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT:
      note_prompt_applied(message);
      if (gst_message_has_name(message, DITSTREAM_MESSAGE_WINDOW)) last_window_ = line;
      break;
    case GST_MESSAGE_QOS: {
      GstFormat format;
      gst_message_parse_qos_stats(message, &format, nullptr, &dropped_);
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(pipeline_));
      break;
    case GST_MESSAGE_ERROR:
      exit_status_ = 1;
      g_main_loop_quit(loop_);
      break;
    case GST_MESSAGE_EOS:
      print_event("eos");
      g_main_loop_quit(loop_);
      break;
    default:
      break;
  }
  refresh_status();
}

void ControlApp::note_prompt_applied(GstMessage* message) {
  const GstClockTime pts = prompt_applied_pts(message);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
  const gchar* prompt = gst_structure_get_string(gst_message_get_structure(message), "prompt");
  current_prompt_ = prompt ? prompt : "";
  const auto it = awaiting_.find(current_prompt_);
  if (it != awaiting_.end()) awaiting_.erase(it);
  gst_structure_get_int64(gst_message_get_structure(message), "prompt-id", &last_applied_id_);
}

// At end of input: EOS once every prompt sent is applied, its transition done (weight 1.0),
// and shown for tail_seconds.
void ControlApp::maybe_finish() {
  if (web_ || !input_done_ || eos_sent_ || !pending_.empty() || !awaiting_.empty()) return;
  GstClockTime from = 0;
  if (last_applied_id_ >= 0) {
    std::lock_guard<std::mutex> lock(reached_mutex_);
    if (reached_.prompt_id != last_applied_id_) return;
    from = reached_.pts;
  }
  const GstClockTime tail = GstClockTime(options_.tail_seconds * GST_SECOND);
  const GstClockTime now = position();
  if (GST_CLOCK_TIME_IS_VALID(now) && now >= from + tail) send_eos("end of input");
}

void ControlApp::send_eos(const char* why) {
  eos_sent_ = true;
  print_event(std::string("sending eos (") + why + ")");
  gst_element_send_event(pipeline_, gst_event_new_eos());
}

void ControlApp::print_event(const std::string& line) {
  if (options_.status_line) std::cerr << "\r\033[K";
  std::cout << "[" << format_seconds(position()) << "] " << line << std::endl;
}

void ControlApp::refresh_status() {
  if (!options_.status_line) return;
  std::cerr << "\r\033[K" << format_seconds(position()) << "s  \"" << current_prompt_
            << "\"  dropped=" << dropped_ << "  " << last_window_ << std::flush;
}

GstClockTime ControlApp::position() const {
  gint64 pos = -1;
  if (!gst_element_query_position(pipeline_, GST_FORMAT_TIME, &pos) || pos < 0)
    return GST_CLOCK_TIME_NONE;
  return GstClockTime(pos);
}

void ControlApp::attach_buffer_probe() {
  if (!options_.frames_log.empty()) {
    frames_log_ = fopen(options_.frames_log.c_str(), "w");
    if (!frames_log_) throw std::runtime_error("cannot write " + options_.frames_log);
    fprintf(frames_log_, "# frame pts prompt-id transition-weight\n");
  }
  GstPad* pad = gst_element_get_static_pad(src_, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, this, nullptr);
  gst_object_unref(pad);
}

gboolean ControlApp::on_bus(GstBus*, GstMessage* message, gpointer self) {
  static_cast<ControlApp*>(self)->handle_message(message);
  return G_SOURCE_CONTINUE;
}

gboolean ControlApp::on_tick(gpointer self) {
  auto* app = static_cast<ControlApp*>(self);
  app->drain_input();
  app->send_pending();
  app->maybe_finish();
  app->refresh_status();
  if (app->web_) app->web_->send_signalling();
  if (GBytes* jpeg = app->preview_ ? app->preview_->take_latest() : nullptr) {
    app->web_->send_jpeg(jpeg);
    g_bytes_unref(jpeg);
  }
  return G_SOURCE_CONTINUE;
}

// First Ctrl-C: EOS, so muxers finish their files; second: stop at once.
gboolean ControlApp::on_sigint(gpointer self) {
  auto* app = static_cast<ControlApp*>(self);
  if (!app->eos_sent_) {
    app->send_eos("interrupt");
  } else {
    app->print_event("interrupted again: stopping without EOS");
    app->exit_status_ = 130;
    g_main_loop_quit(app->loop_);
  }
  return G_SOURCE_CONTINUE;
}

GstPadProbeReturn ControlApp::on_buffer(GstPad* pad, GstPadProbeInfo* info, gpointer self) {
  auto* app = static_cast<ControlApp*>(self);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (app->preview_)
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
      if (app->web_->mjpeg_watched()) app->preview_->push(buffer, caps);
      app->web_->push_frame(buffer, caps);
      gst_caps_unref(caps);
    }
  const DitstreamFrameMeta* meta = ditstream_buffer_get_frame_meta(buffer);
  if (meta && meta->transition_weight >= 1.0) {
    std::lock_guard<std::mutex> lock(app->reached_mutex_);
    if (app->reached_.prompt_id != meta->prompt_id)
      app->reached_ = {meta->prompt_id, GST_BUFFER_PTS(buffer)};
  }
  if (meta && app->frames_log_)
    fprintf(app->frames_log_, "%" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT " %.3f\n",
            meta->frame_index, format_seconds(GST_BUFFER_PTS(buffer)).c_str(), meta->prompt_id,
            meta->transition_weight);
  return GST_PAD_PROBE_OK;
}

}  // namespace ditstream
