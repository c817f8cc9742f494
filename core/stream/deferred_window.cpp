#include "core/stream/deferred_window.h"

#include "core/control/latent_blending.h"
#include "core/control/step_cache.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace ditstream {
namespace {

// values[begin, begin + count) as a per-frame column (1, count, 1, 1, 1) in fp32.
torch::Tensor frame_column(const std::vector<double>& values, int64_t begin, int64_t count,
                           const torch::Tensor& like) {
  const std::vector<double> part(values.begin() + begin, values.begin() + begin + count);
  return torch::tensor(part, torch::kDouble)
      .to(like.device(), torch::kFloat)
      .view({1, -1, 1, 1, 1});
}

void check_previous(const ProvisionalFrames& p, int64_t overlap, int64_t steps) {
  const auto n = static_cast<size_t>(steps);
  if (p.noise.size(1) != overlap || p.fixed.size() != n || p.plain.size() != n ||
      p.committed.size() != n || static_cast<int64_t>(p.fixed_weight.size()) != overlap)
    throw std::runtime_error("denoise_deferred: the provisional frames do not match overlap " +
                             std::to_string(overlap) + " and " + std::to_string(steps) + " steps");
}

// The per-step work of one run: evaluates the passes, blends, and records for the next run.
class DeferredBlend {
 public:
  DeferredBlend(const GuidedDenoiser& denoiser, const Sampler& sampler, const WindowInput& window,
                int64_t overlap, const ProvisionalFrames* previous, const SubjectTokens* subjects,
                StageTimes* times)
      : denoiser_(denoiser),
        sampler_(sampler),
        window_(window),
        previous_(previous),
        subjects_(subjects),
        times_(times),
        frames_(window.latents.size(1)),
        overlap_(overlap),
        stride_(frames_ - overlap),
        w_(blend_weights(frames_)),
        w_head_(frame_column(w_, 0, overlap_, window.latents)),
        w_tail_(frame_column(w_, stride_, overlap_, window.latents)) {
    if (previous_) carried_weight_ = carried_weight_column(window.latents);
    next_.cond = window.cond;
    next_.uncond = window.uncond;
    next_.noise = window.latents.narrow(1, stride_, overlap_).clone();
    next_.fixed_weight = next_fixed_weights();
  }

  // The blended model output at state x of step `step`.
  torch::Tensor predict(const torch::Tensor& x, double t, int64_t step) {
    const int64_t steps = sampler_.num_steps();
    const auto* anchor = anchor_ ? anchor_->at(step, t) : nullptr;
    const WindowInput target{x, window_.cond, window_.uncond, anchor};
    if (!previous_ || !gated(step)) {
      const auto plain = denoiser_.predict(target, t, step, steps, cache_.get());
      if (previous_) return blend(x, step, plain, plain, {});
      const auto moved = steered(plain, x, step, {});
      record(x, step, moved, moved, {});
      return moved;
    }
    const WindowInput past{torch::cat({previous_->committed.at(step), head(x)}, 1), previous_->cond,
                           previous_->uncond, anchor};
    const auto passes = time_stage(times_, Stage::KvSharing, [&] {
      return denoiser_.predict_gated(past, target, t, step, steps, subjects_, gated_cache_.get());
    });
    return blend(x, step, passes.plain, passes.shared, passes.source.narrow(1, stride_, overlap_));
  }

  ProvisionalFrames take() { return std::move(next_); }
  void use(const DeferredControls& controls) {
    if (controls.step_cache > 0.0) {
      cache_ = std::make_unique<FirstBlockCache>(controls.step_cache);
      gated_cache_ = std::make_unique<FirstBlockCache>(controls.step_cache);
    }
    anchor_ = controls.anchor;
    seam_ = controls.seam;
    motion_ = controls.motion;
  }

