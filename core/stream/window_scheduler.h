#pragma once
// Which condition the next window of a stream uses (ditctrl-spec §8.3, common scheduler): the
// current prompt until the timeline names another one at the window's first new frame, then NT
// transition windows interpolating (current -> new) with beta = (j + 1) / (NT + 1).

#include "core/stream/prompt_timeline.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace ditstream {

struct WindowPlan {
  PromptEntry from;  // equals `to` for a plain window
  PromptEntry to;
  int64_t transition_index = -1;  // j in [0, transition_count); -1: plain window
  int64_t transition_count = 0;
  double beta = 1.0;  // weight of `to` in the window's embedding

  bool is_transition() const { return transition_index >= 0; }
  bool starts_transition() const { return transition_index == 0; }
  bool ends_transition() const {
    return is_transition() && transition_index + 1 == transition_count;
  }
};

class WindowScheduler {
 public:
  WindowScheduler(std::shared_ptr<const PromptTimeline> timeline, int64_t default_transitions);

  // The plan of the window whose first new video frame is `first_new_frame`; changes nothing,
  // so a cancelled window can be planned again.
  WindowPlan plan(int64_t first_new_frame) const;
  // Records that `plan` was generated.
  void advance(const WindowPlan& plan);

 private:
  PromptEntry entry_at(int64_t frame) const;
  int64_t transitions_for(const PromptEntry& entry) const;
  static WindowPlan plain(const PromptEntry& entry);
  static WindowPlan transition(const PromptEntry& from, const PromptEntry& to, int64_t index,
                               int64_t count);

  std::shared_ptr<const PromptTimeline> timeline_;
  int64_t default_transitions_;
  std::optional<PromptEntry> current_;
  std::optional<PromptEntry> pending_;  // the transition's target while one is under way
  int64_t transitions_done_ = 0;
};

}  // namespace ditstream
