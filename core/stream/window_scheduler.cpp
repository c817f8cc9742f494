#include "core/stream/window_scheduler.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace ditstream {

WindowScheduler::WindowScheduler(std::shared_ptr<const PromptTimeline> timeline,
                                 int64_t default_transitions)
    : timeline_(std::move(timeline)), default_transitions_(default_transitions) {
  if (!timeline_) throw std::runtime_error("WindowScheduler: the prompt timeline is null");
  if (default_transitions_ < 0)
    throw std::runtime_error("WindowScheduler: transition_windows must be >= 0");
}

PromptEntry WindowScheduler::entry_at(int64_t frame) const {
  auto entry = timeline_->at(frame);
  if (!entry)
    throw std::runtime_error("WindowScheduler: the prompt timeline has no prompt at frame " +
                             std::to_string(frame));
  return std::move(*entry);
}

int64_t WindowScheduler::transitions_for(const PromptEntry& entry) const {
  if (entry.cut) return 0;
  return entry.transition_windows >= 0 ? entry.transition_windows : default_transitions_;
}

WindowPlan WindowScheduler::plain(const PromptEntry& entry) {
  WindowPlan p;
  p.from = entry;
  p.to = entry;
  return p;
}

WindowPlan WindowScheduler::transition(const PromptEntry& from, const PromptEntry& to,
                                       int64_t index, int64_t count) {
  WindowPlan p;
  p.from = from;
  p.to = to;
  p.transition_index = index;
  p.transition_count = count;
  p.beta = static_cast<double>(index + 1) / static_cast<double>(count + 1);
  return p;
}

WindowPlan WindowScheduler::plan(int64_t first_new_frame) const {
  if (pending_)
    return transition(*current_, *pending_, transitions_done_, transitions_for(*pending_));
  const PromptEntry entry = entry_at(first_new_frame);
  if (!current_ || entry.id == current_->id) return plain(entry);
  const int64_t count = transitions_for(entry);
  return count == 0 ? plain(entry) : transition(*current_, entry, 0, count);
}

void WindowScheduler::advance(const WindowPlan& plan) {
  if (plan.is_transition() && !plan.ends_transition()) {
    pending_ = plan.to;
    transitions_done_ = plan.transition_index + 1;
    return;
  }
  current_ = plan.to;
  pending_.reset();
  transitions_done_ = 0;
}

}  // namespace ditstream
