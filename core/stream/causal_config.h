#pragma once
// A causal model folder's generator settings: transformer/causal_config.json names the method
// its checkpoint was trained with (whose shipped settings are the defaults) and may override
// them: "chunk_frames", "denoising_steps", "shift", "warp", "window_frames", "sink_frames",
// "recache_sink" (a recache re-encodes the sink too), "rope" ("relative" | "absolute"), "switch"
// ("recache" | "ditctrl" | "cut"). The weights'
// fields are read by the Wan loader (core/model/wan/checkpoint_layout.h).

#include "core/stream/causal_generator.h"

#include <filesystem>

namespace ditstream {

bool is_causal_folder(const std::filesystem::path& model_root);

// Self-Forcing's settings when the folder has no causal_config.json (a transformer-checkpoint
// beside a plain folder). Throws naming the file and field.
CausalOptions load_causal_options(const std::filesystem::path& model_root);

RopePositions parse_rope_positions(const std::string& name);  // "relative" | "absolute"

}  // namespace ditstream
