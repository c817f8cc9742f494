#include "pipelines/prompt_line.h"

#include <cstdlib>
#include <stdexcept>

namespace ditstream {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

double parse_seconds(const std::string& token) {
  char* end = nullptr;
  const double seconds = std::strtod(token.c_str(), &end);
  if (token.empty() || *end != '\0' || !(seconds >= 0))
    throw std::invalid_argument("bad time '@" + token + "' (want @SECONDS, e.g. @2.5)");
  return seconds;
}

// Reads the leading `!cut` / `!motion=DX,DY` words off `line`.
void parse_options(std::string& line, PromptLine& parsed) {
  while (!line.empty() && line[0] == '!') {
    const auto space = line.find_first_of(" \t");
    const std::string word = line.substr(1, space == std::string::npos ? space : space - 1);
    if (word == "cut")
      parsed.cut = true;
    else if (word.rfind("motion=", 0) == 0 && word.size() > 7)
      parsed.motion = word.substr(7);
    else
      throw std::invalid_argument("unknown option '!" + word + "' (want !cut or !motion=DX,DY)");
    line = space == std::string::npos ? "" : trim(line.substr(space));
  }
}

}  // namespace

std::optional<PromptLine> parse_prompt_line(const std::string& raw) {
  std::string line = trim(raw);
  if (line.empty() || line[0] == '#') return std::nullopt;
  PromptLine parsed;
  if (line[0] == '@') {
    const auto space = line.find_first_of(" \t");
    parsed.at_seconds =
        parse_seconds(line.substr(1, space == std::string::npos ? space : space - 1));
    line = space == std::string::npos ? "" : trim(line.substr(space));
  }
  parse_options(line, parsed);
  const auto slash = line.rfind('/');
  if (slash != std::string::npos) {
    parsed.subject_words = trim(line.substr(slash + 1));
    line = trim(line.substr(0, slash));
  }
  if (line.empty()) throw std::invalid_argument("empty prompt");
  parsed.text = line;
  return parsed;
}

}  // namespace ditstream