 private:
  // `source`: Pl_{n-1} on the provisional frames when evaluated afresh (undefined otherwise).
  torch::Tensor blend(const torch::Tensor& x, int64_t step, const torch::Tensor& plain,
                      const torch::Tensor& shared, const torch::Tensor& source) {
    return time_stage(times_, Stage::Blending, [&] {
      const auto carried = carried_sum(x, step, source);
      const auto blended_head = blend_head(x, step, plain, shared, carried);
      const auto moved_plain = steered(plain, x, step, blended_head);
      const auto moved_shared = steered(shared, x, step, blended_head);
      auto out = (moved_plain + moved_shared) / 2;
      head(out).copy_(blended_head);
      record(x, step, moved_plain, moved_shared, carried);
      return out;
    });
  }

  // Motion control at its steps: the pass's frames from 1 on become frame 0 moved
  // (latent_motion.h), frame 0 being the blended provisional one (`head_v`, a model output on
  // frames [0, O)), which the carried passes of the previous run dominate, or the pass's own
  // without a previous run. Both passes and what is recorded for the next run carry the motion.
  torch::Tensor steered(const torch::Tensor& v, const torch::Tensor& x, int64_t step,
                        const torch::Tensor& head_v) const {
    if (!motion_.moves() || !motion_.steers(step, sampler_.num_steps())) return v;
    const int64_t moved = frames_ - 1;
    const auto x0 = sampler_.to_x0(v, step, x);
    const auto reference = head_v.defined() && overlap_ > 0
                               ? sampler_.to_x0(head_v, step, head(x)).select(1, 0)
                               : x0.select(1, 0);
    const auto steered_x0 = steer_x0(x0, 1, motion_, reference).narrow(1, 1, moved);
    auto out = v.clone();
    out.narrow(1, 1, moved)
        .copy_(sampler_.to_model_output(steered_x0, step, x.narrow(1, 1, moved)));
    return out;
  }

  bool gated(int64_t step) const {
    const auto& gate = denoiser_.sharing().gate;
    return !gate.empty() && gate.has_step(step);
  }
  torch::Tensor head(const torch::Tensor& x) const { return x.narrow(1, 0, overlap_); }
  torch::Tensor tail(const torch::Tensor& x) const { return x.narrow(1, stride_, overlap_); }
  torch::Tensor x0(const torch::Tensor& v, int64_t step, const torch::Tensor& at) const {
    return sampler_.to_x0(v, step, at);
  }

  // Σ weight·x0 on frames [0, O) of every pass that is not this window's.
  torch::Tensor carried_sum(const torch::Tensor& x, int64_t step,
                            const torch::Tensor& source) const {
    const auto source_sum =
        source.defined() ? w_tail_ * x0(source, step, head(x)) : previous_->plain.at(step);
    return previous_->fixed.at(step) + source_sum;
  }

  torch::Tensor blend_head(const torch::Tensor& x, int64_t step, const torch::Tensor& plain,
                           const torch::Tensor& shared, const torch::Tensor& carried) const {
    const auto own = x0(head(plain), step, head(x)) + x0(head(shared), step, head(x));
    const auto blended = seam_ ? split_at_seam(own / 2, carried / carried_weight_, step)
                               : (w_head_ * own + carried) / (2 * w_head_ + carried_weight_);
    return sampler_.to_model_output(blended, step, head(x));
  }

  // Frames [0, r) from `carried`, [r, O) from `own`.
  torch::Tensor split_at_seam(const torch::Tensor& own, const torch::Tensor& carried,
                              int64_t step) const {
    const int64_t r = seam_(step);
    if (r < 0 || r > overlap_)
      throw std::runtime_error("denoise_deferred: seam " + std::to_string(r) + " outside [0, " +
                               std::to_string(overlap_) + "]");
    return torch::cat({carried.narrow(1, 0, r), own.narrow(1, r, overlap_ - r)}, 1);
  }

