#include "core/cli/arguments.h"

namespace ditstream::cli {

Arguments::Arguments(const std::vector<std::string>& args, const std::set<std::string>& flags,
                     const std::set<std::string>& options) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0) {
      positionals_.push_back(a);
      continue;
    }
    const std::string name = a.substr(2);
    if (flags.count(name)) {
      flags_.insert(name);
    } else if (options.count(name)) {
      if (i + 1 >= args.size()) throw std::runtime_error("option " + a + " needs a value");
      values_[name] = args[++i];
    } else {
      throw std::runtime_error("unknown option " + a);
    }
  }
}

std::string Arguments::positional(size_t i, const std::string& what) const {
  if (i >= positionals_.size()) throw std::runtime_error("missing argument: " + what);
  return positionals_[i];
}

std::string Arguments::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

namespace {

// Parses the whole string as a number with `convert` (std::stoll or std::stod).
template <typename T, typename Convert>
T parse_number(const std::string& name, const std::string& text, const char* kind,
               Convert convert) {
  size_t used = 0;
  T value{};
  try {
    value = convert(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || text.empty())
    throw std::runtime_error("option --" + name + " needs " + kind + ", got '" + text + "'");
  return value;
}

}  // namespace

long long Arguments::get_int(const std::string& name, long long fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  return parse_number<long long>(
      name, it->second, "an integer",
      [](const std::string& s, size_t* used) { return std::stoll(s, used); });
}

double Arguments::get_double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  return parse_number<double>(name, it->second, "a number", [](const std::string& s, size_t* used) {
    return std::stod(s, used);
  });
}

}  // namespace ditstream::cli
