#include "bench/shapes_bench_signal.h"

#include "core/io/json_config.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/sampling/noise_schedule.h"
#include "core/stream/pipeline_components.h"
#include "core/text/prompt_encoder.h"
#include "core/training/shapes_data.h"
#include "core/training/transformer_training.h"

#include <torch/torch.h>

#include <cstdio>
#include <sstream>

namespace ditstream::bench {
namespace {

constexpr int64_t kTimesteps[] = {100, 300, 500, 700, 900};

Direction opposite(Direction d) {
  switch (d) {
    case Direction::Left:
      return Direction::Right;
    case Direction::Right:
      return Direction::Left;
    case Direction::Up:
      return Direction::Down;
    case Direction::Down:
      return Direction::Up;
  }
  return d;
}

// Another colour than the shape's and the background's.
int other_colour(const ClipSpec& spec) {
  const int n = static_cast<int>(shape_palette().size());
  int c = (spec.shapes[0].colour + 1) % n;
  if (c == spec.background) c = (c + 1) % n;
  return c;
}

torch::Tensor embeddings(const PromptEncoder& text, const std::vector<ClipSpec>& specs) {
  std::vector<torch::Tensor> rows;
  for (const auto& spec : specs) rows.push_back(text.encode(caption(spec)).to(torch::kFloat));
  return torch::cat(rows);
}

// (B, F, C, h, w) scaled latents of the clips rendered in `world`.
torch::Tensor encode_clips(const AutoencoderKLCogVideoX& vae, const std::vector<ClipSpec>& specs,
                           const WorldGeometry& world, int64_t seed) {
  std::vector<ClipSpec> placed;
  for (size_t i = 0; i < specs.size(); ++i) placed.push_back(place_clip(specs[i], seed + i, world));
  const auto z = vae.encode(video_batch(placed, world)).mean * vae.config().scaling_factor;
  return z.permute({0, 2, 1, 3, 4}).contiguous();
}

}  // namespace

std::vector<SignalRow> caption_signal(const std::filesystem::path& model_dir,
                                      const PipelineComponents& model,
                                      const std::vector<ClipSpec>& specs,
                                      const WorldGeometry& world, int64_t seed) {
  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions(torch::kFloat);
  const auto transformer = load_transformer(model_dir / "transformer", options);
  const auto latents =
      encode_clips(*load_vae(model_dir / "vae", options, true), specs, world, seed);
  const NoiseSchedule schedule(
      SchedulerConfig::from_json(JsonConfig::load(model_dir / "scheduler/scheduler_config.json")));
  auto flipped = specs, recoloured = specs;
  for (auto& s : flipped) s.shapes[0].direction = opposite(s.shapes[0].direction);
  for (auto& s : recoloured) s.shapes[0].colour = other_colour(s);
  const torch::Tensor text[] = {embeddings(*model.text, specs), embeddings(*model.text, flipped),
                                embeddings(*model.text, recoloured)};
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
  std::vector<SignalRow> rows;
  for (const int64_t t : kTimesteps) {
    const auto noise = torch::randn(latents.sizes(), gen);
    const auto timesteps = torch::full({latents.size(0)}, t, torch::kLong);
    double loss[3];
    for (int k = 0; k < 3; ++k)
      loss[k] = v_prediction_loss(*transformer, latents, text[k], timesteps, noise, schedule)
                    .item<double>();
    rows.push_back({t, loss[1] / loss[0] - 1, loss[2] / loss[0] - 1});
  }
  return rows;
}

std::string signal_table(const std::vector<SignalRow>& rows) {
  std::ostringstream out;
  out << "| timestep | loss rise, direction swapped | loss rise, colour swapped |\n|---|---|---|\n";
  char line[96];
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "| %lld | %.2f %% | %.2f %% |\n",
                  static_cast<long long>(r.timestep), 100.0 * r.direction, 100.0 * r.colour);
    out << line;
  }
  return out.str();
}

}  // namespace ditstream::bench
