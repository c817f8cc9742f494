#include "core/model/wan/lora_merge.h"

#include "core/model/wan/original_key_map.h"

#include <torch/torch.h>

#include <optional>
#include <stdexcept>

namespace ditstream {
namespace {

struct LoraKey {
  std::string module;
  bool is_a = true;  // lora_A (down, (r, in)) or lora_B (up, (out, r))
};

struct LoraPair {
  std::string a_key, b_key;
  torch::Tensor a, b;
};

bool strip_prefix(std::string& text, const std::string& prefix) {
  if (text.rfind(prefix, 0) != 0) return false;
  text.erase(0, prefix.size());
  return true;
}

bool strip_suffix(std::string& text, const std::string& suffix) {
  if (text.size() < suffix.size() ||
      text.compare(text.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  text.resize(text.size() - suffix.size());
  return true;
}

// "<module>.lora_A" or "<module>.lora_A.<adapter>" (PEFT may keep the adapter name).
std::optional<LoraKey> split_lora_module(const std::string& rest) {
  for (const bool is_a : {true, false}) {
    const std::string marker = is_a ? ".lora_A" : ".lora_B";
    const auto at = rest.rfind(marker);
    if (at == std::string::npos || at == 0) continue;
    const auto tail = rest.substr(at + marker.size());
    const bool adapter_ok = tail.empty() || (tail.size() > 1 && tail[0] == '.' &&
                                             tail.find('.', 1) == std::string::npos);
    if (adapter_ok) return LoraKey{rest.substr(0, at), is_a};
  }
  return std::nullopt;
}

std::optional<LoraKey> parse_lora_key(const std::string& key) {
  std::string rest = key;
  strip_prefix(rest, "base_model.model.");
  if (!strip_suffix(rest, ".weight")) return std::nullopt;
  auto parsed = split_lora_module(rest);
  if (parsed) parsed->module = ditstream::strip_wrapper_prefixes(parsed->module);
  return parsed;
}

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& why) {
  throw std::runtime_error(source + ": LoRA key '" + key + "' " + why);
}

std::map<std::string, LoraPair> collect_pairs(const std::map<std::string, torch::Tensor>& lora,
                                              const std::string& source) {
  std::map<std::string, LoraPair> pairs;
  for (const auto& [key, tensor] : lora) {
    const auto parsed = ditstream::parse_lora_key(key);
    if (!parsed) fail(source, key, "is not of the form <module>.lora_{A,B}[.<adapter>].weight");
    auto& pair = pairs[parsed->module];
    auto& slot_key = parsed->is_a ? pair.a_key : pair.b_key;
    if (!slot_key.empty()) fail(source, key, "repeats '" + slot_key + "' for the same module");
    slot_key = key;
    (parsed->is_a ? pair.a : pair.b) = tensor;
  }
  return pairs;
}

void check_shapes(const LoraPair& p, const torch::Tensor& weight, const std::string& source) {
  const bool ok = p.a.dim() == 2 && p.b.dim() == 2 && weight.dim() == 2 &&
                  p.a.size(0) == p.b.size(1) && weight.size(0) == p.b.size(0) &&
                  weight.size(1) == p.a.size(1);
  if (!ok)
    fail(source, p.a_key,
         "does not fit: A " + c10::str(p.a.sizes()) + ", B " + c10::str(p.b.sizes()) +
             ", base weight " + c10::str(weight.sizes()) + " (need A (r, in), B (out, r))");
}

}  // namespace

int64_t merge_peft_lora(std::map<std::string, torch::Tensor>& base,
                        const std::map<std::string, torch::Tensor>& lora, double scale,
                        const std::string& source) {
  torch::NoGradGuard no_grad;
  const auto pairs = ditstream::collect_pairs(lora, source);
  for (const auto& [module, p] : pairs) {
    if (p.a_key.empty()) fail(source, p.b_key, "has no lora_A partner");
    if (p.b_key.empty()) fail(source, p.a_key, "has no lora_B partner");
    const auto it = base.find(module + ".weight");
    if (it == base.end()) fail(source, p.a_key, "has no base weight '" + module + ".weight'");
    ditstream::check_shapes(p, it->second, source);
    const auto delta = p.b.to(torch::kFloat).mm(p.a.to(torch::kFloat));
    it->second = (it->second.to(torch::kFloat) + scale * delta).to(it->second.scalar_type());
  }
  return static_cast<int64_t>(pairs.size());
}

}  // namespace ditstream
