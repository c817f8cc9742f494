// scheduler_{ddim,dpm}_<N>steps cases: schedule tables and a replayed trajectory.

#include "core/io/json_config.h"
#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"
#include "core/verify/golden_case.h"

#include <torch/torch.h>

#include <deque>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr double kTrajectoryRel = 1e-5;
constexpr double kAlphaAbs = 1e-12;

std::string sampler_name(const GoldenCase& c) {
  if (c.name.rfind("scheduler_ddim_", 0) == 0) return "ddim";
  if (c.name.rfind("scheduler_dpm_", 0) == 0) return "dpm";
  throw std::runtime_error(c.file.string() + ": cannot tell the sampler from the case name");
}

torch::Tensor int64_tensor(const std::vector<int64_t>& values) {
  return torch::tensor(values, torch::kInt64);
}

// Replays noise_draw0/noise_draw1 in call order, counting the draws made in each step.
struct StoredNoise {
  std::deque<torch::Tensor> queue;
  std::vector<int64_t> draws_per_step;

  StoredNoise(const SafetensorsFile& f, int64_t steps) {
    const auto counts = f.tensor("num_noise_draws");
    for (int64_t i = 0; i < steps; ++i) {
      queue.push_back(f.tensor("noise_draw0")[i]);
      if (counts[i].item<int64_t>() > 1) queue.push_back(f.tensor("noise_draw1")[i]);
    }
  }
  torch::Tensor next() {
    if (queue.empty()) throw std::runtime_error("sampler drew more noise than the case stores");
    auto draw = queue.front();
    queue.pop_front();
    ++draws_per_step.back();
    return draw;
  }
};

std::vector<TensorCheck> check_schedule(const SafetensorsFile& f, const NoiseSchedule& schedule,
                                        const Sampler& sampler, int64_t steps) {
  std::vector<int64_t> timesteps, prev;
  for (int64_t i = 0; i < sampler.num_steps(); ++i) {
    timesteps.push_back(static_cast<int64_t>(sampler.timesteps()[i]));
    prev.push_back(schedule.prev_timestep(timesteps.back(), steps));
  }
  const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
  return {check_exact("timesteps", int64_tensor(timesteps), f.tensor("timesteps")),
          check_exact("prev_timesteps", int64_tensor(prev), f.tensor("prev_timesteps")),
          check_abs("alphas_cumprod", torch::tensor(schedule.alphas_cumprod(), opts),
                    f.tensor("alphas_cumprod"), kAlphaAbs),
          check_abs("betas", torch::tensor(schedule.betas(), opts), f.tensor("betas"), kAlphaAbs),
          check_abs("final_alpha_cumprod", torch::tensor({schedule.final_alpha_cumprod()}, opts),
                    f.tensor("final_alpha_cumprod"), kAlphaAbs)};
}

// Runs the stored model outputs from sample_in: (latents after each step, x0 of each step).
std::pair<torch::Tensor, torch::Tensor> replay(const SafetensorsFile& f, Sampler& sampler,
                                               StoredNoise* noise) {
  const auto model_outputs = f.tensor("model_outputs");
  auto x = f.tensor("sample_in");
  std::vector<torch::Tensor> latents, originals;
  for (int64_t i = 0; i < sampler.num_steps(); ++i) {
    if (noise) noise->draws_per_step.push_back(0);
    x = sampler.step(model_outputs[i], i, x);
    latents.push_back(x);
    originals.push_back(sampler.pred_original());
  }
  return {torch::stack(latents), torch::stack(originals)};
}

}  // namespace

std::vector<TensorCheck> run_scheduler_case(const GoldenCase& c) {
  const auto& f = *c.tensors;
  const auto config = SchedulerConfig::from_json(
      JsonConfig::load(c.model_dir / "scheduler" / "scheduler_config.json"));
  const NoiseSchedule schedule(config);
  const int64_t steps = f.entry("timesteps").shape.at(0);
  const std::string name = sampler_name(c);
  std::shared_ptr<StoredNoise> noise;
  NoiseFn noise_fn;
  if (name == "dpm") {
    noise = std::make_shared<StoredNoise>(f, steps);
    noise_fn = [noise](const torch::Tensor&) { return noise->next(); };
  }
  auto sampler = make_sampler(name, schedule, steps, noise_fn);
  auto checks = check_schedule(f, schedule, *sampler, steps);

  auto trajectory = replay(f, *sampler, noise.get());
  checks.push_back(check_rel("latents_after_step", trajectory.first, f.tensor("latents_after_step"),
                             kTrajectoryRel));
  checks.push_back(check_rel("pred_original_sample", trajectory.second,
                             f.tensor("pred_original_sample"), kTrajectoryRel));
  if (noise) {
    checks.push_back(check_exact("num_noise_draws", int64_tensor(noise->draws_per_step),
                                 f.tensor("num_noise_draws")));
  }
  return checks;
}

}  // namespace ditstream
