#include "core/stream/prompt_timeline.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ditstream {

PromptEntry prompt_entry(int64_t frame, std::string text, std::string negative_prompt) {
  PromptEntry e;
  e.frame = frame;
  e.text = std::move(text);
  e.negative_prompt = std::move(negative_prompt);
  return e;
}

std::optional<std::array<double, 2>> parse_motion(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::istringstream in(text);
  std::array<double, 2> d{};
  char comma = 0;
  if (!(in >> d[0] >> comma >> d[1]) || comma != ',' || !(in >> std::ws).eof() ||
      !std::isfinite(d[0]) || !std::isfinite(d[1]))
    throw std::invalid_argument("motion: '" + text +
                                "' is not DX,DY (latent pixels per latent frame, e.g. 0.5,0)");
  return d;
}

int64_t PromptTimeline::add(PromptEntry entry) {
  if (entry.frame < 0) throw std::runtime_error("prompt frame must be >= 0");
  std::lock_guard<std::mutex> lock(mutex_);
  if (entry.id <= 0) entry.id = next_id_;
  next_id_ = std::max(next_id_, entry.id + 1);
  const int64_t id = entry.id;
  by_frame_[entry.frame] = std::move(entry);
  return id;
}

std::optional<PromptEntry> PromptTimeline::at(int64_t frame) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = by_frame_.upper_bound(frame);
  if (it == by_frame_.begin()) return std::nullopt;
  return std::prev(it)->second;
}

std::vector<PromptEntry> PromptTimeline::after(int64_t frame) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<PromptEntry> out;
  for (auto it = by_frame_.upper_bound(frame); it != by_frame_.end(); ++it)
    out.push_back(it->second);
  return out;
}

void PromptTimeline::prune_before(int64_t frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto in_effect = by_frame_.upper_bound(frame);
  if (in_effect == by_frame_.begin()) return;
  by_frame_.erase(by_frame_.begin(), std::prev(in_effect));
}

bool PromptTimeline::remove(int64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = by_frame_.begin(); it != by_frame_.end(); ++it)
    if (it->second.id == id) {
      by_frame_.erase(it);
      return true;
    }
  return false;
}

size_t PromptTimeline::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return by_frame_.size();
}

}  // namespace ditstream
