#include "core/io/json_config.h"

#include <fstream>
#include <sstream>

namespace ditstream {

JsonConfig JsonConfig::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open (missing file?)");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(path.string() + ": not valid JSON");
  if (!j.is_object()) throw std::runtime_error(path.string() + ": top level is not a JSON object");
  return {std::move(j), path.string()};
}

std::optional<int64_t> optional_int(const JsonConfig& json, const std::string& key) {
  if (!json.has(key)) return std::nullopt;
  return json.get<int64_t>(key);
}

nlohmann::json optional_json(const std::optional<int64_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

void require_field(bool ok, const std::string& source, const std::string& field,
                   const std::string& why) {
  if (!ok) throw std::runtime_error(source + ": field '" + field + "' " + why);
}

}  // namespace ditstream
