#include "core/model/wan/checkpoint_layout.h"

#include "core/io/json_config.h"
#include "core/io/torch_archive.h"
#include "core/model/wan/lora_merge.h"
#include "core/model/wan/original_key_map.h"

#include <optional>
#include <sstream>
#include <stdexcept>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCausalConfig = "causal_config.json";

// A state dict as read, before any renaming.
struct StateSource {
  std::map<std::string, torch::Tensor> tensors;
  std::string file;   // for the description
  std::string state;  // "state 'generator_ema'" (+ why), empty for safetensors
  std::string where;  // file and state key, for messages
};

std::string quoted_state(const std::string& key) {
  return key.empty() ? "top-level state dict" : "state '" + key + "'";
}

std::string joined_keys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "'" : ", '") + k + "'";
  return out.empty() ? "none" : out;
}

bool is_safetensors(const fs::path& file) {
  const auto name = file.filename().string();
  const auto ends_with = [&](const std::string& s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".safetensors") || ends_with(".safetensors.index.json");
}

WanWeightLayout parse_method(const std::string& method, const std::string& source) {
  for (const auto layout :
       {WanWeightLayout::SelfForcing, WanWeightLayout::CausVid, WanWeightLayout::LongLive})
    if (method == weight_layout_name(layout)) return layout;
  throw std::runtime_error(source + ": field 'method' is '" + method +
                           "'; accepted: self-forcing, causvid, longlive");
}

StateSource read_safetensors_state(const fs::path& file) {
  const auto checkpoint = file.filename().string().find(".index.json") != std::string::npos
                              ? Checkpoint::open_index(file)
                              : Checkpoint::open_file(file);
  StateSource s{{}, file.string(), "", file.string()};
  for (const auto& name : checkpoint.names()) s.tensors[name] = checkpoint.tensor(name);
  return s;
}

// `preferred`, or (when `no_fallback` gives no reason against it) the first other state dict.
StateSource read_archive_state(const TorchArchive& archive, const std::string& preferred,
                               const std::string& no_fallback = "") {
  const auto file = archive.path().string();
  std::string key = preferred, why;
  if (!archive.has_state(key) && no_fallback.empty())
    for (const std::string fallback : {"generator", "generator_ema", "model", ""})
      if (fallback != preferred && archive.has_state(fallback)) {
        key = fallback;
        why = " (no '" + preferred + "' in the file)";
        break;
      }
  if (!archive.has_state(key))
    throw std::runtime_error(
        file + ": " +
        (key.empty() ? "the top level is no state dict" : "no state dict '" + key + "'") + " (" +
        (no_fallback.empty() ? "nor a fallback" : no_fallback) +
        "; top-level keys: " + joined_keys(archive.top_level_keys()) + ")");
  return {archive.state(key), file, quoted_state(key) + why, file + " " + quoted_state(key)};
}

std::string scale_text(double scale) {
  std::ostringstream out;
  out << scale;
  return out.str();
}

// lora.pt: {"generator_lora": sd, ...} or a raw PEFT dict; or PEFT's adapter .safetensors.
std::map<std::string, torch::Tensor> read_lora_state(const fs::path& file) {
  if (is_safetensors(file)) return read_safetensors_state(file).tensors;
  const auto archive = TorchArchive::open(file);
  return archive.state(archive.has_state("generator_lora") ? "generator_lora" : "");
}

// Returns the description's LoRA part.
std::string merge_lora_file(std::map<std::string, torch::Tensor>& state,
                            const CausalCheckpointConfig& config) {
  if (!fs::exists(config.lora))
    throw std::runtime_error(config.source + ": field 'lora': " + config.lora.string() +
                             " does not exist");
  const auto merged = ditstream::merge_peft_lora(state, ditstream::read_lora_state(config.lora),
                                                 config.lora_scale, config.lora.string());
  return ", LoRA merged: " + std::to_string(merged) + " tensors (" + config.lora.string() +
         ", scale " + ditstream::scale_text(config.lora_scale) + ")";
}

std::vector<std::string> names_of(const std::map<std::string, torch::Tensor>& state) {
  std::vector<std::string> names;
  for (const auto& [name, _] : state) names.push_back(name);
  return names;
}

