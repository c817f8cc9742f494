#include "core/io/torch_archive.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <sstream>
#include <stdexcept>

namespace ditstream {
namespace {

using Kind = PickleValue::Kind;

std::string quoted(const std::string& key) {
  return key.empty() ? "the top level" : "'" + key + "'";
}

std::vector<std::string> split_path(const std::string& key) {
  std::vector<std::string> parts;
  std::istringstream in(key);
  for (std::string part; std::getline(in, part, '/');) parts.push_back(part);
  return parts;
}

bool is_state(const PickleValue& v) {
  if (v.kind != Kind::Dict || v.entries.empty()) return false;
  for (const auto& [key, value] : v.entries)
    if (key->kind != Kind::String || value->kind != Kind::Tensor) return false;
  return true;
}

std::string record_text(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name) {
  auto record = reader.getRecord(name);
  return std::string(static_cast<const char*>(std::get<0>(record).get()), std::get<1>(record));
}

// Bounds of a strided view over `storage_numel` elements.
bool fits_storage(const PickledTensor& t) {
  if (t.offset < 0) return false;
  int64_t last = t.offset;
  for (size_t i = 0; i < t.sizes.size(); ++i) {
    if (t.sizes[i] == 0) return true;
    if (t.sizes[i] < 0 || t.strides[i] < 0) return false;
    last += (t.sizes[i] - 1) * t.strides[i];
  }
  return last < t.storage_numel;
}

}  // namespace

TorchArchive TorchArchive::open(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path))
    throw std::runtime_error(path.string() + ": no such file");
  TorchArchive archive;
  archive.path_ = path;
  try {
    archive.reader_ = std::make_shared<caffe2::serialize::PyTorchStreamReader>(path.string());
    if (archive.reader_->hasRecord("byteorder") &&
        record_text(*archive.reader_, "byteorder") != "little")
      throw std::runtime_error(path.string() + ": big-endian archives are not supported");
    const auto pickle = record_text(*archive.reader_, "data.pkl");
    archive.root_ = read_torch_pickle(reinterpret_cast<const uint8_t*>(pickle.data()),
                                      pickle.size(), path.string());
  } catch (const c10::Error& e) {
    throw std::runtime_error(
        path.string() + ": not a readable torch.save zip archive: " + e.what_without_backtrace());
  }
  return archive;
}

std::vector<std::string> TorchArchive::top_level_keys() const {
  std::vector<std::string> keys;
  if (root_->kind != Kind::Dict) return keys;
  for (const auto& [key, _] : root_->entries)
    if (key->kind == Kind::String) keys.push_back(key->text);
  return keys;
}

bool TorchArchive::has_state(const std::string& key) const {
  const auto v = find(key);
  return v && is_state(*v);
}

std::map<std::string, torch::Tensor> TorchArchive::state(const std::string& key) const {
  const auto dict = find(key);
  if (!dict || dict->kind != Kind::Dict) {
    std::string keys;
    for (const auto& k : top_level_keys()) keys += (keys.empty() ? "'" : ", '") + k + "'";
    throw std::runtime_error(path_.string() + ": no dict " + quoted(key) +
                             " (top-level keys: " + (keys.empty() ? "none" : keys) + ")");
  }
  std::map<std::string, torch::Tensor> storages, out;
  for (const auto& [name, value] : dict->entries) {
    if (name->kind != Kind::String || value->kind != Kind::Tensor)
      throw std::runtime_error(path_.string() + ": " + quoted(key) + " holds '" + name->text +
                               "', which is not a tensor");
    out[name->text] = materialize(name->text, value->tensor, storages);
  }
  return out;
}

PickleRef TorchArchive::find(const std::string& key) const {
  PickleRef v = root_;
  for (const auto& part : split_path(key))
    if (!(v = pickle_dict_find(*v, part))) return nullptr;
  return v;
}

torch::Tensor TorchArchive::read_storage(const PickledTensor& t) const {
  const auto record = "data/" + t.storage_key;
  const auto options = torch::TensorOptions().dtype(t.dtype);
  if (t.storage_numel <= 0) return torch::empty({0}, options);
  try {
    auto [data, size] = reader_->getRecord(record);
    const auto needed = static_cast<size_t>(t.storage_numel) * c10::elementSize(t.dtype);
    if (size < needed)
      throw std::runtime_error(path_.string() + ": record " + record + " holds " +
                               std::to_string(size) + " bytes, its storage needs " +
                               std::to_string(needed));
    auto holder = std::make_shared<c10::DataPtr>(std::move(data));
    return torch::from_blob(
        holder->get(), {t.storage_numel}, [holder](void*) {}, options);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path_.string() + ": cannot read record " + record + ": " +
                             e.what_without_backtrace());
  }
}

torch::Tensor TorchArchive::materialize(const std::string& name, const PickledTensor& t,
                                        std::map<std::string, torch::Tensor>& storages) const {
  if (!fits_storage(t))
    throw std::runtime_error(path_.string() + ": tensor '" + name + "' reaches past its storage " +
                             t.storage_key);
  auto it = storages.find(t.storage_key);
  if (it == storages.end()) it = storages.emplace(t.storage_key, read_storage(t)).first;
  return it->second.as_strided(t.sizes, t.strides, t.offset);
}

}  // namespace ditstream
