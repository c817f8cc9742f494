#include "core/training/vae_training.h"

#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/cogvideox/video_postprocess.h"
#include "core/training/shapes_data.h"

#include <torch/torch.h>

namespace ditstream {

namespace {

// Objects cover a few percent of a frame: with a plain MSE the autoencoder learns the background
// first and leaves objects as blurs of the wrong colour. Pixels more than 0.1 (in [-1, 1]) from
// the clip's per-channel median get `object_weight`; the weights are normalised to mean 1.
torch::Tensor pixel_weights(const torch::Tensor& video, double object_weight) {
  const auto flat = video.flatten(2);
  const auto background = std::get<0>(flat.median(2, true));
  const auto object = (flat - background).abs().amax(1, true) > 0.1;
  auto w = 1.0 + (object_weight - 1.0) * object.to(torch::kFloat);
  w = w / w.mean({1, 2}, true);
  return w.view({video.size(0), 1, video.size(2), video.size(3), video.size(4)});
}

LatentDistribution encode(const AutoencoderKLCogVideoX& vae, const torch::Tensor& video,
                          bool frozen) {
  if (!frozen) return vae.encode(video);
  torch::NoGradGuard no_grad;
  return vae.encode(video);
}

}  // namespace

VaeLoss vae_loss(const AutoencoderKLCogVideoX& vae, const torch::Tensor& video,
                 const VaeTrainingOptions& options, torch::Generator& generator) {
  const LatentDistribution posterior = encode(vae, video, options.decoder_only);
  // decode_latents divides by the scaling factor, as the pipeline's latents are scaled.
  const torch::Tensor z = posterior.sample(generator) * vae.config().scaling_factor;
  const torch::Tensor decoded = decode_latents(vae, z.permute({0, 2, 1, 3, 4}));
  const torch::Tensor error = (decoded - video).pow(2);
  VaeLoss loss;
  loss.reconstruction = error.mean();
  loss.kl = posterior.kl();
  loss.total = (error * pixel_weights(video, options.object_weight)).mean();
  if (!options.decoder_only) loss.total = loss.total + options.kl_weight * loss.kl;
  return loss;
}

namespace {

// A loaded model's parameters do not require gradients; those trained here do.
std::vector<torch::Tensor> trained_parameters(AutoencoderKLCogVideoX& vae, bool decoder_only) {
  std::vector<torch::Tensor> out;
  for (auto& p : vae.named_parameters())
    if (!decoder_only || p.key().rfind("decoder.", 0) == 0)
      out.push_back(p.value().requires_grad_(true));
  return out;
}

}  // namespace

TrainingSummary train_vae(AutoencoderKLCogVideoX& vae, const WorldGeometry& world,
                          const VaeTrainingOptions& o, const std::filesystem::path& state_dir,
                          TrainingBudget& budget) {
  if (!vae.has_encoder() || (!o.decoder_only && vae.config().scaling_factor != 1.0))
    throw std::logic_error("train_vae: needs the encoder (and scaling_factor 1 to train it)");
  WorldGeometry geometry = world;
  geometry.frames = o.clip_frames;
  torch::optim::Adam optimizer(trained_parameters(vae, o.decoder_only),
                               torch::optim::AdamOptions(o.learning_rate));
  const auto device = vae.parameters().front().device();
  auto generator = at::detail::createCPUGenerator(o.seed);
  const std::string name = o.decoder_only ? "vae-decoder" : "vae";
  return run_training_loop(
      name, vae, optimizer, TrainingCheckpoint(state_dir, name), o.steps, o.checkpoint_every,
      [&](int64_t step) {
        generator.set_current_seed(o.seed * 1000003 + step);
        const auto video =
            video_batch(training_clips(o.seed, step * o.batch, o.batch, geometry), geometry)
                .to(device);
        const VaeLoss loss = vae_loss(vae, video, o, generator);
        return std::make_pair(loss.total, loss.reconstruction.item<double>());
      },
      budget);
}

}  // namespace ditstream
