#include "core/sampling/unipc_sampler.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ditstream {
namespace {

// The reference keeps sigmas in fp32 and derives every coefficient in fp32; from σ0 = 1 − 1e-6
// α0 = 1 − σ0 is 1.3% off its fp64 value, so the fp32 sigma must be the starting point.
float half_log_snr(float sigma) { return std::log(1.0f - sigma) - std::log(sigma); }

// b_i = h·φ_i(h)·i! / B(h), i = 1..order, with hh = −h (x0 prediction).
std::vector<float> phi_weights(float hh, float h_phi_1, float b_h, int64_t order) {
  std::vector<float> b;
  float h_phi_k = h_phi_1 / hh - 1.0f;
  int64_t factorial = 1;
  for (int64_t i = 1; i <= order; ++i) {
    b.push_back(h_phi_k * static_cast<float>(factorial) / b_h);
    factorial *= i + 1;
    h_phi_k = h_phi_k / hh - static_cast<float>(1.0 / static_cast<double>(factorial));
  }
  return b;
}

// R[i][k] = r_k^i over the first n rows and columns, row-major.
std::vector<float> power_matrix(const std::vector<float>& rks, int64_t n) {
  std::vector<float> r(static_cast<size_t>(n * n), 1.0f);
  for (int64_t i = 1; i < n; ++i)
    for (int64_t k = 0; k < n; ++k) r[i * n + k] = r[(i - 1) * n + k] * rks[k];
  return r;
}

// Solves R·ρ = b over the first n rows and columns, in fp32 like the reference.
std::vector<float> solve_rhos(const std::vector<float>& rks, const std::vector<float>& b,
                              int64_t n) {
  const auto lhs = torch::tensor(power_matrix(rks, n)).reshape({n, n});
  const auto rhs = torch::tensor(std::vector<float>(b.begin(), b.begin() + n));
  const auto rho = torch::linalg_solve(lhs, rhs).contiguous();
  return std::vector<float>(rho.data_ptr<float>(), rho.data_ptr<float>() + n);
}

torch::Tensor scaled(float coefficient, const torch::Tensor& x) {
  return ditstream::schedule_scalar(coefficient) * x;
}

}  // namespace

// One move from sigma index s0 to t; the older predictions sit at s0 − 1, s0 − 2, ...
struct UniPCSampler::Coefficients {
  float sigma_ratio = 0;    // σ_t / σ_s0
  float x0_scale = 0;       // α_t·(e^−h − 1)
  float history_scale = 0;  // α_t·B(h)
  std::vector<float> rks;   // r_k of the older predictions, then 1
  std::vector<float> b;
};

UniPCSampler::UniPCSampler(FlowSchedule schedule, UniPCOptions options)
    : Sampler(std::move(schedule.timesteps)),
      sigmas_(std::move(schedule.sigmas)),
      options_(std::move(options)) {
  if (options_.solver_order < 1) throw std::runtime_error("unipc: solver_order must be >= 1");
  if (!options_.lower_order_final && options_.solver_order > 1) {
    throw std::runtime_error("unipc: lower_order_final is required (sigma 0 makes h infinite)");
  }
  if (sigmas_.size() != timesteps().size() + 1) {
    throw std::runtime_error("unipc: the schedule needs one sigma per step plus the final one");
  }
}

VParametrisation UniPCSampler::parametrisation(int64_t step_index) const {
  return {1.0, sigmas_.at(static_cast<size_t>(step_index))};
}

NoiseLevel UniPCSampler::noise_level(int64_t step_index) const {
  const double sigma = sigmas_.at(static_cast<size_t>(step_index));
  return {1.0 - sigma, sigma};
}

