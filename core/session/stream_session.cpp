#include "core/session/stream_session.h"

#include "core/session/prompt_warning.h"

#include <stdexcept>

namespace ditstream {
namespace {

PromptEntry initial_entry(const SessionSettings& s) {
  PromptEntry e;
  e.frame = 0;
  e.text = s.prompt;
  e.negative_prompt = s.negative_prompt;
  e.subject_words = split_subject_words(s.subject_words);
  e.transition_windows = s.transition_windows;
  return e;
}

}  // namespace

void StreamSession::open(const LoadedModel& model, const SessionSettings& settings,
                         const std::vector<ScheduledPrompt>& schedule, int fps_n, int fps_d) {
  if (is_open()) throw std::logic_error("StreamSession::open: close the open stream first");
  auto timeline = std::make_shared<PromptTimeline>();
  auto worker = std::make_unique<GenerationWorker>(model, settings, timeline, queue_, listener_);
  const PromptEntry first = initial_entry(settings);
  worker->check_prompt(first);
  timeline->add(first);
  for (auto entry : to_entries(schedule, fps_n, fps_d)) {
    if (entry.negative_prompt.empty()) entry.negative_prompt = settings.negative_prompt;
    worker->check_prompt(entry);
    timeline->add(entry);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    worker_ = std::move(worker);
    model_ = model.components;
  }
  warn(warning_for(first.text));
  for (const auto& p : schedule) warn(warning_for(p.entry.text));
}

bool StreamSession::is_open() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return worker_ != nullptr;
}

void StreamSession::start(int64_t max_frames) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!worker_) throw std::logic_error("StreamSession::start before open");
  worker_->start(max_frames);
}

void StreamSession::close() {
  queue_.close();
  std::unique_ptr<GenerationWorker> worker;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    worker = std::move(worker_);
    model_.reset();
  }
  if (worker) worker->join();
}

std::optional<PromptEntry> StreamSession::add_prompt(PromptEntry entry) {
  std::optional<PromptEntry> added;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!worker_) return std::nullopt;
    worker_->check_prompt(entry);
    added = worker_->add_prompt(std::move(entry));
  }
  warn(warning_for(added->text));  // outside the lock: the listener may call back
  return added;
}

std::string StreamSession::warning_for(const std::string& text) const {
  std::shared_ptr<const PipelineComponents> model;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    model = model_;
  }
  return model ? ditstream::prompt_warning(*model, text) : "";
}

void StreamSession::warn(const std::string& warning) {
  if (!warning.empty()) listener_.on_prompt_warning(warning);
}

}  // namespace ditstream
