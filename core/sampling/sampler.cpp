#include "core/sampling/sampler.h"

#include "core/sampling/ddim_sampler.h"
#include "core/sampling/dpm_sampler.h"
#include "core/sampling/dpmpp_2m_sde_sampler.h"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

namespace ditstream {

torch::Tensor Sampler::step(const torch::Tensor& model_output, int64_t step_index,
                            const torch::Tensor& sample) {
  if (step_index < 0 || step_index >= num_steps()) {
    throw std::runtime_error("sampler step index " + std::to_string(step_index) +
                             " is outside [0, " + std::to_string(num_steps()) + ")");
  }
  if (step_index == 0) reset();
  if (step_index != next_step_) {
    throw std::runtime_error("sampler step " + std::to_string(step_index) +
                             " called out of order (expected step " + std::to_string(next_step_) +
                             ")");
  }
  auto previous = do_step(model_output, step_index, sample);
  ++next_step_;
  return previous;
}

torch::Tensor Sampler::to_x0(const torch::Tensor& model_output, int64_t step_index,
                             const torch::Tensor& sample) const {
  const auto p = parametrisation(step_index);
  const auto work = torch::promote_types(sample.scalar_type(), torch::kFloat);
  return schedule_scalar(p.sample_scale) * sample.to(work) -
         schedule_scalar(p.output_scale) * model_output.to(work);
}

torch::Tensor Sampler::to_model_output(const torch::Tensor& x0, int64_t step_index,
                                       const torch::Tensor& sample) const {
  const auto p = parametrisation(step_index);
  const auto work = torch::promote_types(sample.scalar_type(), torch::kFloat);
  return (schedule_scalar(p.sample_scale) * sample.to(work) - x0.to(work)) /
         schedule_scalar(p.output_scale);
}

NoiseLevel Sampler::noise_level(int64_t step_index) const {
  const auto p = parametrisation(step_index);
  return {p.sample_scale, p.output_scale};
}

torch::Tensor Sampler::noised(const torch::Tensor& x0, const torch::Tensor& noise,
                              int64_t step_index) const {
  const auto level = noise_level(step_index);
  const auto work = torch::promote_types(x0.scalar_type(), torch::kFloat);
  return schedule_scalar(level.signal) * x0.to(work) +
         schedule_scalar(level.noise) * noise.to(work);
}

void Sampler::reset() {
  next_step_ = 0;
  pred_original_ = torch::Tensor();
  do_reset();
}

std::unique_ptr<Sampler> make_sampler(const std::string& name, const NoiseSchedule& schedule,
                                      int64_t num_steps, NoiseFn noise) {
  if (name == "ddim") return std::make_unique<DdimSampler>(schedule, num_steps);
  if (name != "dpm" && name != "dpmpp-2m-sde") {
    throw std::runtime_error("unknown sampler '" + name +
                             "' (known: \"ddim\", \"dpm\", \"dpmpp-2m-sde\")");
  }
  if (!noise) throw std::runtime_error("sampler '" + name + "' is stochastic and needs a NoiseFn");
  if (name == "dpm") return std::make_unique<DpmSampler>(schedule, num_steps, std::move(noise));
  return std::make_unique<DpmPp2mSdeSampler>(schedule, num_steps, std::move(noise));
}

torch::Tensor schedule_scalar(double value) {
  return torch::scalar_tensor(value, torch::TensorOptions().dtype(torch::kFloat64));
}

NoiseFn seeded_noise(uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  // ATen's sampling kernels lock the generator themselves; locking here would deadlock.
  return [generator](const torch::Tensor& like) {
    const auto draw = torch::randn(like.sizes(), generator, like.options().device(torch::kCPU));
    return draw.to(like.device());
  };
}

SamplingCancelled::SamplingCancelled(int64_t completed_steps)
    : std::runtime_error("sampling cancelled after " + std::to_string(completed_steps) + " steps"),
      completed_steps_(completed_steps) {}

torch::Tensor run_sampler(Sampler& sampler, torch::Tensor latents, const DenoiseFn& denoise,
                          const SamplingHooks& hooks) {
  const auto dtype = latents.scalar_type();
  const auto& timesteps = sampler.timesteps();
  const int64_t n = sampler.num_steps();
  sampler.reset();
  for (int64_t i = 0; i < n; ++i) {
    if (hooks.cancelled && hooks.cancelled()) throw SamplingCancelled(i);
    const auto model_output = denoise(latents, timesteps[i], i);
    latents = sampler.step(model_output, i, latents).to(dtype);
    if (hooks.on_step) hooks.on_step(i, n);
  }
  return latents;
}

}  // namespace ditstream
