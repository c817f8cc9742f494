#include "core/session/stream_settings.h"

#include "core/stream/causal_config.h"

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
    case BlendChoice::Randomized:
      return StreamOptions::BlendMode::Randomized;
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
  o.step_cache = s.step_cache;
  o.anchor.mode = s.anchor;
  o.anchor.strength = s.anchor_strength;
  if (const auto motion = parse_motion(s.motion)) o.motion = {(*motion)[0], (*motion)[1]};
  o.overlap_decode = model.runtime.device.is_cuda();
  o.latent_frames = s.window_frames;
  o.latent_width = s.width / model.geometry().spatial_compression;
  o.latent_height = s.height / model.geometry().spatial_compression;
  return o;
}

bool runs_causal(const SessionSettings& s, const PipelineComponents& model) {
  if (s.generator != GeneratorChoice::Auto) return s.generator == GeneratorChoice::Causal;
  return !s.transformer_checkpoint.empty() || is_causal_folder(model.folder.root());
}

CausalOptions to_causal_options(const SessionSettings& s, const PipelineComponents& model) {
  auto o = load_causal_options(model.folder.root());
  if (s.switch_method != SwitchChoice::Auto)
    o.switch_method = parse_switch_method(switch_choice_name(s.switch_method));
  o.transition_chunks = s.transition_windows;
  if (const auto layers = parse_index_range(s.kv_sharing_layers, "kv-sharing-layers"))
    o.shared_from_layer = layers->start;  // ditctrl: the layers that keep the old K/V
  o.seed = s.seed;
  o.overlap_decode = model.runtime.device.is_cuda();
  o.latent_width = s.width / model.geometry().spatial_compression;
  o.latent_height = s.height / model.geometry().spatial_compression;
  return o;
}

std::unique_ptr<FrameGenerator> make_frame_generator(
    const SessionSettings& s, std::shared_ptr<const PipelineComponents> model,
    std::shared_ptr<PromptTimeline> timeline) {
  if (runs_causal(s, *model))
    return std::make_unique<CausalGenerator>(model, to_causal_options(s, *model), timeline);
  return std::make_unique<StreamGenerator>(model, to_stream_options(s, *model), timeline);
}

}  // namespace ditstream
