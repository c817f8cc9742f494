#pragma once
// UniPCMultistepScheduler as Wan2.1 uses it (wan-causal-streaming §4): flow sigmas,
// flow_prediction converted to x0, predict_x0, B(h) bh2 or bh1, multistep UniP predictor with the
// UniC corrector from step 1 on, warm-up and lower_order_final. Deterministic.

#include "core/sampling/flow_schedule.h"
#include "core/sampling/sampler.h"

#include <deque>
#include <vector>

namespace ditstream {

class UniPCSampler : public Sampler {
 public:
  UniPCSampler(FlowSchedule schedule, UniPCOptions options);

  const std::vector<float>& sigmas() const { return sigmas_; }
  VParametrisation parametrisation(int64_t step_index) const override;
  NoiseLevel noise_level(int64_t step_index) const override;

  // Of the last step: the sample after the corrector (its input where none ran) and the order
  // of its predictor.
  torch::Tensor corrected_sample() const { return corrected_; }
  int64_t predictor_order() const { return order_; }

 private:
  struct Coefficients;

  torch::Tensor do_step(const torch::Tensor& model_output, int64_t step_index,
                        const torch::Tensor& sample) override;
  void do_reset() override;

  Coefficients coefficients(int64_t s0, int64_t t, int64_t order) const;
  torch::Tensor history_term(const Coefficients& c, const std::vector<float>& rhos) const;
  torch::Tensor predict(int64_t step_index, const torch::Tensor& sample, int64_t order) const;
  torch::Tensor correct(int64_t step_index, const torch::Tensor& x0) const;
  bool corrects(int64_t step_index) const;
  int64_t next_order(int64_t step_index) const;

  std::vector<float> sigmas_;
  UniPCOptions options_;
  std::deque<torch::Tensor> history_;  // x0 predictions of the latest steps, newest last
  torch::Tensor last_sample_;          // the last predictor's input
  torch::Tensor corrected_;
  int64_t warm_steps_ = 0;  // diffusers' lower_order_nums
  int64_t order_ = 0;
};

}  // namespace ditstream
