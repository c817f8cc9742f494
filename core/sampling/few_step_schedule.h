#pragma once
// The few-step schedule of causal Wan generators (Self-Forcing, CausVid, LongLive; reference
// §5.2–5.3): a short step list on the 1000-entry flow training table, x0 from the flow prediction
// and re-noising of x0 to the next step's sigma with fresh noise (not an ODE step).

#include <torch/types.h>

#include <vector>

namespace ditstream {

struct FewStepOptions {
  std::vector<double> steps = {1000, 750, 500, 250};  // a trailing 0 (CausVid) is dropped
  double shift = 5.0;
  bool warp = true;  // t_k = table[1000 - s_k] (Self-Forcing, LongLive); else t_k = s_k
};

struct FewStepSchedule {
  std::vector<double> timesteps;  // fed to the transformer; float32 values, never rounded
  std::vector<double> sigmas;     // the table entry nearest to each timestep (float32 values)
};

// σ_i = s·u / (1 + (s − 1)·u), u = linspace(1, 0, 1001)[:-1], all in float32 as the reference
// builds it (so some entries sit 1 ulp from the exact formula).
torch::Tensor flow_training_sigmas(double shift);

// Throws naming the field when a step is outside (0, 1000] or the list is empty.
FewStepSchedule few_step_schedule(const FewStepOptions& options);

// x − σ·v in float64, returned in x's dtype.
torch::Tensor x0_from_flow(const torch::Tensor& x, const torch::Tensor& v, double sigma);
// (1 − σ)·x0 + σ·eps in x0's dtype.
torch::Tensor renoise_to(const torch::Tensor& x0, const torch::Tensor& eps, double sigma);

}  // namespace ditstream
