#include "core/io/module_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

namespace ditstream {
namespace {

std::map<std::string, torch::Tensor> expected_tensors(torch::nn::Module& module) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value();
  for (const auto& b : module.named_buffers(true)) out[b.key()] = b.value();
  return out;
}

bool ignored(const std::string& key, const LoadOptions& options) {
  if (options.optional_keys.count(key)) return true;
  return std::any_of(options.ignore_prefixes.begin(), options.ignore_prefixes.end(),
                     [&](const std::string& p) { return key.rfind(p, 0) == 0; });
}

void list(std::ostringstream& out, const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return;
  constexpr size_t kShown = 20;
  out << "\n  " << title << " (" << items.size() << "):";
  for (size_t i = 0; i < std::min(items.size(), kShown); ++i) out << "\n    " << items[i];
  if (items.size() > kShown) out << "\n    ...";
}

std::vector<std::string> shape_mismatches(const std::map<std::string, torch::Tensor>& expected,
                                          const Checkpoint& checkpoint) {
  std::vector<std::string> out;
  for (const auto& [name, tensor] : expected) {
    if (!checkpoint.contains(name)) continue;
    const auto& shape = checkpoint.entry(name).shape;
    if (tensor.sizes() != c10::IntArrayRef(shape))
      out.push_back(name + ": file " + c10::str(c10::IntArrayRef(shape)) + ", model " +
                    c10::str(tensor.sizes()));
  }
  return out;
}

void verify_names(const std::map<std::string, torch::Tensor>& expected,
                  const Checkpoint& checkpoint, const LoadOptions& options) {
  std::vector<std::string> missing, unexpected;
  for (const auto& [name, _] : expected)
    if (!checkpoint.contains(name)) missing.push_back(name);
  for (const auto& name : checkpoint.names())
    if (!expected.count(name) && !ignored(name, options)) unexpected.push_back(name);
  const auto mismatched = shape_mismatches(expected, checkpoint);
  if (missing.empty() && unexpected.empty() && mismatched.empty()) return;
  std::ostringstream msg;
  msg << checkpoint.describe() << ": weights do not match the model";
  list(msg, "missing tensors", missing);
  list(msg, "unexpected tensors", unexpected);
  list(msg, "wrong shapes", mismatched);
  throw std::runtime_error(msg.str());
}

}  // namespace

void load_module(torch::nn::Module& module, const Checkpoint& checkpoint,
                 const LoadOptions& options) {
  auto expected = expected_tensors(module);
  verify_names(expected, checkpoint, options);
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : expected) {
    torch::Tensor source = checkpoint.tensor(name);
    const auto dtype =
        options.target.has_dtype() ? options.target.dtype().toScalarType() : source.scalar_type();
    const auto device = options.target.has_device() ? options.target.device() : source.device();
    tensor.set_data(source.to(device, dtype));
  }
}

std::vector<std::pair<std::string, torch::Tensor>> module_state(torch::nn::Module& module) {
  const auto expected = expected_tensors(module);
  return {expected.begin(), expected.end()};
}

}  // namespace ditstream