// Strips wrapper prefixes, merges the LoRA, renames original keys. Without `layout` it is
// "original" or "diffusers" by the names.
WanWeights to_diffusers(std::optional<WanWeightLayout> layout, StateSource source,
                        const CausalCheckpointConfig* config) {
  auto state = ditstream::strip_state_wrapper_prefixes(source.tensors, source.where);
  source.tensors.clear();
  const std::string lora =
      config && !config->lora.empty() ? ditstream::merge_lora_file(state, *config) : "";
  const bool original = ditstream::has_original_wan_names(ditstream::names_of(state));
  if (original) state = ditstream::rename_original_wan_state(std::move(state), source.where);
  WanWeights w;
  w.layout = layout ? *layout : original ? WanWeightLayout::Original : WanWeightLayout::Diffusers;
  w.checkpoint = Checkpoint::from_tensors(
      std::move(state), source.where + (original ? " (original Wan2.1 names as diffusers)" : ""));
  w.description = std::string(weight_layout_name(w.layout)) + " (" + source.file +
                  (source.state.empty() ? "" : ", " + source.state) + lora + ")";
  return w;
}

WanWeights load_causal(const CausalCheckpointConfig& config) {
  if (!fs::exists(config.checkpoint))
    throw std::runtime_error(config.source + ": field 'checkpoint': " + config.checkpoint.string() +
                             " does not exist");
  if (is_safetensors(config.checkpoint))
    return to_diffusers(config.method, read_safetensors_state(config.checkpoint), &config);
  const auto archive = TorchArchive::open(config.checkpoint);
  const std::string preferred = config.use_ema ? "generator_ema" : "generator";
  return to_diffusers(
      config.method,
      read_archive_state(archive, preferred,
                         config.use_ema_explicit ? "'use_ema' is set in " + config.source : ""),
      &config);
}

WanWeights load_override(const fs::path& file) {
  if (!fs::exists(file))
    throw std::runtime_error(file.string() + ": transformer checkpoint file does not exist");
  if (is_safetensors(file))
    return to_diffusers(std::nullopt, read_safetensors_state(file), nullptr);
  const auto archive = TorchArchive::open(file);
  for (const std::string wrapper : {"generator", "generator_ema", "model"})
    if (archive.has_state(wrapper))
      return to_diffusers(WanWeightLayout::SelfForcing,
                          read_archive_state(archive, "generator_ema"), nullptr);
  return to_diffusers(
      std::nullopt,
      read_archive_state(archive, "", "no 'generator', 'generator_ema' or 'model' either"),
      nullptr);
}

}  // namespace

const char* weight_layout_name(WanWeightLayout layout) {
  switch (layout) {
    case WanWeightLayout::Diffusers:
      return "diffusers";
    case WanWeightLayout::Original:
      return "original";
    case WanWeightLayout::SelfForcing:
      return "self-forcing";
    case WanWeightLayout::CausVid:
      return "causvid";
    case WanWeightLayout::LongLive:
      return "longlive";
  }
  return "unknown";
}

CausalCheckpointConfig CausalCheckpointConfig::load(const std::filesystem::path& json_file) {
  const auto json = JsonConfig::load(json_file);
  CausalCheckpointConfig c;
  c.source = json.source;
  c.method = ditstream::parse_method(json.get<std::string>("method"), c.source);
  const auto dir = json_file.parent_path();
  c.checkpoint = dir / json.get<std::string>("checkpoint");
  c.use_ema_explicit = json.has("use_ema");
  c.use_ema = json.get<bool>("use_ema", c.method == WanWeightLayout::SelfForcing);
  if (json.has("lora")) {
    require_field(c.method == WanWeightLayout::LongLive, c.source, "lora",
                  "is only read for method longlive");
    c.lora = dir / json.get<std::string>("lora");
  }
  c.lora_scale = json.get<double>("lora_scale", 1.0);
  return c;
}

bool has_causal_config(const std::filesystem::path& transformer_dir) {
  return fs::exists(transformer_dir / kCausalConfig);
}

WanWeights load_wan_weights(const std::filesystem::path& transformer_dir,
                            const std::filesystem::path& checkpoint_file) {
  if (!checkpoint_file.empty()) return load_override(checkpoint_file);
  if (has_causal_config(transformer_dir))
    return load_causal(CausalCheckpointConfig::load(transformer_dir / kCausalConfig));
  WanWeights w;
  w.checkpoint = Checkpoint::open(transformer_dir, "diffusion_pytorch_model");
  w.description = "diffusers (" + w.checkpoint.describe() + ")";
  return w;
}

}  // namespace ditstream
