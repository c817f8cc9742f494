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

}  // namespace ditstream
