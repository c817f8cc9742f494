#include "core/stream/prompt_file.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ditstream {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

double parse_seconds(const std::string& text, const std::string& where) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(trim(text), &used);
  } catch (const std::exception&) {
  }
  if (used != trim(text).size() || !(v >= 0) || !std::isfinite(v))
    throw std::runtime_error(where + ": start time '" + trim(text) +
                             "' is not a number of seconds >= 0");
  return v;
}

// "[SECONDS:] prompt [/ subjects]"; without SECONDS, kPlainLineSeconds after `previous`'s start
// (0 for the first).
ScheduledPrompt parse_line(const std::string& line, const std::string& where,
                           const ScheduledPrompt* previous) {
  const auto colon = line.find(':');
  ScheduledPrompt p;
  p.start_seconds = previous ? previous->start_seconds + kPlainLineSeconds : 0.0;
  if (colon != std::string::npos) p.start_seconds = parse_seconds(line.substr(0, colon), where);
  std::string text = colon == std::string::npos ? line : line.substr(colon + 1);
  const auto slash = text.find(" / ");
  if (slash != std::string::npos) {
    p.entry.subject_words = split_subject_words(text.substr(slash + 3));
    text = text.substr(0, slash);
  }
  p.entry.text = trim(text);
  if (p.entry.text.empty()) throw std::runtime_error(where + ": empty prompt");
  return p;
}

}  // namespace

std::vector<std::string> split_subject_words(const std::string& list) {
  std::vector<std::string> words;
  std::stringstream in(list);
  for (std::string w; std::getline(in, w, ',');)
    if (!trim(w).empty()) words.push_back(trim(w));
  return words;
}

std::vector<ScheduledPrompt> parse_prompt_text(const std::string& text, const std::string& source) {
  std::vector<ScheduledPrompt> out;
  std::stringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    out.push_back(parse_line(line, source + ":" + std::to_string(number),
                             out.empty() ? nullptr : &out.back()));
  }
  return out;
}

std::vector<ScheduledPrompt> parse_prompt_json(const std::string& text, const std::string& source) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) throw std::runtime_error(source + ": expected a JSON array of prompts");
  std::vector<ScheduledPrompt> out;
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string where = source + ": prompt " + std::to_string(i);
    const auto& item = j[i];
    if (!item.is_object() || !item.contains("prompt") || !item["prompt"].is_string())
      throw std::runtime_error(where + ": needs a string field 'prompt'");
    try {
      ScheduledPrompt p;
      p.start_seconds = item.value("start", 0.0);
      p.entry.text = item["prompt"].get<std::string>();
      p.entry.negative_prompt = item.value("negative_prompt", std::string());
      p.entry.subject_words = item.value("subjects", std::vector<std::string>());
      p.entry.transition_windows = item.value("transition_windows", int64_t{-1});
      p.entry.switch_method = item.value("switch", std::string());
      p.entry.motion = parse_motion(item.value("motion", std::string()));
      const auto transition = item.value("transition", std::string("blend"));
      if (transition != "blend" && transition != "cut")
        throw std::runtime_error("'transition' must be blend or cut, got '" + transition + "'");
      p.entry.cut = transition == "cut";
      if (!(p.start_seconds >= 0)) throw std::runtime_error("'start' must be >= 0");
      out.push_back(std::move(p));
    } catch (const std::exception& e) {
      throw std::runtime_error(where + ": " + e.what());
    }
  }
  return out;
}

std::vector<ScheduledPrompt> parse_inline_schedule(const std::string& schedule) {
  std::vector<ScheduledPrompt> out;
  std::string item;
  const auto flush = [&] {
    if (!trim(item).empty())
      out.push_back(parse_line(item, "schedule item " + std::to_string(out.size()),
                               out.empty() ? nullptr : &out.back()));
    item.clear();
  };
  for (size_t i = 0; i < schedule.size(); ++i) {
    if (schedule[i] == '\\' && i + 1 < schedule.size() && schedule[i + 1] == ';') {
      item += ';';
      ++i;
    } else if (schedule[i] == ';') {
      flush();
    } else {
      item += schedule[i];
    }
  }
  flush();
  return out;
}

std::vector<ScheduledPrompt> load_prompt_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open prompt file");
  std::stringstream text;
  text << in.rdbuf();
  const auto body = trim(text.str());
  if (!body.empty() && body[0] == '[') return parse_prompt_json(body, path.string());
  return parse_prompt_text(text.str(), path.string());
}

std::vector<PromptEntry> to_entries(const std::vector<ScheduledPrompt>& prompts, int fps_num,
                                    int fps_den) {
  if (fps_num <= 0 || fps_den <= 0) throw std::runtime_error("framerate must be positive");
  std::vector<PromptEntry> out;
  for (const auto& p : prompts) {
    out.push_back(p.entry);
    out.back().frame = std::llround(p.start_seconds * fps_num / fps_den);
  }
  return out;
}

}  // namespace ditstream
