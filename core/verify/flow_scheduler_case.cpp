// scheduler_{unipc,euler}_<N>steps cases of a Wan folder: sigma/timestep tables and a replayed
// trajectory (cases/README.md). UniPC is the folder's scheduler; Euler is built with shift 3.0.

#include "core/sampling/flow_euler_sampler.h"
#include "core/sampling/flow_schedule.h"
#include "core/sampling/unipc_sampler.h"
#include "core/verify/wan_cases.h"

#include <torch/torch.h>

#include <functional>
#include <stdexcept>

namespace ditstream {
namespace {

constexpr double kSigmaAbs = 1e-7;
constexpr double kEulerTimestepAbs = 1e-4;
constexpr double kUniPCRel = 1e-5;
constexpr double kEulerRel = 1e-6;
constexpr double kEulerShift = 3.0;

bool has_prefix(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0;
}

torch::Tensor as_tensor(const std::vector<double>& values) {
  return torch::tensor(values, torch::kFloat64);
}

torch::Tensor as_tensor(const std::vector<float>& values) { return torch::tensor(values); }

// Feeds model_outputs from sample_in; after_step runs once per step. Returns the stacked latents.
torch::Tensor replay(const GoldenCase& c, Sampler& sampler,
                     const std::function<void()>& after_step) {
  const auto outputs = c.input("model_outputs");
  auto x = c.input("sample_in");
  std::vector<torch::Tensor> latents;
  for (int64_t i = 0; i < sampler.num_steps(); ++i) {
    x = sampler.step(outputs[i], i, x);
    latents.push_back(x);
    after_step();
  }
  return torch::stack(latents);
}

std::vector<TensorCheck> unipc_trajectory(const GoldenCase& c, UniPCSampler& sampler) {
  std::vector<torch::Tensor> x0, corrected;
  std::vector<int64_t> orders;
  const auto latents = replay(c, sampler, [&] {
    x0.push_back(sampler.pred_original());
    corrected.push_back(sampler.corrected_sample());
    orders.push_back(sampler.predictor_order());
  });
  const auto& f = *c.tensors;
  return {ditstream::check_rel("latents_after_step", latents, f.tensor("latents_after_step"),
                               kUniPCRel),
          ditstream::check_rel("x0_pred", torch::stack(x0), f.tensor("x0_pred"), kUniPCRel),
          ditstream::check_rel("corrected_sample", torch::stack(corrected),
                               f.tensor("corrected_sample"), kUniPCRel),
          ditstream::check_exact("predictor_order", torch::tensor(orders, torch::kInt64),
                                 f.tensor("predictor_order"))};
}

std::vector<TensorCheck> run_unipc(const GoldenCase& c, int64_t steps) {
  const auto config = FlowSchedulerConfig::load(c.model_dir / "scheduler");
  UniPCSampler sampler(unipc_flow_schedule(steps, config.shift, config.num_train_timesteps),
                       config.unipc);
  const auto& f = *c.tensors;
  // Compared as fp64 so that a fractional port timestep cannot truncate into a match.
  std::vector<TensorCheck> checks = {
      ditstream::check_exact("timesteps", as_tensor(sampler.timesteps()),
                             f.tensor("timesteps").to(torch::kFloat64)),
      ditstream::check_abs("sigmas", as_tensor(sampler.sigmas()), f.tensor("sigmas"), kSigmaAbs)};
  if (!f.contains("model_outputs")) return checks;
  for (auto& check : unipc_trajectory(c, sampler)) checks.push_back(std::move(check));
  return checks;
}

std::vector<TensorCheck> run_euler(const GoldenCase& c, int64_t steps) {
  FlowEulerSampler sampler(euler_flow_schedule(steps, kEulerShift, 1000));
  const auto& f = *c.tensors;
  std::vector<TensorCheck> checks = {
      ditstream::check_abs("timesteps", as_tensor(sampler.timesteps()), f.tensor("timesteps"),
                           kEulerTimestepAbs),
      ditstream::check_abs("sigmas", as_tensor(sampler.sigmas()), f.tensor("sigmas"), kSigmaAbs)};
  if (!f.contains("model_outputs")) return checks;
  const auto latents = replay(c, sampler, [] {});
  checks.push_back(ditstream::check_rel("latents_after_step", latents,
                                        f.tensor("latents_after_step"), kEulerRel));
  return checks;
}

}  // namespace

std::vector<TensorCheck> run_flow_scheduler_case(const GoldenCase& c) {
  const int64_t steps = c.tensors->entry("timesteps").shape.at(0);
  if (has_prefix(c.name, "scheduler_unipc_")) return run_unipc(c, steps);
  if (has_prefix(c.name, "scheduler_euler_")) return run_euler(c, steps);
  throw std::runtime_error(c.file.string() +
                           ": not a flow scheduler case (expected scheduler_unipc_* or "
                           "scheduler_euler_*)");
}

}  // namespace ditstream
