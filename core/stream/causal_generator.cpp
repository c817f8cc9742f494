#include "core/stream/causal_generator.h"

#include "core/model/video_frames.h"
#include "core/stream/stream_generator.h"

#include <torch/torch.h>

#include <chrono>
#include <stdexcept>

namespace ditstream {
namespace {

// (1, F, C, h, w) of one chunk: the options' latent size, else the family's.
std::vector<int64_t> chunk_shape_of(const CausalOptions& o, const ModelGeometry& g) {
  return {1, o.chunk_frames, g.latent_channels,
          o.latent_height > 0 ? o.latent_height : g.latent_height,
          o.latent_width > 0 ? o.latent_width : g.latent_width};
}

KvCacheOptions cache_options(const PipelineComponents& components, const CausalOptions& o) {
  const auto& g = components.geometry();
  if (g.family != "wan")
    throw std::runtime_error("generator=causal needs a Wan2.1 model folder; this one is " +
                             g.family);
  const auto shape = ditstream::chunk_shape_of(o, g);
  const int64_t h = shape[3], w = shape[4];
  KvCacheOptions c;
  c.window_frames = o.window_frames;
  c.sink_frames = o.sink_frames;
  c.tokens_per_frame = (h / g.patch_size) * (w / g.patch_size);
  c.positions = o.positions;
  const VideoTransformer* transformer = components.transformer.get();
  c.shift_key_frames = [transformer](const torch::Tensor& keys, int64_t frames) {
    return transformer->shift_key_frames(keys, frames);
  };
  return c;
}

CausalOptions checked(CausalOptions o, const ModelGeometry& g) {
  if (o.chunk_frames < 1) throw std::runtime_error("chunk_frames must be >= 1");
  if (o.transition_chunks < 0 || o.transition_chunks > kMaxTransitionWindows)
    throw std::runtime_error("transition_chunks must be in [0, 64]");
  if (o.shared_from_layer < 0) o.shared_from_layer = g.num_layers - g.num_layers / 6;
  if (o.shared_from_layer > g.num_layers)
    throw std::runtime_error("shared_from_layer is past the model's " +
                             std::to_string(g.num_layers) + " layers");
  return o;
}

SwitchMethod method_of(const PromptEntry& entry, SwitchMethod stream_default) {
  return entry.switch_method.empty() ? stream_default : parse_switch_method(entry.switch_method);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

SwitchMethod parse_switch_method(const std::string& name) {
  if (name == "recache") return SwitchMethod::Recache;
  if (name == "ditctrl") return SwitchMethod::Ditctrl;
  if (name == "cut") return SwitchMethod::Cut;
  throw std::invalid_argument("switch '" + name + "' is not one of recache, ditctrl, cut");
}

const char* switch_method_name(SwitchMethod method) {
  switch (method) {
    case SwitchMethod::Recache:
      return "recache";
    case SwitchMethod::Ditctrl:
      return "ditctrl";
    case SwitchMethod::Cut:
      return "cut";
  }
  return "?";
}

CausalOptions causal_defaults(const std::string& method) {
  CausalOptions o;
  if (method == "self-forcing") return o;
  if (method == "longlive") {
    o.window_frames = 12;
    o.sink_frames = 3;
    return o;
  }
  if (method == "causvid") {
    o.steps = {{1000, 757, 522}, 8.0, false};
    return o;
  }
  throw std::runtime_error("causal method '" + method +
                           "' is not one of self-forcing, longlive, causvid");
}

CausalGenerator::CausalGenerator(std::shared_ptr<const PipelineComponents> components,
                                 CausalOptions options, std::shared_ptr<PromptTimeline> timeline)
    : components_(std::move(components)),
      options_(checked(std::move(options), components_->geometry())),
      timeline_(std::move(timeline)),
      cache_(cache_options(*components_, options_)),
      denoiser_(forward_executor(*components_), cache_, few_step_schedule(options_.steps)),
      scheduler_(timeline_, options_.transition_chunks),
      embeddings_(components_),
      decoder_(
          ditstream::stream_decoder(*components_, options_.chunk_frames, options_.overlap_decode)),
      times_(components_->runtime.device) {
  if (options_.chunk_frames > options_.window_frames - options_.sink_frames)
    throw std::runtime_error("chunk_frames (" + std::to_string(options_.chunk_frames) +
                             ") must fit window_frames - sink_frames");
}

int64_t CausalGenerator::first_new_frame(int64_t chunk) const {
  const int64_t tc = components_->geometry().temporal_compression;
  return chunk == 0 ? 0 : tc * chunk * options_.chunk_frames - (tc - 1);
}

int64_t CausalGenerator::steps() const {
  return static_cast<int64_t>(denoiser_.schedule().timesteps.size());
}

void CausalGenerator::check_prompt(const PromptEntry& entry) const {
  if (!entry.switch_method.empty()) parse_switch_method(entry.switch_method);
  if (entry.transition_windows > kMaxTransitionWindows)
    throw std::invalid_argument("transition_windows must be in [0, 64]");
}

WindowPlan CausalGenerator::plan_chunk() const {
  auto plan = scheduler_.plan(first_new_frame(chunk_));
  if (!plan.is_transition() || method_of(plan.to, options_.switch_method) == SwitchMethod::Ditctrl)
    return plan;
  WindowPlan plain;
  plain.from = plain.to = plan.to;
  return plain;
}

torch::Tensor CausalGenerator::text_for(const WindowPlan& plan) {
  return times_.time(Stage::TextEncode, [&] { return embeddings_.for_plan(plan).cond; });
}

void CausalGenerator::switch_prompt(const WindowPlan& plan, const torch::Tensor& text) {
  const auto method = method_of(plan.to, options_.switch_method);
  if (method == SwitchMethod::Cut || !kept_.defined()) return;
  const auto start = std::chrono::steady_clock::now();
  times_.time(Stage::KvSharing, [&] {
    const bool keep_sink = method == SwitchMethod::Ditctrl || !options_.recache_sink;
    const int64_t keep_from = method == SwitchMethod::Ditctrl ? options_.shared_from_layer : -1;
    const int64_t first = cache_.end_frame() - kept_.size(1);
    return denoiser_.recache(kept_, first, text, keep_sink, keep_from);
  });
  last_switch_seconds_ = seconds_since(start);
}

ChunkNoise causal_chunk_noise(const std::vector<int64_t>& shape, int64_t seed, int64_t chunk,
                              int64_t steps, torch::Device device) {
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(stream_window_seed(seed, chunk)));
  ChunkNoise noise{torch::randn(shape, gen, torch::kFloat).to(device), {}};
  for (int64_t k = 1; k < steps; ++k)
    noise.renoise.push_back(torch::randn(shape, gen, torch::kFloat).to(device));
  return noise;
}

std::vector<int64_t> CausalGenerator::chunk_shape() const {
  return ditstream::chunk_shape_of(options_, components_->geometry());
}

void CausalGenerator::keep(const torch::Tensor& latents) {
  kept_ = kept_.defined() ? torch::cat({kept_, latents}, 1) : latents;
  if (kept_.size(1) > options_.window_frames)
    kept_ = kept_.slice(1, kept_.size(1) - options_.window_frames).clone();
}

std::vector<StreamFrame> CausalGenerator::next_window(const WindowCallbacks& callbacks) {
  times_.clear();
  last_switch_seconds_ = 0;
  const WindowPlan plan = plan_chunk();
  if (callbacks_.on_window_started) callbacks_.on_window_started(chunk_, plan);
  if (plan.starts_transition() && callbacks_.on_transition_started)
    callbacks_.on_transition_started(plan.from.id, plan.to.id);
  const auto text = text_for(plan);
  if (current_ && plan.to.id != current_->id) switch_prompt(plan, text);
  ChunkCallbacks chunk_callbacks;
  chunk_callbacks.cancelled = callbacks.cancelled;
  const int64_t first = chunk_ * options_.chunk_frames;
  const auto latents = times_.time(Stage::Denoise, [&] {
    const auto noise = ditstream::causal_chunk_noise(chunk_shape(), options_.seed, chunk_, steps(),
                                                     components_->runtime.device);
    return denoiser_.denoise(first, text, noise, chunk_callbacks);
  });
  keep(latents);
  if (callbacks_.on_committed_latents) callbacks_.on_committed_latents(chunk_, latents);
  auto frames = decode(latents, plan);
  current_ = plan.to;
  scheduler_.advance(plan);
  embeddings_.retain({plan.from.id, plan.to.id});
  timeline_->prune_before(first_new_frame(chunk_));
  if (plan.ends_transition() && callbacks_.on_transition_ended)
    callbacks_.on_transition_ended(plan.from.id, plan.to.id);
  if (callbacks_.on_window_finished)
    callbacks_.on_window_finished(chunk_, static_cast<int64_t>(frames.size()));
  ++chunk_;
  return frames;
}

std::vector<StreamFrame> CausalGenerator::decode(const torch::Tensor& latents,
                                                 const WindowPlan& plan) {
  const auto decoded = times_.time(Stage::Decode, [&] { return decoder_->push(latents); });
  if (!options_.overlap_decode) return to_frames(decoded, plan);
  auto frames = to_frames(decoded, decoding_plan_);
  decoding_plan_ = plan;
  return frames;
}

std::vector<StreamFrame> CausalGenerator::to_frames(const torch::Tensor& decoded,
                                                    const WindowPlan& plan) {
  std::vector<StreamFrame> out;
  if (!decoded.defined() || decoded.size(2) == 0) return out;
  const auto rgb = times_.time(Stage::Convert,
                               [&] { return to_uint8_rgb(postprocess_video(decoded))[0].cpu(); });
  for (int64_t f = 0; f < rgb.size(0); ++f)
    out.push_back({rgb[f], frames_emitted_++, plan.to.id, plan.beta, plan.to.cut});
  return out;
}

std::vector<StreamFrame> CausalGenerator::finish() {
  if (options_.overlap_decode) return to_frames(decoder_->flush(), decoding_plan_);
  WindowPlan plan;
  if (current_) plan.to = *current_;
  return to_frames(decoder_->flush(), plan);
}

}  // namespace ditstream
