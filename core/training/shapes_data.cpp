#include "core/training/shapes_data.h"

#include "core/io/json_config.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/training/model_recipe.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

constexpr int64_t kEncodeBatch = 16;

uint64_t mix(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + index + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

ClipSpec training_clip(uint64_t seed, int64_t index, const WorldGeometry& geometry) {
  for (uint64_t attempt = 0;; ++attempt) {
    ClipSpec spec = sample_clip(mix(mix(seed, index), attempt), geometry);
    if (!is_heldout(spec)) return spec;
  }
}

}  // namespace

std::vector<ClipSpec> training_clips(uint64_t seed, int64_t first, int64_t count,
                                     const WorldGeometry& geometry) {
  std::vector<ClipSpec> clips;
  for (int64_t i = first; i < first + count; ++i) clips.push_back(training_clip(seed, i, geometry));
  return clips;
}

torch::Tensor to_model_video(const torch::Tensor& frames) {
  return frames.permute({3, 0, 1, 2}).to(torch::kFloat).div(127.5).sub(1.0);
}

torch::Tensor video_batch(const std::vector<ClipSpec>& clips, const WorldGeometry& geometry) {
  std::vector<torch::Tensor> videos;
  for (const auto& clip : clips) videos.push_back(to_model_video(render_clip(clip, geometry)));
  return torch::stack(videos);
}

void write_world(const std::filesystem::path& model_dir, const WorldGeometry& g) {
  write_json(model_dir / "shapes_world.json",
             {{"radius", g.radius}, {"slow", g.slow}, {"fast", g.fast}, {"wrap", g.wrap}});
}

WorldGeometry read_world(const std::filesystem::path& model_dir, WorldGeometry g) {
  const auto file = model_dir / "shapes_world.json";
  if (!std::filesystem::exists(file)) return g;
  const auto world = JsonConfig::load(file);
  g.radius = world.get<double>("radius");
  g.slow = world.get<double>("slow");
  g.fast = world.get<double>("fast");
  g.wrap = world.get<bool>("wrap");
  return g;
}

LatentDataset build_latent_dataset(const AutoencoderKLCogVideoX& vae, const TextEncoder& text,
                                   uint64_t seed, int64_t count, const WorldGeometry& geometry) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> latents, embeddings;
  const double scale = vae.config().scaling_factor;
  for (int64_t first = 0; first < count; first += kEncodeBatch) {
    const int64_t n = std::min(kEncodeBatch, count - first);
    const auto clips = training_clips(seed, first, n, geometry);
    const auto mean = vae.encode(video_batch(clips, geometry)).mean;
    latents.push_back((mean * scale).permute({0, 2, 1, 3, 4}).contiguous());
    std::vector<std::string> captions;
    for (const auto& clip : clips) captions.push_back(caption(clip));
    embeddings.push_back(text(captions));
  }
  return {torch::cat(latents), torch::cat(embeddings), text({""})};
}

}  // namespace ditstream
