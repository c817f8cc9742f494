#include "core/session/generation_worker.h"

#include "core/model/forward_cancellation.h"
#include "core/sampling/sampler.h"
#include "core/session/stream_settings.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace ditstream {
namespace {

GeneratedFrame to_generated(const StreamFrame& f, int64_t window,
                            std::shared_ptr<const std::string> prompt) {
  const auto rgb = f.rgb.contiguous();
  GeneratedFrame out;
  out.rgb.resize(static_cast<size_t>(rgb.numel()));
  std::memcpy(out.rgb.data(), rgb.data_ptr<uint8_t>(), out.rgb.size());
  out.index = f.index;
  out.window = window;
  out.prompt_id = f.prompt_id;
  out.transition_weight = f.transition_weight;
  out.cut = f.cut;
  out.prompt = std::move(prompt);
  return out;
}

}  // namespace

GenerationWorker::GenerationWorker(const LoadedModel& model, const SessionSettings& settings,
                                   std::shared_ptr<PromptTimeline> timeline, FrameQueue& queue,
                                   GenerationListener& listener)
    : generator_(ditstream::make_frame_generator(settings, model.components, timeline)),
      timeline_(std::move(timeline)),
      queue_(queue),
      listener_(listener),
      steps_(generator_->steps()),
      auto_guidance_(generator_->default_guidance()) {
  install_callbacks();
}

GenerationWorker::~GenerationWorker() { join(); }

void GenerationWorker::start(int64_t max_frames) {
  max_frames_ = max_frames;
  thread_ = std::thread([this] { run(); });
}

void GenerationWorker::join() {
  if (thread_.joinable()) thread_.join();
}

void GenerationWorker::check_prompt(const PromptEntry& entry) const {
  generator_->check_prompt(entry);
}

PromptEntry GenerationWorker::add_prompt(PromptEntry entry) {
  std::lock_guard<std::mutex> lock(planning_mutex_);
  // A window is planned with the prompt in effect at its first new frame.
  const int64_t wanted = std::max(entry.frame, next_unplanned_frame_);
  int64_t window = 0;
  while (generator_->first_new_frame(window) < wanted) ++window;
  entry.frame = generator_->first_new_frame(window);
  entry.id = timeline_->add(entry);
  return entry;
}

void GenerationWorker::install_callbacks() {
  StreamCallbacks callbacks;
  callbacks.on_window_started = [this](int64_t, const WindowPlan& plan) {
    window_prompt_ = std::make_shared<const std::string>(plan.to.text);
  };
  auto transition = [this](bool started) {
    return [this, started](int64_t from, int64_t to) {
      const int64_t window = generator_->windows_generated();
      const int64_t key = window * 2 + (started ? 0 : 1);
      if (key <= last_transition_key_) return;
      last_transition_key_ = key;
      listener_.on_transition({started, window, from, to, generator_->first_new_frame(window)});
    };
  };
  callbacks.on_transition_started = transition(true);
  callbacks.on_transition_ended = transition(false);
  generator_->set_callbacks(std::move(callbacks));
}

void GenerationWorker::run() {
  while (queue_.wait_for_room()) {
    if (max_frames_ > 0 && generator_->frames_emitted() >= max_frames_) return;
    try {
      generate_window();
    } catch (const SamplingCancelled&) {
      return;  // only close() cancels
    } catch (const ForwardCancelled&) {
      return;
    } catch (const PromptRejected& e) {
      timeline_->remove(e.prompt_id);  // the window is planned again without it
      listener_.on_prompt_dropped(e.prompt_id, e.what());
    } catch (const std::exception& e) {
      queue_.fail(e.what());
      return;
    } catch (...) {
      queue_.fail("unknown exception in the generation thread");
      return;
    }
  }
}

void GenerationWorker::generate_window() {
  const int64_t window = generator_->windows_generated();
  {
    std::lock_guard<std::mutex> lock(planning_mutex_);
    next_unplanned_frame_ = generator_->first_new_frame(window + 1);
  }
  double guidance = listener_.guidance_at(generator_->first_new_frame(window));
  if (guidance < 0) guidance = auto_guidance_;  // "auto": the model's
  generator_->set_guidance_scale(guidance);
  WindowCallbacks callbacks;
  callbacks.cancelled = [this] { return queue_.cancelled(); };
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  ForwardCancellation cancellation(callbacks.cancelled);
  const auto frames = generator_->next_window(callbacks);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  std::vector<GeneratedFrame> out;
  for (const auto& f : frames) out.push_back(to_generated(f, window, window_prompt_));
  WindowReport report{window, generator_->first_new_frame(window),
                      static_cast<int64_t>(frames.size())};
  if (!frames.empty()) {
    report.first_frame = frames.front().index;
    report.prompt_id = frames.front().prompt_id;
    report.transition_weight = frames.front().transition_weight;
  }
  report.generation_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
  report.steps = steps_;
  report.guidance = guidance;
  queue_.push(std::move(out));
  listener_.on_window(report);
}

}  // namespace ditstream
