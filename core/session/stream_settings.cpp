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

std::optional<KvSharingGate> kv_gate(const SessionSettings& s, int64_t num_steps,
                                     int64_t num_layers) {
  const auto steps = parse_index_range(s.kv_sharing_steps, "kv-sharing-steps");
  const auto layers = parse_index_range(s.kv_sharing_layers, "kv-sharing-layers");
  if (!steps && !layers) return std::nullopt;
  auto gate = KvSharingGate::defaults_for(num_layers, num_steps);
  if (steps) gate.step_start = steps->start, gate.step_end = steps->end;
  if (layers) gate.layer_start = layers->start, gate.layer_end = layers->end;
  if (gate.step_end > num_steps || gate.layer_end > num_layers)
    throw std::runtime_error("kv-sharing-steps must lie in [0, " + std::to_string(num_steps) +
                             "] and kv-sharing-layers in [0, " + std::to_string(num_layers) + "]");
  return gate;
}

std::string sampler_of(const SessionSettings& s, const PipelineComponents& model) {
  return s.sampler == SamplerChoice::Auto ? auto_sampler(model) : sampler_name(s.sampler);
}

}  // namespace

std::string auto_sampler(const PipelineComponents& model) {
  return model.defaults.sampler.empty() ? model.samplers->default_name() : model.defaults.sampler;
}

StreamOptions to_stream_options(const SessionSettings& s, const PipelineComponents& model) {
  if (s.generator == GeneratorChoice::Causal)
    throw std::runtime_error("generator=causal: the causal chunked generator is not built yet; " +
                             model.folder.root().string() +
                             " runs the windowed generator (generator=auto or windowed)");
  const int64_t num_layers = model.geometry().num_layers;
  StreamOptions o;
  o.overlap = s.overlap;
  o.transition_windows = s.transition_windows;
  o.steps = s.steps > 0 ? s.steps : model.defaults.steps;
  o.sampler = sampler_of(s, model);
  o.guidance = {s.guidance >= 0 ? s.guidance : model.defaults.guidance, s.dynamic_cfg};
  o.seed = s.seed;
  o.kv_sharing = s.kv_sharing != KvSharingMode::Off;
  o.mask_guided = s.kv_sharing == KvSharingMode::MaskGuided;
  o.kv_gate = kv_gate(s, o.steps, num_layers);
  o.blend = blend_mode(s.blend);
  o.latent_frames = s.window_frames;
  o.latent_width = s.width / model.geometry().spatial_compression;
  o.latent_height = s.height / model.geometry().spatial_compression;
  return o;
}

}  // namespace ditstream
