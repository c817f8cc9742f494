#pragma once
// Prompt schedules as users write them: a text file, a JSON file, or an inline string.
//
// Text (one prompt per line; '#' starts a comment line; blank lines are skipped):
//   [SECONDS:] prompt text [/ subject word, subject word]
// e.g. "0: a red fox in the snow / fox" then "6.5: a white wolf in the snow / wolf". A line
// without SECONDS (and so without ':') starts kPlainLineSeconds after the line before it (the
// first at 0); the offline renderer uses the order only.
// JSON: [{"start": 0, "prompt": "...", "negative_prompt": "...", "subjects": ["fox"],
//         "transition_windows": 2, "switch": "ditctrl"}, ...] ("start" in seconds; other fields
// optional; "switch" is the causal generator's method for that prompt).
// Inline: "SECONDS:prompt;SECONDS:prompt" with "\;" for a literal semicolon.

#include "core/stream/prompt_timeline.h"

#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {

constexpr double kPlainLineSeconds = 6.0;

struct ScheduledPrompt {
  double start_seconds = 0;
  PromptEntry entry;  // frame is filled in by to_entries
};

std::vector<ScheduledPrompt> parse_prompt_text(const std::string& text, const std::string& source);
std::vector<ScheduledPrompt> parse_prompt_json(const std::string& text, const std::string& source);
std::vector<ScheduledPrompt> parse_inline_schedule(const std::string& schedule);
// "fox, red fox" -> {"fox", "red fox"}: comma-separated, trimmed, empty items dropped.
std::vector<std::string> split_subject_words(const std::string& list);
// Chooses JSON or text by the file's first non-blank character.
std::vector<ScheduledPrompt> load_prompt_file(const std::filesystem::path& path);

// Start times to frame indices at fps_num/fps_den (rounded to the nearest frame).
std::vector<PromptEntry> to_entries(const std::vector<ScheduledPrompt>& prompts, int fps_num,
                                    int fps_den);

}  // namespace ditstream
