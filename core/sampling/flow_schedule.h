#pragma once
// Flow-matching schedules as Wan2.1 samples with them (wan-causal-streaming §4): sigma tables of
// diffusers' UniPCMultistepScheduler (use_flow_sigmas) and FlowMatchEulerDiscreteScheduler, and
// the scheduler/scheduler_config.json that picks one. x_σ = (1 − σ)·x0 + σ·ε, v = ε − x0.

#include "core/io/json_config.h"
#include "core/sampling/sampler.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

struct FlowSchedule {
  std::vector<float> sigmas;      // one per step, then the final 0
  std::vector<double> timesteps;  // what the model is fed at each step
};

// s·σ / (1 + (s − 1)·σ)
double shifted_sigma(double sigma, double shift);

// UniPC flavour: σ = shift(linspace(1, 1/T, N+1)[:-1]) in fp64, σ0 −= 1e-6 when it is 1, model
// t = trunc(1000·σ) before the fp32 cast.
FlowSchedule unipc_flow_schedule(int64_t num_steps, double shift, int64_t num_train_timesteps);
// Euler flavour: σ = shift(linspace(1, shift(1/T), N)), the low end shifted twice (diffusers
// quirk), fp32 sigmas and t = fp32(σ·T).
FlowSchedule euler_flow_schedule(int64_t num_steps, double shift, int64_t num_train_timesteps);

enum class UniPCVariant { kBh1, kBh2 };  // B(h) = h or e^h − 1

struct UniPCOptions {
  int64_t solver_order = 2;
  UniPCVariant variant = UniPCVariant::kBh2;
  bool lower_order_final = true;
  // Entry k: the sample that step k predicts is not corrected (diffusers' disable_corrector).
  std::vector<int64_t> disable_corrector;
};

struct FlowSchedulerConfig {
  std::string class_name = "UniPCMultistepScheduler";  // or "FlowMatchEulerDiscreteScheduler"
  double shift = 1.0;                                  // `flow_shift` (UniPC) or `shift` (Euler)
  int64_t num_train_timesteps = 1000;
  UniPCOptions unipc;  // UniPC only; the defaults otherwise

  // Absent keys take diffusers' constructor defaults; unsupported settings throw naming the field.
  static FlowSchedulerConfig from_json(const JsonConfig& json);
  static FlowSchedulerConfig load(const std::filesystem::path& scheduler_dir);
  bool is_unipc() const { return class_name == "UniPCMultistepScheduler"; }
};

// name: "unipc" | "euler"; either works with either config class (the shift is the config's).
std::unique_ptr<Sampler> make_flow_sampler(const std::string& name,
                                           const FlowSchedulerConfig& config, int64_t num_steps);

}  // namespace ditstream
