#pragma once
// A diffusers-layout model folder: model_index.json naming the components and one sub-folder
// per component.

#include "core/io/json_config.h"

#include <filesystem>
#include <map>
#include <string>

namespace ditstream {

struct ComponentEntry {
  std::string name;        // e.g. "transformer"
  std::string library;     // "diffusers", "transformers"; empty when absent
  std::string class_name;  // e.g. "CogVideoXTransformer3DModel"; empty when absent
  std::filesystem::path dir;
  bool present() const { return !class_name.empty(); }
};

class ModelFolder {
 public:
  // Reads model_index.json; throws naming the file when it is missing or malformed.
  static ModelFolder open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  const std::string& pipeline_class() const { return pipeline_class_; }
  const std::map<std::string, ComponentEntry>& components() const { return components_; }
  bool has(const std::string& name) const;
  // The component's folder; throws when model_index.json has no such component.
  const ComponentEntry& component(const std::string& name) const;

 private:
  std::filesystem::path root_;
  std::string pipeline_class_;
  std::map<std::string, ComponentEntry> components_;
};

}  // namespace ditstream
