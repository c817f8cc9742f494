#pragma once
// The C++ side of ditstreamsrc behind the GObject's impl pointer: model and generation thread
// lifetime, caps, timestamps, live pacing, prompt control and bus messages. Every method may
// throw; the GObject glue turns exceptions into GST_ELEMENT_ERROR.

#include "core/stream/prompt_file.h"
#include "gst-plugin/frame_queue.h"
#include "gst-plugin/generation_worker.h"
#include "gst-plugin/live_pacer.h"
#include "gst-plugin/loaded_model.h"
#include "gst-plugin/src_settings.h"
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
};

class SrcImpl : public GenerationListener {
 public:
  static constexpr int kNativeFpsN = 8;  // CogVideoX's frame rate
  static constexpr int kNativeFpsD = 1;

  explicit SrcImpl(GstBaseSrc* src);
  ~SrcImpl() override;

  SrcSettings settings() const;
  template <typename F>
  void update_settings(F&& change) {
    std::lock_guard<std::mutex> lock(settings_mutex_);
    change(settings_);
  }

  void start();
  void stop();
  void unlock();
  void unlock_stop();

  GstCaps* caps(GstCaps* filter) const;
  GstCaps* fixate(GstCaps* caps) const;
  void set_caps(GstCaps* caps);
  // Downstream's caps in downstream's order, intersected with ours (GstBaseSrc's default
  // would let our template order win).
  bool negotiate();
  void report_negotiation_failure() const;
  GstFlowReturn fill(GstBuffer* buffer);
  // nullopt: not a ditstreamsrc event (the base class handles it).
  std::optional<bool> handle_event(GstEvent* event);
  bool answer_query(GstQuery* query) const;

  // Returns the prompt id, or -1 when the element is not running.
  int64_t add_prompt(const PromptRequest& request);

  void on_window(const WindowReport& report) override;
  void on_transition(const TransitionReport& report) override;

 private:
  void ensure_generation();
  int64_t frame_for(const PromptRequest& request) const;
  bool first_copy(guint32 seqnum);
  void stamp(GstBuffer* buffer, const GeneratedFrame& frame, uint64_t slot) const;
  void post_frame_messages(const GeneratedFrame& frame, const Slot& slot, GstClockTime pts);
  void post_qos(const Slot& slot);
  GstClockTime frame_duration() const;

  GstBaseSrc* src_;  // owns this object
  mutable std::mutex settings_mutex_;
  SrcSettings settings_;

  // Set in start(), cleared in stop(); control threads reach worker_ under control_mutex_.
  mutable std::mutex control_mutex_;
  std::optional<LoadedModel> model_;
  SrcSettings running_;
  std::vector<ScheduledPrompt> schedule_;
  std::shared_ptr<PromptTimeline> timeline_;
  std::unique_ptr<GenerationWorker> worker_;
  std::deque<guint32> seen_seqnums_;

  FrameQueue queue_;
  LivePacer pacer_;
  FrameWriter writer_;
  std::atomic<int> fps_n_{kNativeFpsN};
  std::atomic<int> fps_d_{kNativeFpsD};
  std::atomic<bool> generating_{false};
  std::atomic<int64_t> frames_out_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> worst_window_ns_{0};
  int64_t last_prompt_id_ = 0;  // streaming thread only
};

}  // namespace ditstream
