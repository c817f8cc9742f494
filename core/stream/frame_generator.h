#pragma once
// What a stream session needs of a generator, whichever kind: the windowed DiTCtrl generator
// (stream_generator.h) or the causal chunked one (causal_generator.h). A "window" is the unit one
// next_window() call generates (a chunk on the causal path).

#include "core/stream/prompt_timeline.h"
#include "core/stream/stage_times.h"
#include "core/stream/window_pipeline.h"
#include "core/stream/window_scheduler.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream {

// Frames are labelled with the window that committed their latent frame (the decoder may emit a
// frame one window later: it decodes latent frames in pairs).
struct StreamFrame {
  torch::Tensor rgb;  // (H, W, 3) uint8 on the CPU
  int64_t index = 0;
  int64_t prompt_id = 0;           // the window's target prompt (the new one in a transition)
  double transition_weight = 1.0;  // beta of the window's embedding: 0 previous, 1 new prompt
  bool cut = false;                // the prompt came in by a shot cut
};

struct StreamCallbacks {
  std::function<void(int64_t window, const WindowPlan& plan)> on_window_started;
  std::function<void(int64_t window, int64_t frames)> on_window_finished;
  std::function<void(int64_t from_prompt, int64_t to_prompt)> on_transition_started;
  std::function<void(int64_t from_prompt, int64_t to_prompt)> on_transition_ended;
  // The latent frames (1, F, C, h, w) a window commits to the stream, before decoding.
  std::function<void(int64_t window, const torch::Tensor& latents)> on_committed_latents;
};

// A window could not use its new prompt (e.g. mask-guided subject words it cannot place). The
// generator's state is unchanged: drop the prompt from the timeline and call next_window() again.
class PromptRejected : public std::runtime_error {
 public:
  PromptRejected(int64_t prompt_id, const std::string& message)
      : std::runtime_error(message), prompt_id(prompt_id) {}
  int64_t prompt_id;
};

class FrameGenerator {
 public:
  virtual ~FrameGenerator() = default;
  // Generates one window; a cancelled one (SamplingCancelled) ends the stream.
  virtual std::vector<StreamFrame> next_window(const WindowCallbacks& callbacks = {}) = 0;
  // Throws std::invalid_argument naming the field when this stream cannot use the prompt.
  // Thread-safe.
  virtual void check_prompt(const PromptEntry& entry) const = 0;
  // Ends the stream and returns what the decoder still holds.
  virtual std::vector<StreamFrame> finish() = 0;
  virtual void set_callbacks(StreamCallbacks callbacks) = 0;
  virtual void set_guidance_scale(double scale) = 0;  // from the next window on
  virtual int64_t frames_emitted() const = 0;
  virtual int64_t windows_generated() const = 0;
  // First video frame of window n's new frames (where a prompt admitted for it starts).
  virtual int64_t first_new_frame(int64_t window) const = 0;
  virtual int64_t steps() const = 0;  // denoising steps per window
  virtual double default_guidance() const = 0;
  virtual const StageTimes& last_window_times() const = 0;
};

}  // namespace ditstream
