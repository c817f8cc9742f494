#pragma once
// JSON config files (config.json, model_index.json, scheduler_config.json) with errors naming
// the file and field.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace ditstream {

struct JsonConfig {
  nlohmann::json json;
  std::string source;  // file path, for messages

  static JsonConfig load(const std::filesystem::path& path);

  bool has(const std::string& key) const { return json.contains(key) && !json.at(key).is_null(); }

  template <typename T>
  T get(const std::string& key) const {
    if (!json.contains(key)) throw std::runtime_error(source + ": missing field '" + key + "'");
    return convert<T>(key);
  }

  template <typename T>
  T get(const std::string& key, const T& fallback) const {
    return has(key) ? convert<T>(key) : fallback;
  }

 private:
  template <typename T>
  T convert(const std::string& key) const {
    try {
      return json.at(key).get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(source + ": field '" + key + "' has the wrong type (" +
                               json.at(key).dump() + ")");
    }
  }
};

}  // namespace ditstream
