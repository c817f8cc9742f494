#pragma once
// One line of ditstream-control's input:
// `[@SECONDS] [!cut] [!motion=DX,DY] prompt text [/ subject, words]`.

#include <optional>
#include <string>

namespace ditstream {

struct PromptLine {
  std::string text;
  std::string subject_words;         // comma-separated; empty: the element's default
  std::optional<double> at_seconds;  // stream time; absent: as soon as possible
  bool cut = false;                  // !cut: a shot cut (the event's transition=cut)
  std::string motion;                // !motion=DX,DY; empty: the element's motion
  int transition_windows = -1;       // -1: the element's (the web page sets it)
};

// nullopt for blank lines and `#` comments; throws std::invalid_argument for a bad `@time`, an
// unknown `!option` or an empty prompt.
std::optional<PromptLine> parse_prompt_line(const std::string& line);

}  // namespace ditstream
