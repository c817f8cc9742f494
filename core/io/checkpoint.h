#pragma once
// A component's weights: one safetensors file, a sharded set with an index, or tensors already in
// memory (converted from another layout).

#include "core/io/safetensors.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class Checkpoint {
 public:
  // Opens `<dir>/<stem>.safetensors`, or the shards listed in
  // `<dir>/<stem>.safetensors.index.json`.
  static Checkpoint open(const std::filesystem::path& dir, const std::string& stem);
  static Checkpoint open_file(const std::filesystem::path& file);
  static Checkpoint open_index(const std::filesystem::path& index_json);
  // Entries describe the tensors as they are (dtype, shape, byte size); files() is empty.
  static Checkpoint from_tensors(std::map<std::string, torch::Tensor> tensors,
                                 std::string description);

  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const;
  const TensorEntry& entry(const std::string& name) const;
  torch::Tensor tensor(const std::string& name) const;
  std::string describe() const;  // file path(s) for error messages
  const std::vector<std::shared_ptr<SafetensorsFile>>& files() const { return files_; }

 private:
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> owner_;  // tensor name -> index into files_
  std::map<std::string, std::pair<TensorEntry, torch::Tensor>> in_memory_;  // from_tensors
  std::string description_;
};

}  // namespace ditstream
