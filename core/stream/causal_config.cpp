#include "core/stream/causal_config.h"

#include "core/io/json_config.h"
#include "core/model/wan/checkpoint_layout.h"

#include <stdexcept>

namespace ditstream {
namespace {

void apply_overrides(const JsonConfig& j, CausalOptions& o) {
  o.chunk_frames = j.get<int64_t>("chunk_frames", o.chunk_frames);
  o.steps.steps = j.get<std::vector<double>>("denoising_steps", o.steps.steps);
  o.steps.shift = j.get<double>("shift", o.steps.shift);
  o.steps.warp = j.get<bool>("warp", o.steps.warp);
  o.window_frames = j.get<int64_t>("window_frames", o.window_frames);
  o.sink_frames = j.get<int64_t>("sink_frames", o.sink_frames);
  o.recache_sink = j.get<bool>("recache_sink", o.recache_sink);
  try {
    if (j.has("rope")) o.positions = parse_rope_positions(j.get<std::string>("rope"));
    if (j.has("switch")) o.switch_method = parse_switch_method(j.get<std::string>("switch"));
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(j.source + ": " + e.what());
  }
}

}  // namespace

bool is_causal_folder(const std::filesystem::path& model_root) {
  return has_causal_config(model_root / "transformer");
}

CausalOptions load_causal_options(const std::filesystem::path& model_root) {
  if (!is_causal_folder(model_root)) return causal_defaults("self-forcing");
  const auto file = model_root / "transformer" / "causal_config.json";
  const auto method = CausalCheckpointConfig::load(file).method;
  auto o = causal_defaults(weight_layout_name(method));
  apply_overrides(JsonConfig::load(file), o);
  return o;
}

RopePositions parse_rope_positions(const std::string& name) {
  if (name == "relative") return RopePositions::Relative;
  if (name == "absolute") return RopePositions::Absolute;
  throw std::invalid_argument("rope '" + name + "' is not one of relative, absolute");
}

}  // namespace ditstream
