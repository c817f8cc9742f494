#pragma once
// The C++ side of ditstreamsrc behind the GObject's impl pointer: model and generation thread
// lifetime, caps, timestamps, live pacing, seeking, prompt control and bus messages. Every
// method may throw; the GObject glue turns exceptions into GST_ELEMENT_ERROR. No method posts
// a message while it holds a lock of its own: a bus sync handler may call back into the element.

#include "core/session/model_loader.h"
#include "core/session/stream_session.h"
#include "gst-plugin/live_pacer.h"
#include "gst-plugin/video_output.h"

#include <gst/base/gstbasesrc.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

// A prompt change from the event, the action signal or the `prompt` property.
struct PromptRequest {
  std::string text;
  std::optional<std::string> negative_prompt;  // unset: the negative-prompt property
  std::optional<std::string> subject_words;    // unset: the subject-words property
  int64_t frame = -1;                          // -1: running_time, or as soon as possible
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  int transition_windows = -1;  // -1: the transition-windows property
  std::string switch_method;    // causal path; empty: the switch property
  std::string motion;           // "DX,DY"; empty: the motion property
  bool cut = false;             // transition=cut: a shot cut (and the causal switch's cut)
};

class SrcImpl : public GenerationListener {
 public:
  explicit SrcImpl(GstBaseSrc* src);
  ~SrcImpl() override;

  SessionSettings settings() const;
  template <typename F>
  void update_settings(F&& change) {
    std::lock_guard<std::mutex> lock(settings_mutex_);
    change(settings_);
  }

  // Loads the model on the loader thread (model_loader.h); a failed load posts its error and
  // leaves the element not running. stop() waits for a load in progress.
  void start();
  void stop();
  bool running() const;
  void unlock();
  void unlock_stop();

  GstCaps* caps(GstCaps* filter) const;
  GstCaps* fixate(GstCaps* caps) const;
  void set_caps(GstCaps* caps);
  // Downstream's caps in downstream's order, intersected with ours (GstBaseSrc's default
  // would let our template order win). On failure returns what does not match (empty: nothing
  // to report, e.g. while flushing).
  std::optional<std::string> negotiate();
  GstFlowReturn fill(GstBuffer* buffer);
  // nullopt: not a ditstreamsrc event (the base class handles it).
  std::optional<bool> handle_event(GstEvent* event);
  bool answer_query(GstQuery* query) const;
  bool is_seekable() const;
  // Restarts the stream at the segment's start (non-live only): generation begins again from
  // frame 0 with the seed and the start-up prompts, frames before the start are skipped.
  void seek(GstSegment* segment);

  // Returns the prompt id, or -1 when the element is not running or refuses the prompt (then
  // with a warning on the bus naming the field).
  int64_t add_prompt(const PromptRequest& request);

  void on_window(const WindowReport& report) override;
  void on_transition(const TransitionReport& report) override;
  void on_prompt_dropped(int64_t prompt_id, const std::string& reason) override;
  void on_prompt_warning(const std::string& warning) override;
  double guidance_at(int64_t first_frame) override;

 private:
  void load(const SessionSettings& s);
  void install(const SessionSettings& s, std::vector<ScheduledPrompt> schedule, LoadedModel model);
  void make_worker();
  void stop_worker();
  void ensure_generation();
  std::optional<std::string> check_and_add(PromptEntry& entry);
  int64_t frame_for(const PromptRequest& request) const;
  bool first_copy(guint32 seqnum);
  void stamp(GstBuffer* buffer, const GeneratedFrame& frame, uint64_t slot) const;
  void post_frame_messages(const GeneratedFrame& frame, const Slot& slot, GstClockTime pts);
  void post_qos(const Slot& slot);

  GstBaseSrc* src_;  // owns this object
  ModelLoader loader_;
  mutable std::mutex settings_mutex_;
  SessionSettings settings_;

  // Set in start(), cleared in stop(), under control_mutex_.
  mutable std::mutex control_mutex_;
  std::optional<LoadedModel> model_;
  SessionSettings running_;
  std::vector<ScheduledPrompt> schedule_;
  std::deque<guint32> seen_seqnums_;

  StreamSession session_{*this};
  LivePacer pacer_;
  FrameWriter writer_;
  std::atomic<bool> generating_{false};
  std::atomic<int64_t> frames_out_{0};
  std::atomic<int64_t> skip_before_{0};  // frames a seek skips
  std::atomic<uint64_t> dropped_{0};
  int64_t last_prompt_id_ = 0;  // streaming thread only
};

}  // namespace ditstream
