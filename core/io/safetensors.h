#pragma once
// Memory-mapped safetensors files: strict header validation, zero-copy tensors.

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ditstream {

struct TensorEntry {
  std::string name;
  std::string dtype;  // safetensors spelling: F32, BF16, I64, ...
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets relative to the data section
  uint64_t end = 0;
};

class MappedFile;

// One .safetensors file. Every header field is checked on open; errors name the file and tensor.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const;
  const TensorEntry& entry(const std::string& name) const;

  // CPU tensor viewing the mapping (copy-on-write, so in-place edits never reach the file).
  // The mapping stays alive as long as any tensor from it does.
  torch::Tensor tensor(const std::string& name) const;

 private:
  std::filesystem::path path_;
  std::shared_ptr<MappedFile> file_;
  const uint8_t* data_ = nullptr;
  std::vector<TensorEntry> entries_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Maps safetensors dtype names to torch scalar types (throws for unknown names).
torch::ScalarType scalar_type_from_safetensors(const std::string& dtype, const std::string& where);
std::string safetensors_dtype_name(torch::ScalarType type);

// Writes tensors (any device/dtype; stored as given) in sorted-name order, header padded to 8
// bytes.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace ditstream
