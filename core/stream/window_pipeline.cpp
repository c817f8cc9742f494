#include "core/stream/window_pipeline.h"

#include "core/model/cogvideox_transformer.h"
#include "core/model/vae_decoder.h"
#include "core/model/video_postprocess.h"
#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"
#include "core/stream/guided_denoiser.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace ditstream {

WindowPipeline::WindowPipeline(std::shared_ptr<const PipelineComponents> components)
    : components_(std::move(components)) {}

torch::Tensor WindowPipeline::encode_prompt(const std::string& prompt) const {
  const auto& c = *components_;
  if (!c.text_encoder || !c.tokenizer)
    throw std::runtime_error(c.folder.root().string() +
                             ": the model has no text encoder, so prompts cannot be encoded");
  torch::NoGradGuard no_grad;
  const int64_t length = c.transformer->config().max_text_seq_length;
  const auto ids = c.tokenizer->encode_batch({prompt}, length).to(c.runtime.device);
  return c.text_encoder->forward(ids).to(c.runtime.dtype);
}

torch::Tensor WindowPipeline::initial_latents(int64_t seed, int64_t latent_frames) const {
  const auto& cfg = components_->transformer->config();
  auto generator = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
  const auto noise = torch::randn(
      {1, latent_frames, cfg.in_channels, cfg.sample_height, cfg.sample_width}, generator);
  return noise.to(components_->runtime.device, components_->runtime.dtype);
}

torch::Tensor WindowPipeline::denoise(torch::Tensor latents, const torch::Tensor& cond,
                                      const torch::Tensor& uncond, const WindowOptions& options,
                                      const WindowCallbacks& callbacks) const {
  torch::NoGradGuard no_grad;
  const GuidedDenoiser denoiser(components_, {options.guidance, options.dynamic_cfg}, {});
  const NoiseSchedule schedule(components_->scheduler);
  auto sampler = make_sampler(options.sampler, schedule, options.steps,
                              seeded_noise(static_cast<uint64_t>(options.seed) + 1));
  DenoiseFn model = [&](const torch::Tensor& x, int64_t t, int64_t step) {
    const auto raw = denoiser.predict_raw({x, cond, uncond}, t, step);
    if (callbacks.on_model_output)
      callbacks.on_model_output(step, x, raw, denoiser.scale(t, options.steps));
    return denoiser.guide(raw, t, options.steps);
  };
  SamplingHooks hooks{callbacks.on_step, callbacks.cancelled};
  return run_sampler(*sampler, std::move(latents), model, hooks);
}

torch::Tensor WindowPipeline::decode(const torch::Tensor& latents) const {
  torch::NoGradGuard no_grad;
  return postprocess_video(decode_latents(*components_->vae, latents))[0];
}

WindowResult WindowPipeline::render(const WindowOptions& options,
                                    const WindowCallbacks& callbacks) const {
  const int64_t frames = options.latent_frames > 0
                             ? options.latent_frames
                             : components_->transformer->config().latent_frames();
  const auto cond = encode_prompt(options.prompt);
  const auto uncond = encode_prompt(options.negative_prompt);
  auto latents = denoise(initial_latents(options.seed, frames), cond, uncond, options, callbacks);
  const auto video = decode(latents).unsqueeze(0);
  return {latents, to_uint8_rgb(video)[0].cpu()};
}

}  // namespace ditstream
