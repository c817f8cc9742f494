#pragma once
// Where a Wan transformer's weights come from and how their keys become diffusers names: the
// diffusers folder itself, the original Wan2.1 layout, or the generator checkpoints of the
// real-time causal models (Self-Forcing, CausVid, LongLive + LoRA), described by
// transformer/causal_config.json (reference/wan-causal-streaming.md §1.3, §6.5, §9 item 24).
// config.json (the architecture) always comes from the transformer folder.

#include "core/io/checkpoint.h"

#include <filesystem>
#include <string>

namespace ditstream {

enum class WanWeightLayout { Diffusers, Original, SelfForcing, CausVid, LongLive };

// "diffusers", "original", "self-forcing", "causvid", "longlive".
const char* weight_layout_name(WanWeightLayout layout);

// The fields of causal_config.json the loader reads; the generator reads the rest (chunk_frames,
// denoising_steps, shift, warp, window_frames, sink_frames, rope, switch).
struct CausalCheckpointConfig {
  WanWeightLayout method = WanWeightLayout::SelfForcing;  // "method": one of the causal three
  std::filesystem::path checkpoint;  // "checkpoint", relative to the transformer folder
  bool use_ema = true;               // default: true for self-forcing, else false
  bool use_ema_explicit = false;     // set in the file: no fallback to another state dict
  std::filesystem::path lora;        // "lora" (longlive only): .pt or PEFT .safetensors
  double lora_scale = 1.0;           // "lora_scale": alpha / r
  std::string source;                // the file, for messages

  static CausalCheckpointConfig load(const std::filesystem::path& json_file);
};

bool has_causal_config(const std::filesystem::path& transformer_dir);

struct WanWeights {
  WanWeightLayout layout = WanWeightLayout::Diffusers;
  Checkpoint checkpoint;  // diffusers names, for load_module's strict name and shape check
  // "<layout> (<file>[, state '<key>'][, LoRA merged: N tensors (<file>, scale s)])"
  std::string description;
};

// With `checkpoint_file` (an override beside a plain Wan folder) the layout is detected from
// that file: generator/generator_ema/model dicts -> self-forcing (EMA preferred), otherwise a
// raw state dict in original or diffusers names. Else transformer_dir/causal_config.json when
// present, else transformer_dir/diffusion_pytorch_model(.safetensors|.safetensors.index.json).
// Every error names the file and the key or field.
WanWeights load_wan_weights(const std::filesystem::path& transformer_dir,
                            const std::filesystem::path& checkpoint_file = {});

}  // namespace ditstream
