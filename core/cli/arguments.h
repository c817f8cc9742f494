#pragma once
// Minimal command-line parsing for the ditstream tool: positionals and --name value options.

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream::cli {

class Arguments {
 public:
  // `flags` are options without a value; every other --name takes the next argument.
  Arguments(const std::vector<std::string>& args, const std::set<std::string>& flags,
            const std::set<std::string>& options);

  const std::vector<std::string>& positionals() const { return positionals_; }
  std::string positional(size_t i, const std::string& what) const;
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  bool has(const std::string& option) const { return values_.count(option) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  long long get_int(const std::string& name, long long fallback) const;
  double get_double(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positionals_;
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

}  // namespace ditstream::cli
