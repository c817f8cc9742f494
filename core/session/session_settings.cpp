#include "core/session/session_settings.h"

#include <sstream>
#include <stdexcept>

namespace ditstream {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

const char* sampler_name(SamplerChoice sampler) {
  switch (sampler) {
    case SamplerChoice::Auto:
      return "auto";
    case SamplerChoice::Ddim:
      return "ddim";
    case SamplerChoice::Dpm:
      return "dpm";
    case SamplerChoice::DpmppTwoMSde:
      return "dpmpp-2m-sde";
    case SamplerChoice::Unipc:
      return "unipc";
    case SamplerChoice::Euler:
      break;
  }
  return "euler";
}

SamplerChoice parse_sampler_choice(const std::string& name) {
  for (auto choice : {SamplerChoice::Auto, SamplerChoice::Ddim, SamplerChoice::Dpm,
                      SamplerChoice::DpmppTwoMSde, SamplerChoice::Unipc, SamplerChoice::Euler})
    if (name == sampler_name(choice)) return choice;
  throw std::runtime_error("sampler '" + name +
                           "' is not one of auto, ddim, dpm, dpmpp-2m-sde, unipc, euler");
}

SwitchChoice parse_switch_choice(const std::string& name) {
  for (const auto c :
       {SwitchChoice::Auto, SwitchChoice::Recache, SwitchChoice::Ditctrl, SwitchChoice::Cut}) {
    if (name == switch_choice_name(c)) return c;
  }
  throw std::runtime_error("switch '" + name + "' is not one of auto, recache, ditctrl, cut");
}

const char* switch_choice_name(SwitchChoice choice) {
  switch (choice) {
    case SwitchChoice::Recache:
      return "recache";
    case SwitchChoice::Ditctrl:
      return "ditctrl";
    case SwitchChoice::Cut:
      return "cut";
    case SwitchChoice::Auto:
      break;
  }
  return "auto";
}

GeneratorChoice parse_generator_choice(const std::string& name) {
  if (name == "auto") return GeneratorChoice::Auto;
  if (name == "windowed") return GeneratorChoice::Windowed;
  if (name == "causal") return GeneratorChoice::Causal;
  throw std::runtime_error("generator '" + name + "' is not one of auto, windowed, causal");
}

BlendChoice parse_blend_choice(const std::string& name) {
  if (name == "deferred") return BlendChoice::Deferred;
  if (name == "prefix-pinned") return BlendChoice::PrefixPinned;
  if (name == "off") return BlendChoice::Off;
  if (name == "randomized") return BlendChoice::Randomized;
  throw std::runtime_error("blend '" + name +
                           "' is not one of deferred, prefix-pinned, off, randomized");
}

std::optional<IndexRange> parse_index_range(const std::string& text, const char* property) {
  if (trim(text).empty()) return std::nullopt;
  std::istringstream in(text);
  IndexRange r;
  char colon = 0;
  if (!(in >> r.start >> colon >> r.end) || colon != ':' || !(in >> std::ws).eof() || r.start < 0 ||
      r.end <= r.start)
    throw std::runtime_error(std::string(property) +
                             " must be START:END with 0 <= START < END, got '" + text + "'");
  return r;
}

}  // namespace ditstream
