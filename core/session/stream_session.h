#pragma once
// One endless stream as every front end runs it (the element, `ditstream render --mode stream`,
// bench): the loaded model, the generation thread, the bounded frame queue and the prompt
// timeline with its admission rule. No torch and no GStreamer in this header.

#include "core/session/frame_queue.h"
#include "core/session/generation_worker.h"
#include "core/session/loaded_model.h"
#include "core/session/session_settings.h"
#include "core/stream/prompt_file.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace ditstream {

class StreamSession {
 public:
  explicit StreamSession(GenerationListener& listener) : listener_(listener) {}
  ~StreamSession() { close(); }
  StreamSession(const StreamSession&) = delete;
  StreamSession& operator=(const StreamSession&) = delete;

  // Builds the generator for `model` (no stream may be open) and adds the start-up prompts:
  // settings.prompt at frame 0, then `schedule` (its times at `fps_n/fps_d`). Throws
  // std::invalid_argument naming the field of a prompt the stream cannot use. The queue is reset by
  // the caller (frames().reset) before a stream starts: the element does it before the model loads,
  // so that a flush during the load stays in effect.
  void open(const LoadedModel& model, const SessionSettings& settings,
            const std::vector<ScheduledPrompt>& schedule, int fps_n, int fps_d);
  bool is_open() const;
  // Starts the generation thread; it stops after max_frames frames (0: never).
  void start(int64_t max_frames);
  // Cancels generation between sampler steps and joins the thread; pop() then returns Closed.
  void close();

  // The admission rule: a prompt takes effect at the first frame of the first window whose
  // first frame is at or after entry.frame, and never before the first window not yet planned.
  // Returns the entry as added (id and frame filled in), or nullopt when not open; throws
  // std::invalid_argument naming the field when the stream cannot use it. Prompts with words the
  // model's tokenizer lacks are taken, with a warning to the listener (here and in open()).
  std::optional<PromptEntry> add_prompt(PromptEntry entry);

  FrameQueue& frames() { return queue_; }

 private:
  // "" or the warning about `text`'s unknown words for the open model.
  std::string warning_for(const std::string& text) const;
  void warn(const std::string& warning);

  GenerationListener& listener_;
  FrameQueue queue_;
  std::shared_ptr<const PipelineComponents> model_;  // of the open stream
  mutable std::mutex mutex_;                         // guards worker_ against control threads
  std::unique_ptr<GenerationWorker> worker_;
};

}  // namespace ditstream
