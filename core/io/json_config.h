#pragma once
// JSON config files (config.json, model_index.json, scheduler_config.json) with errors naming
// the file and field.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
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

// An optional integer field: absent or null gives nullopt; optional_json writes it back.
std::optional<int64_t> optional_int(const JsonConfig& json, const std::string& key);
nlohmann::json optional_json(const std::optional<int64_t>& value);
// Throws "<source>: field '<field>' <why>" unless ok.
void require_field(bool ok, const std::string& source, const std::string& field,
                   const std::string& why);

}  // namespace ditstream