UniPCSampler::Coefficients UniPCSampler::coefficients(int64_t s0, int64_t t, int64_t order) const {
  const float lambda_s0 = half_log_snr(sigmas_[s0]);
  const float h = half_log_snr(sigmas_[t]) - lambda_s0;
  Coefficients c;
  for (int64_t k = 1; k < order; ++k)
    c.rks.push_back((half_log_snr(sigmas_[s0 - k]) - lambda_s0) / h);
  c.rks.push_back(1.0f);
  const float hh = -h;
  const float h_phi_1 = std::expm1(hh);
  const float b_h = options_.variant == UniPCVariant::kBh1 ? hh : h_phi_1;
  c.b = phi_weights(hh, h_phi_1, b_h, order);
  const float alpha_t = 1.0f - sigmas_[t];
  c.sigma_ratio = sigmas_[t] / sigmas_[s0];
  c.x0_scale = alpha_t * h_phi_1;
  c.history_scale = alpha_t * b_h;
  return c;
}

// Σ_j ρ_j·(m_j − m0)/r_j over the older predictions; undefined when there are none.
torch::Tensor UniPCSampler::history_term(const Coefficients& c,
                                         const std::vector<float>& rhos) const {
  const auto& m0 = history_.back();
  torch::Tensor sum;
  for (size_t j = 0; j + 1 < c.rks.size(); ++j) {
    const auto& m = history_[history_.size() - 2 - j];
    const auto term = scaled(rhos[j], (m - m0) / ditstream::schedule_scalar(c.rks[j]));
    sum = sum.defined() ? sum + term : term;
  }
  return sum;
}

torch::Tensor UniPCSampler::predict(int64_t step_index, const torch::Tensor& sample,
                                    int64_t order) const {
  const auto c = coefficients(step_index, step_index + 1, order);
  auto x = scaled(c.sigma_ratio, sample) - scaled(c.x0_scale, history_.back());
  // Order 1 has no residual term. The reference still adds α_t·B(h)·0, which is NaN for bh1 on
  // the last step (σ = 0 makes B(h) = h infinite); this port returns x0 there.
  if (order > 1) {
    const auto rhos = order == 2 ? std::vector<float>{0.5f} : solve_rhos(c.rks, c.b, order - 1);
    x = x - scaled(c.history_scale, history_term(c, rhos));
  }
  return x.to(sample.scalar_type());
}

// Runs before x0 joins the history: history_.back() is the previous step's prediction.
torch::Tensor UniPCSampler::correct(int64_t step_index, const torch::Tensor& x0) const {
  const auto c = coefficients(step_index - 1, step_index, order_);
  const auto& m0 = history_.back();
  const auto rhos = order_ == 1 ? std::vector<float>{0.5f} : solve_rhos(c.rks, c.b, order_);
  auto update = scaled(rhos.back(), x0 - m0);
  const auto older = history_term(c, rhos);
  if (older.defined()) update = older + update;
  const auto x = scaled(c.sigma_ratio, last_sample_) - scaled(c.x0_scale, m0) -
                 scaled(c.history_scale, update);
  return x.to(last_sample_.scalar_type());
}

bool UniPCSampler::corrects(int64_t step_index) const {
  const auto& off = options_.disable_corrector;
  return step_index > 0 && last_sample_.defined() &&
         std::find(off.begin(), off.end(), step_index - 1) == off.end();
}

int64_t UniPCSampler::next_order(int64_t step_index) const {
  const int64_t order = options_.lower_order_final
                            ? std::min(options_.solver_order, num_steps() - step_index)
                            : options_.solver_order;
  return std::min(order, warm_steps_ + 1);
}

torch::Tensor UniPCSampler::do_step(const torch::Tensor& model_output, int64_t step_index,
                                    const torch::Tensor& sample) {
  pred_original_ = sample - scaled(sigmas_[step_index], model_output);
  corrected_ = corrects(step_index) ? correct(step_index, pred_original_) : sample;
  history_.push_back(pred_original_);
  if (static_cast<int64_t>(history_.size()) > options_.solver_order) history_.pop_front();
  order_ = next_order(step_index);
  last_sample_ = corrected_;
  warm_steps_ = std::min(warm_steps_ + 1, options_.solver_order);
  return predict(step_index, corrected_, order_);
}

void UniPCSampler::do_reset() {
  history_.clear();
  last_sample_ = torch::Tensor();
  corrected_ = torch::Tensor();
  warm_steps_ = 0;
  order_ = 0;
}

}  // namespace ditstream
