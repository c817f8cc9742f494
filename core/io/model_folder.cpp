#include "core/io/model_folder.h"

#include <stdexcept>

namespace ditstream {
namespace {

ComponentEntry parse_component(const std::string& name, const nlohmann::json& value,
                               const std::filesystem::path& root, const std::string& source) {
  if (!value.is_array() || value.size() != 2)
    throw std::runtime_error(source + ": field '" + name + "' must be [library, class]");
  ComponentEntry entry{name, "", "", root / name};
  if (value[0].is_string()) entry.library = value[0].get<std::string>();
  if (value[1].is_string()) entry.class_name = value[1].get<std::string>();
  return entry;
}

}  // namespace

ModelFolder ModelFolder::open(const std::filesystem::path& root) {
  if (!std::filesystem::is_directory(root))
    throw std::runtime_error(root.string() + ": model folder not found");
  const JsonConfig index = JsonConfig::load(root / "model_index.json");
  ModelFolder folder;
  folder.root_ = root;
  folder.pipeline_class_ = index.get<std::string>("_class_name");
  for (const auto& [key, value] : index.json.items()) {
    // Arrays name components; other values are pipeline settings (WanPipeline's boundary_ratio,
    // expand_timesteps).
    if (key.empty() || key[0] == '_' || !value.is_array()) continue;
    folder.components_[key] = parse_component(key, value, root, index.source);
  }
  return folder;
}

bool ModelFolder::has(const std::string& name) const {
  auto it = components_.find(name);
  return it != components_.end() && it->second.present();
}

const ComponentEntry& ModelFolder::component(const std::string& name) const {
  auto it = components_.find(name);
  if (it == components_.end() || !it->second.present())
    throw std::runtime_error((root_ / "model_index.json").string() + ": no component '" + name +
                             "'");
  return it->second;
}

}  // namespace ditstream
