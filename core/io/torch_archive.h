#pragma once
// A torch.save zip archive (.pt/.pth): the pickled object tree is read on open, tensor bytes
// only when a state dict is asked for. The legacy (pre-1.6, non-zip) format is not supported.

#include "core/io/torch_pickle.h"

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace caffe2::serialize {
class PyTorchStreamReader;
}

namespace ditstream {

class TorchArchive {
 public:
  // Errors (not a zip archive, truncated, unreadable pickle) name the file.
  static TorchArchive open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  // The string keys of the top-level dict in file order (empty when the top level is no dict).
  std::vector<std::string> top_level_keys() const;
  // Whether `key` names a dict holding at least one tensor, every value a tensor. Nested dicts
  // are reached with '/' ("a/b"); "" is the top level itself.
  bool has_state(const std::string& key) const;
  // That dict's tensors (CPU, the stored dtype; views of one record share it). Throws naming the
  // file and the key when the key is absent or holds anything but tensors.
  std::map<std::string, torch::Tensor> state(const std::string& key) const;

 private:
  PickleRef find(const std::string& key) const;
  torch::Tensor read_storage(const PickledTensor& t) const;
  torch::Tensor materialize(const std::string& name, const PickledTensor& t,
                            std::map<std::string, torch::Tensor>& storages) const;

  std::filesystem::path path_;
  std::shared_ptr<caffe2::serialize::PyTorchStreamReader> reader_;
  PickleRef root_;
};

}  // namespace ditstream
