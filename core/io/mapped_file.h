#pragma once
// A read-only file mapped copy-on-write: tensors may view it and be modified without
// touching the file.

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace ditstream {

class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace ditstream
