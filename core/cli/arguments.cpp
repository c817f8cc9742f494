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

long long Arguments::get_int(const std::string& name, long long fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(it->second, &used);
  } catch (const std::exception&) {
  }
  if (used != it->second.size() || it->second.empty())
    throw std::runtime_error("option --" + name + " needs an integer, got '" + it->second + "'");
  return v;
}

double Arguments::get_double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(it->second, &used);
  } catch (const std::exception&) {
  }
  if (used != it->second.size() || it->second.empty())
    throw std::runtime_error("option --" + name + " needs a number, got '" + it->second + "'");
  return v;
}

}  // namespace ditstream::cli