  // Frames [S, T) become the next run's frames [0, O): Sh_n and, where they cover those frames,
  // the passes carried into this run will not run again; Pl_n will, as the next run's source.
  void record(const torch::Tensor& x, int64_t step, const torch::Tensor& plain,
              const torch::Tensor& shared, const torch::Tensor& carried) {
    auto fixed = previous_ ? w_tail_ * x0(tail(shared), step, tail(x))
                           : torch::zeros_like(tail(x), torch::kFloat);
    const int64_t kept = overlap_ - stride_;  // frames carried sums still cover
    if (previous_ && kept > 0) fixed.narrow(1, 0, kept) += carried.narrow(1, stride_, kept);
    next_.fixed.push_back(fixed);
    next_.plain.push_back(w_tail_ * x0(tail(plain), step, tail(x)));
    next_.committed.push_back(gated(step) ? x.narrow(1, 0, stride_).clone() : torch::Tensor());
  }

  // Per provisional frame, the weight of everything carried in: the fixed sums and the source's
  // plain pass (w[S + j]).
  torch::Tensor carried_weight_column(const torch::Tensor& like) const {
    std::vector<double> weight(previous_->fixed_weight);
    for (int64_t j = 0; j < overlap_; ++j) weight[j] += w_[stride_ + j];
    return frame_column(weight, 0, overlap_, like);
  }

  std::vector<double> next_fixed_weights() const {
    std::vector<double> out(static_cast<size_t>(overlap_), 0.0);
    if (!previous_) return out;
    for (int64_t j = 0; j < overlap_; ++j) {
      const int64_t local = stride_ + j;
      out[j] = w_[local];
      if (local < overlap_) out[j] += previous_->fixed_weight[local] + w_[stride_ + local];
    }
    return out;
  }

  const GuidedDenoiser& denoiser_;
  const Sampler& sampler_;
  const WindowInput& window_;
  const ProvisionalFrames* previous_;
  const SubjectTokens* subjects_;
  StageTimes* times_;
  int64_t frames_, overlap_, stride_;
  std::vector<double> w_;
  torch::Tensor w_head_, w_tail_;  // w[0, O) and w[S, T) as per-frame columns
  torch::Tensor carried_weight_;   // with a previous run
  ProvisionalFrames next_;
  std::unique_ptr<FirstBlockCache> cache_, gated_cache_;  // one per batch layout
  AnchorSteps* anchor_ = nullptr;
  std::function<int64_t(int64_t)> seam_;
  LatentMotion motion_;
};

}  // namespace

void move_provisional(ProvisionalFrames& frames, const std::array<int64_t, 2>& offset) {
  frames.noise = moved_by_pixels(frames.noise, offset);
  for (auto* steps : {&frames.fixed, &frames.plain, &frames.committed})
    for (auto& t : *steps) t = moved_by_pixels(t, offset);
}

DeferredWindow denoise_deferred(const GuidedDenoiser& denoiser, Sampler& sampler,
                                const WindowInput& window, int64_t overlap,
                                const ProvisionalFrames* previous, const SubjectTokens* subjects,
                                const WindowCallbacks& callbacks,
                                const DeferredControls& controls) {
  torch::NoGradGuard no_grad;
  const int64_t frames = window.latents.size(1), n = sampler.num_steps();
  if (overlap < 0 || overlap >= frames)
    throw std::runtime_error("denoise_deferred: overlap " + std::to_string(overlap) +
                             " outside [0, " + std::to_string(frames) + ")");
  WindowInput start = window;
  if (previous) {
    check_previous(*previous, overlap, n);
    start.latents =
        torch::cat({previous->noise, window.latents.narrow(1, overlap, frames - overlap)}, 1);
  }
  DeferredBlend blend(denoiser, sampler, start, overlap, previous, subjects, callbacks.times);
  blend.use(controls);
  const auto dtype = start.latents.scalar_type();
  auto x = start.latents;
  sampler.reset();
  for (int64_t i = 0; i < n; ++i) {
    if (callbacks.cancelled && callbacks.cancelled()) throw SamplingCancelled(i);
    const auto v = blend.predict(x, sampler.timesteps()[static_cast<size_t>(i)], i);
    x = sampler.step(v, i, x).to(dtype);
    if (callbacks.on_step) callbacks.on_step(i, n);
  }
  return {x, blend.take()};
}

}  // namespace ditstream
