#pragma once
// The prompts of a stream and the frames they take effect at. Thread-safe: a control thread
// appends while the generator reads.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

struct PromptEntry {
  int64_t id = 0;     // 0: the timeline assigns the next id
  int64_t frame = 0;  // first video frame the prompt applies to
  std::string text;
  std::string negative_prompt;
  std::vector<std::string> subject_words;  // for mask-guided KV-sharing
  std::vector<int64_t> subject_tokens;     // explicit token indices, if given
  int64_t transition_windows = -1;         // -1: the generator's default
  std::string switch_method;  // causal path: "recache" | "ditctrl" | "cut"; "": the stream's
  // A shot cut: the prompt starts at a window boundary with no transition windows and no blending
  // across it; the new shot reads the previous one's K/V as context (windowed generator).
  bool cut = false;
  // Motion control (dx, dy) in latent pixels per latent frame; unset: the stream's.
  std::optional<std::array<double, 2>> motion;
};

// `text` from video frame `frame` on, everything else the stream's.
PromptEntry prompt_entry(int64_t frame, std::string text, std::string negative_prompt = "");

// "DX,DY" (latent pixels per latent frame) as a motion; "" is none. Throws std::invalid_argument
// naming the field otherwise.
std::optional<std::array<double, 2>> parse_motion(const std::string& text);

class PromptTimeline {
 public:
  // Adds or replaces (same frame: the last one added wins). Returns the entry's id.
  int64_t add(PromptEntry entry);
  // The entry in effect at `frame`: the one with the greatest frame <= `frame`.
  std::optional<PromptEntry> at(int64_t frame) const;
  // Entries that take effect after `frame` (strictly), in frame order.
  std::vector<PromptEntry> after(int64_t frame) const;
  // Drops entries that no frame >= `frame` can use any more; the one in effect stays.
  void prune_before(int64_t frame);
  // Drops the entry with this id (a prompt the generator cannot use); false when there is none.
  bool remove(int64_t id);
  size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<int64_t, PromptEntry> by_frame_;
  int64_t next_id_ = 1;
};

}  // namespace ditstream
