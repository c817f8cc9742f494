#pragma once
// ditstream-control: runs a pipeline with a ditstreamsrc, sends the prompt lines read from stdin
// as ditstreamsrc-set-prompt events through the pipeline, prints the bus messages, and ends
// with EOS (Ctrl-C or end of input) so the files it writes are playable.

#include "pipelines/jpeg_preview.h"
#include "pipelines/prompt_line.h"
#include "pipelines/web_server.h"

#include <gst/gst.h>

#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace ditstream {

struct ControlOptions {
  // gst-launch syntax: one argument holding the whole description, or gst-launch's argv
  std::vector<std::string> description;
  std::string frames_log;     // per-buffer meta of the source ("frame pts prompt-id weight")
  double tail_seconds = 1.0;  // stream time kept after the last prompt is applied, at end of input
  bool status_line = true;    // refreshed on stderr when it is a terminal
  // The web page (web_server.h) on "HOST:PORT"; empty: none. With it, the end of stdin does not
  // end the stream: the page steers it until Ctrl-C.
  std::string http;
  bool http_allow_remote = false;  // serve on a non-loopback address
};

class ControlApp {
 public:
  explicit ControlApp(ControlOptions options);
  ~ControlApp();
  ControlApp(const ControlApp&) = delete;
  ControlApp& operator=(const ControlApp&) = delete;

  // Runs until EOS or an error; returns the exit status.
  int run();

 private:
  struct InputQueue {
    std::mutex mutex;
    std::deque<std::string> lines;
    bool closed = false;
  };

  void start_input_thread();
  void drain_input();
  void send_pending();
  bool send_prompt(const PromptLine& line);
  void handle_message(GstMessage* message);
  void note_prompt_applied(GstMessage* message);
  void maybe_finish();
  void send_eos(const char* why);
  void print_event(const std::string& line);
  void refresh_status();
  GstClockTime position() const;
  void attach_buffer_probe();
  void start_web();
  void add_web_prompt(const PromptLine& line);

  static gboolean on_bus(GstBus*, GstMessage* message, gpointer self);
  static gboolean on_tick(gpointer self);
  static gboolean on_sigint(gpointer self);
  static GstPadProbeReturn on_buffer(GstPad*, GstPadProbeInfo* info, gpointer self);

  ControlOptions options_;
  GMainLoop* loop_ = nullptr;
  GstElement* pipeline_ = nullptr;
  GstElement* src_ = nullptr;
  FILE* frames_log_ = nullptr;
  std::unique_ptr<WebServer> web_;
  std::unique_ptr<JpegPreview> preview_;
  // Shared with the detached stdin thread, which may outlive the app.
  std::shared_ptr<InputQueue> input_ = std::make_shared<InputQueue>();
  std::deque<PromptLine> pending_;  // parsed, not yet accepted by the pipeline
  bool input_done_ = false;
  std::multiset<std::string> awaiting_;  // prompts sent, not yet applied
  gint64 last_applied_id_ = -1;          // of the last prompt-applied message
  // The last prompt whose frames reached transition weight 1.0, and the pts where it did (from
  // the streaming thread's buffer probe).
  struct Reached {
    gint64 prompt_id = -1;
    GstClockTime pts = 0;
  };
  std::mutex reached_mutex_;
  Reached reached_;
  bool eos_sent_ = false;
  int exit_status_ = 0;
  std::string current_prompt_;
  std::string last_window_;
  guint64 dropped_ = 0;
};

}  // namespace ditstream
