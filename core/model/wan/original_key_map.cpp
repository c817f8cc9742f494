#include "core/model/wan/original_key_map.h"

#include <algorithm>
#include <stdexcept>

namespace ditstream {
namespace {

// Module stems; a parameter is stem + ".weight" or ".bias".
const std::map<std::string, std::string>& top_level_stems() {
  static const std::map<std::string, std::string> table = {
      {"patch_embedding", "patch_embedding"},
      {"time_embedding.0", "condition_embedder.time_embedder.linear_1"},
      {"time_embedding.2", "condition_embedder.time_embedder.linear_2"},
      {"time_projection.1", "condition_embedder.time_proj"},
      {"text_embedding.0", "condition_embedder.text_embedder.linear_1"},
      {"text_embedding.2", "condition_embedder.text_embedder.linear_2"},
      {"head.head", "proj_out"}};
  return table;
}

// Stems inside blocks.N.
const std::map<std::string, std::string>& block_stems() {
  static const std::map<std::string, std::string> table = {
      {"self_attn.q", "attn1.to_q"},
      {"self_attn.k", "attn1.to_k"},
      {"self_attn.v", "attn1.to_v"},
      {"self_attn.o", "attn1.to_out.0"},
      {"self_attn.norm_q", "attn1.norm_q"},
      {"self_attn.norm_k", "attn1.norm_k"},
      {"cross_attn.q", "attn2.to_q"},
      {"cross_attn.k", "attn2.to_k"},
      {"cross_attn.v", "attn2.to_v"},
      {"cross_attn.o", "attn2.to_out.0"},
      {"cross_attn.norm_q", "attn2.norm_q"},
      {"cross_attn.norm_k", "attn2.norm_k"},
      {"norm3", "norm2"},  // the cross-attention LayerNorm (the original calls norm3 second)
      {"ffn.0", "ffn.net.0.proj"},
      {"ffn.2", "ffn.net.2"}};
  return table;
}

std::optional<std::string> map_stem_and_leaf(const std::string& key,
                                             const std::map<std::string, std::string>& stems) {
  const auto dot = key.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto leaf = key.substr(dot + 1);
  const auto it = stems.find(key.substr(0, dot));
  if (it == stems.end() || (leaf != "weight" && leaf != "bias")) return std::nullopt;
  return it->second + "." + leaf;
}

std::optional<std::string> map_block_key(const std::string& key) {
  const auto index_end = key.find('.', 7);  // after "blocks."
  if (index_end == std::string::npos || index_end == 7) return std::nullopt;
  const auto index = key.substr(7, index_end - 7);
  if (!std::all_of(index.begin(), index.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const auto rest = key.substr(index_end + 1);
  const auto prefix = "blocks." + index + ".";
  if (rest == "modulation") return prefix + "scale_shift_table";
  const auto mapped = map_stem_and_leaf(rest, block_stems());
  return mapped ? std::optional<std::string>(prefix + *mapped) : std::nullopt;
}

void erase_all(std::string& text, const std::string& part) {
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at))
    text.erase(at, part.size());
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

std::string strip_wrapper_prefixes(const std::string& key) {
  std::string out = key;
  erase_all(out, "_fsdp_wrapped_module.");
  for (const std::string prefix : {"model.diffusion_model.", "model."})
    if (starts_with(out, prefix)) return out.substr(prefix.size());
  return out;
}

std::map<std::string, torch::Tensor> strip_state_wrapper_prefixes(
    const std::map<std::string, torch::Tensor>& state, const std::string& source) {
  std::map<std::string, torch::Tensor> out;
  std::map<std::string, std::string> original_key;
  for (const auto& [key, tensor] : state) {
    const auto stripped = strip_wrapper_prefixes(key);
    if (!original_key.emplace(stripped, key).second)
      throw std::runtime_error(source + ": keys '" + original_key[stripped] + "' and '" + key +
                               "' both name '" + stripped + "'");
    out[stripped] = tensor;
  }
  return out;
}

std::optional<std::string> diffusers_name_of_original(const std::string& key) {
  if (key == "head.modulation") return "scale_shift_table";
  if (starts_with(key, "blocks.")) return map_block_key(key);
  return map_stem_and_leaf(key, top_level_stems());
}

bool has_original_wan_names(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& name) {
    const auto mapped = diffusers_name_of_original(name);
    return mapped && *mapped != name;
  });
}

std::map<std::string, torch::Tensor> rename_original_wan_state(
    std::map<std::string, torch::Tensor> state, const std::string& source) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [key, tensor] : state) {
    const auto mapped = diffusers_name_of_original(key);
    if (!mapped)
      throw std::runtime_error(source + ": key '" + key +
                               "' has no diffusers name in the original Wan2.1 layout");
    out[*mapped] = std::move(tensor);
  }
  return out;
}

}  // namespace ditstream
