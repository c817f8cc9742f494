#pragma once
// The generation thread: runs the core generator (windowed or causal) window after window ahead of
// the output, hands finished frames to the FrameQueue and reports windows and transitions. No torch
// in this header; the streaming thread never touches tensors.

#include "core/session/frame_queue.h"
#include "core/session/loaded_model.h"
#include "core/stream/prompt_timeline.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ditstream {

class FrameGenerator;

struct WindowReport {
  int64_t index = 0;
  int64_t first_frame = 0;
  int64_t frames = 0;
  int64_t prompt_id = 0;
  double transition_weight = 1.0;
  int64_t generation_ns = 0;  // wall time of the whole window (denoising and decoding)
  int64_t steps = 0;
  double guidance = 0;  // the scale the window was generated with
};

struct TransitionReport {
  bool started = true;  // false: ended
  int64_t window = 0;
  int64_t from_prompt = 0;
  int64_t to_prompt = 0;
  int64_t frame = 0;  // first frame of the window that starts or ends it
};

class GenerationListener {
 public:
  virtual ~GenerationListener() = default;
  virtual void on_window(const WindowReport& report) = 0;
  virtual void on_transition(const TransitionReport& report) = 0;
  // A prompt accepted earlier that the generator could not use; it is off the timeline.
  virtual void on_prompt_dropped(int64_t prompt_id, const std::string& reason) = 0;
  // A prompt the stream took that the model may render badly (words its tokenizer lacks).
  virtual void on_prompt_warning(const std::string& warning) = 0;
  // The guidance scale of the window whose new frames start at `first_frame` (the element's
  // controllable property, synced to that time).
  virtual double guidance_at(int64_t first_frame) = 0;
};

class GenerationWorker {
 public:
  // Builds the generator (throws on invalid options); the thread starts in start().
  GenerationWorker(const LoadedModel& model, const SessionSettings& settings,
                   std::shared_ptr<PromptTimeline> timeline, FrameQueue& queue,
                   GenerationListener& listener);
  ~GenerationWorker();

  // max_frames: stop after that many frames (0: endless).
  void start(int64_t max_frames);
  // Joins the thread; close the queue first, which cancels the window in progress (between
  // sampler steps).
  void join();
  // Throws std::invalid_argument naming the field when the stream cannot use the prompt
  // (StreamGenerator::check_prompt); any thread.
  void check_prompt(const PromptEntry& entry) const;
  // The admission rule: the prompt takes effect at the first window whose first new frame is at
  // or after `frame` and that is not planned yet. Returns the entry as added, its frame that
  // window's first new frame (where the new prompt's frames begin) and its id filled in.
  PromptEntry add_prompt(PromptEntry entry);

 private:
  void run();
  void generate_window();
  void install_callbacks();

  std::unique_ptr<FrameGenerator> generator_;
  std::shared_ptr<PromptTimeline> timeline_;
  FrameQueue& queue_;
  GenerationListener& listener_;
  int64_t steps_ = 0;
  double auto_guidance_ = 0;
  int64_t max_frames_ = 0;
  std::thread thread_;
  std::mutex planning_mutex_;
  int64_t next_unplanned_frame_ = 0;  // guarded by planning_mutex_
  std::shared_ptr<const std::string> window_prompt_;
  int64_t last_transition_key_ = -1;  // window * 2 + phase; a retried window reports once
};

}  // namespace ditstream
