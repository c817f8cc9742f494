#include "core/stream/window_pipeline.h"

#include "core/model/video_frames.h"
#include "core/sampling/sampler.h"
#include "core/stream/guided_denoiser.h"
#include "core/text/prompt_encoder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace ditstream {

WindowPipeline::WindowPipeline(std::shared_ptr<const PipelineComponents> components)
    : components_(std::move(components)) {}

torch::Tensor WindowPipeline::encode_prompt(const std::string& prompt) const {
  const auto& c = *components_;
  if (!c.text)
    throw std::runtime_error(
        c.folder.root().string() +
        ": the model has no text encoder and tokenizer, so prompts cannot be encoded");
  return c.text->encode(prompt).to(c.runtime.dtype);
}

torch::Tensor WindowPipeline::initial_latents(int64_t seed, int64_t latent_frames, int64_t height,
                                              int64_t width) const {
  const auto& g = components_->geometry();
  auto generator = at::detail::createCPUGenerator(static_cast<uint64_t>(seed));
  const auto noise =
      torch::randn({1, latent_frames, g.latent_channels, height > 0 ? height : g.latent_height,
                    width > 0 ? width : g.latent_width},
                   generator);
  return noise.to(components_->runtime.device, components_->runtime.dtype);
}

torch::Tensor WindowPipeline::denoise(torch::Tensor latents, const torch::Tensor& cond,
                                      const torch::Tensor& uncond, const WindowOptions& options,
                                      const WindowCallbacks& callbacks) const {
  torch::NoGradGuard no_grad;
  const GuidedDenoiser denoiser(components_, {options.guidance, options.dynamic_cfg}, {});
  const auto& samplers = *components_->samplers;
  auto sampler =
      samplers.make(options.sampler.empty() ? samplers.default_name() : options.sampler,
                    options.steps, seeded_noise(static_cast<uint64_t>(options.seed) + 1));
  DenoiseFn model = [&](const torch::Tensor& x, double t, int64_t step) {
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
  return postprocess_video(components_->vae->decode(latents))[0];
}

WindowResult WindowPipeline::render(const WindowOptions& options,
                                    const WindowCallbacks& callbacks) const {
  const int64_t frames =
      options.latent_frames > 0 ? options.latent_frames : components_->geometry().latent_frames;
  const auto cond = encode_prompt(options.prompt);
  const auto uncond = encode_prompt(options.negative_prompt);
  auto latents =
      denoise(initial_latents(options.seed, frames, options.latent_height, options.latent_width),
              cond, uncond, options, callbacks);
  const auto video = decode(latents).unsqueeze(0);
  return {latents, to_uint8_rgb(video)[0].cpu()};
}

}  // namespace ditstream
