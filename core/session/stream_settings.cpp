#include "core/session/stream_settings.h"

#include <stdexcept>
#include <string>

namespace ditstream {
namespace {

StreamOptions::BlendMode blend_mode(BlendChoice blend) {
  switch (blend) {
    case BlendChoice::PrefixPinned:
      return StreamOptions::BlendMode::PrefixPinned;
    case BlendChoice::Off:
      return StreamOptions::BlendMode::Off;
    case BlendChoice::Deferred:
      break;
  }
  return StreamOptions::BlendMode::Deferred;
}

std::optional<KvSharingGate> kv_gate(const SessionSettings& s, int64_t num_layers) {
  const auto steps = parse_index_range(s.kv_sharing_steps, "kv-sharing-steps");
  const auto layers = parse_index_range(s.kv_sharing_layers, "kv-sharing-layers");
  if (!steps && !layers) return std::nullopt;
  auto gate = KvSharingGate::defaults_for(num_layers, s.steps);
  if (steps) gate.step_start = steps->start, gate.step_end = steps->end;
  if (layers) gate.layer_start = layers->start, gate.layer_end = layers->end;
  if (gate.step_end > s.steps || gate.layer_end > num_layers)
    throw std::runtime_error("kv-sharing-steps must lie in [0, " + std::to_string(s.steps) +
                             "] and kv-sharing-layers in [0, " + std::to_string(num_layers) + "]");
  return gate;
}

}  // namespace

StreamOptions to_stream_options(const SessionSettings& s, const PipelineComponents& model) {
  const int64_t num_layers = model.geometry().num_layers;
  StreamOptions o;
  o.overlap = s.overlap;
  o.transition_windows = s.transition_windows;
  o.steps = s.steps;
  o.sampler =
      s.sampler == SamplerChoice::Auto ? model.samplers->default_name() : sampler_name(s.sampler);
  o.guidance = {s.guidance, s.dynamic_cfg};
  o.seed = s.seed;
  o.kv_sharing = s.kv_sharing != KvSharingMode::Off;
  o.mask_guided = s.kv_sharing == KvSharingMode::MaskGuided;
  o.kv_gate = kv_gate(s, num_layers);
  o.blend = blend_mode(s.blend);
  o.latent_frames = s.window_frames;
  o.latent_width = s.width / model.geometry().spatial_compression;
  o.latent_height = s.height / model.geometry().spatial_compression;
  return o;
}

}  // namespace ditstream
