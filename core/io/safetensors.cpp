#include "core/io/safetensors.h"

#include "core/io/mapped_file.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace ditstream {
namespace {

// The format caps the header at 100 MB; anything larger is corrupt or hostile.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct DtypeInfo {
  const char* name;
  size_t bytes;
  std::optional<torch::ScalarType> torch_type;
};

const std::vector<DtypeInfo>& dtype_table() {
  static const std::vector<DtypeInfo> table = {
      {"BOOL", 1, torch::kBool},  {"U8", 1, torch::kUInt8},      {"I8", 1, torch::kInt8},
      {"I16", 2, torch::kInt16},  {"I32", 4, torch::kInt32},     {"I64", 8, torch::kInt64},
      {"F16", 2, torch::kHalf},   {"BF16", 2, torch::kBFloat16}, {"F32", 4, torch::kFloat},
      {"F64", 8, torch::kDouble}, {"U16", 2, std::nullopt},      {"U32", 4, std::nullopt},
      {"U64", 8, std::nullopt},   {"F8_E4M3", 1, std::nullopt},  {"F8_E5M2", 1, std::nullopt},
  };
  return table;
}

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : dtype_table())
    if (name == d.name) return &d;
  return nullptr;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(path.string() + ": " + what);
}

uint64_t read_header_length(const MappedFile& file, const std::filesystem::path& path) {
  if (file.size() < 8) fail(path, "truncated: shorter than the 8-byte header length");
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);  // little-endian on every supported host
  if (n > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  if (n > file.size() - 8)
    fail(path, "header length " + std::to_string(n) + " runs past the end of the file (" +
                   std::to_string(file.size()) + " bytes)");
  return n;
}

std::vector<int64_t> parse_shape(const nlohmann::json& j, const std::string& where) {
  if (!j.is_array()) throw std::runtime_error(where + ": 'shape' is not an array");
  std::vector<int64_t> shape;
  for (const auto& d : j) {
    if (!d.is_number_unsigned()) throw std::runtime_error(where + ": 'shape' has a bad dimension");
    shape.push_back(d.get<int64_t>());
  }
  return shape;
}

TensorEntry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t data_size,
                        const std::filesystem::path& path) {
  const std::string where = path.string() + ": tensor '" + name + "'";
  if (!j.is_object() || !j.contains("dtype") || !j.contains("shape") || !j.contains("data_offsets"))
    throw std::runtime_error(where + ": entry needs dtype, shape and data_offsets");
  TensorEntry e{name, j["dtype"].is_string() ? j["dtype"].get<std::string>() : "", {}, 0, 0};
  const DtypeInfo* info = find_dtype(e.dtype);
  if (!info) throw std::runtime_error(where + ": unknown dtype " + j["dtype"].dump());
  e.shape = parse_shape(j["shape"], where);
  const auto& off = j["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    throw std::runtime_error(where + ": 'data_offsets' must be two unsigned integers");
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.begin > e.end || e.end > data_size)
    throw std::runtime_error(where + ": data_offsets [" + std::to_string(e.begin) + ", " +
                             std::to_string(e.end) + ") outside the data section of " +
                             std::to_string(data_size) + " bytes");
  uint64_t numel = 1;
  for (int64_t d : e.shape) numel *= static_cast<uint64_t>(d);
  if (numel * info->bytes != e.end - e.begin)
    throw std::runtime_error(where + ": " + std::to_string(e.end - e.begin) +
                             " bytes do not match dtype " + e.dtype + " x shape " +
                             c10::str(c10::IntArrayRef(e.shape)));
  return e;
}

void check_no_overlap(std::vector<TensorEntry> sorted, const std::filesystem::path& path) {
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorEntry& a, const TensorEntry& b) { return a.begin < b.begin; });
  const TensorEntry* furthest = nullptr;
  for (const auto& e : sorted) {
    if (e.begin == e.end) continue;
    if (furthest && e.begin < furthest->end)
      fail(path, "tensors '" + furthest->name + "' and '" + e.name + "' overlap");
    if (!furthest || e.end > furthest->end) furthest = &e;
  }
}

std::map<std::string, std::string> parse_metadata(const nlohmann::json& j,
                                                  const std::filesystem::path& path) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) fail(path, "__metadata__ is not an object");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) fail(path, "__metadata__ value of '" + k + "' is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace

torch::ScalarType scalar_type_from_safetensors(const std::string& dtype, const std::string& where) {
  const DtypeInfo* info = find_dtype(dtype);
  if (!info || !info->torch_type)
    throw std::runtime_error(where + ": dtype " + dtype + " has no equivalent in this libtorch");
  return *info->torch_type;
}

std::string safetensors_dtype_name(torch::ScalarType type) {
  for (const auto& d : dtype_table())
    if (d.torch_type && *d.torch_type == type) return d.name;
  throw std::runtime_error(std::string("no safetensors dtype for ") + c10::toString(type));
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : path_(path), file_(std::make_shared<MappedFile>(path)) {
  const uint64_t header_len = read_header_length(*file_, path);
  const char* header = reinterpret_cast<const char*>(file_->data() + 8);
  nlohmann::json j = nlohmann::json::parse(header, header + header_len, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(path, "header is not a JSON object");
  data_ = file_->data() + 8 + header_len;
  const uint64_t data_size = file_->size() - 8 - header_len;
  for (const auto& [name, value] : j.items()) {
    if (name == "__metadata__") {
      metadata_ = parse_metadata(value, path);
      continue;
    }
    index_[name] = entries_.size();
    entries_.push_back(parse_entry(name, value, data_size, path));
  }
  check_no_overlap(entries_, path);
}

bool SafetensorsFile::contains(const std::string& name) const { return index_.count(name) > 0; }

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail(path_, "no tensor named '" + name + "'");
  return entries_[it->second];
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  const TensorEntry& e = entry(name);
  const auto type =
      scalar_type_from_safetensors(e.dtype, path_.string() + ": tensor '" + name + "'");
  const uint8_t* ptr = data_ + e.begin;
  auto keep_alive = file_;
  auto view = torch::from_blob(
      const_cast<uint8_t*>(ptr), e.shape, [keep_alive](void*) {},
      torch::TensorOptions().dtype(type));
  // Offsets need not be aligned to the element size; unaligned views are copied.
  const bool aligned = reinterpret_cast<uintptr_t>(ptr) % view.element_size() == 0;
  return aligned ? view : view.clone();
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  auto sorted = tensors;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> blobs;
  uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    blobs.push_back(t.detach().to(torch::kCPU).contiguous());
    const uint64_t bytes = blobs.back().numel() * blobs.back().element_size();
    header[name] = {{"dtype", safetensors_dtype_name(t.scalar_type())},
                    {"shape", t.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path.string() + ": cannot open for writing");
  const uint64_t n = text.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  for (const auto& b : blobs)
    out.write(static_cast<const char*>(b.data_ptr()), b.numel() * b.element_size());
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

}  // namespace ditstream
