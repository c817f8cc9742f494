#include "bench/transformer_throughput.h"

#include "bench/bench_report.h"
#include "core/model/attention_control.h"
#include "core/model/cogvideox/transformer.h"
#include "core/stream/stage_times.h"

#include <torch/torch.h>

#include <cstdio>
#include <sstream>

namespace ditstream::bench {
namespace {

// Small random weights keep bf16/fp16 activations finite.
void randomise(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) p.normal_(0.0, 0.02);
}

// Median seconds of `reps` calls of `work` after one warm-up, synchronising a CUDA device.
template <typename F>
Spread time_reps(const RuntimeOptions& runtime, int reps, F&& work) {
  StageTimes clock(runtime.device);
  work();
  std::vector<double> seconds;
  for (int i = 0; i < reps; ++i) {
    clock.clear();
    clock.time(Stage::Denoise, work);
    seconds.push_back(clock.seconds(Stage::Denoise));
  }
  return spread(seconds);
}

}  // namespace

double forward_flops(const TransformerConfig& c) {
  const double tokens =
      static_cast<double>(c.max_text_seq_length + c.latent_frames() * c.tokens_per_frame());
  const double d = static_cast<double>(c.inner_dim());
  return static_cast<double>(c.num_layers) * (24.0 * tokens * d * d + 4.0 * tokens * tokens * d);
}

double matmul_peak_tflops(const RuntimeOptions& runtime, int64_t n, int reps) {
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({n, n}, runtime.tensor_options());
  const auto b = torch::randn({n, n}, runtime.tensor_options());
  const auto t = time_reps(runtime, reps, [&] { return torch::matmul(a, b); });
  return 2.0 * static_cast<double>(n) * n * n / t.median / 1e12;
}

ThroughputResult measure_transformer(const TransformerConfig& config, const RuntimeOptions& runtime,
                                     int64_t steps, int reps) {
  torch::NoGradGuard no_grad;
  CogVideoXTransformer3DModel model(config, runtime.tensor_options());
  randomise(model);
  const auto x = torch::randn(
      {2, config.latent_frames(), config.in_channels, config.sample_height, config.sample_width},
      runtime.tensor_options());
  const auto text = torch::randn({2, config.max_text_seq_length, config.text_embed_dim},
                                 runtime.tensor_options());
  const auto t = torch::full({2}, 500, torch::dtype(torch::kLong).device(runtime.device));
  const auto step = time_reps(runtime, reps, [&] { return model.forward(x, text, t, {}); });
  ThroughputResult r;
  r.step_seconds = step.median;
  r.step_min = step.min;
  r.step_max = step.max;
  r.window_seconds = static_cast<double>(steps) * step.median;
  r.achieved_tflops = 2.0 * forward_flops(config) / step.median / 1e12;
  r.peak_tflops = matmul_peak_tflops(runtime, runtime.device.is_cuda() ? 8192 : 1024);
  return r;
}

std::string throughput_table(const TransformerConfig& c, const RuntimeOptions& runtime,
                             int64_t steps, const ThroughputResult& r) {
  char line[512];
  std::snprintf(line, sizeof line,
                "transformer %lld layers × %lld heads × %lld, %lld latent frames of %lld×%lld, "
                "%s %s\n\n| s/step (CFG batch 2) median (min–max) | s/window (%lld steps) | "
                "TFLOP/step | achieved TFLOP/s | matmul peak TFLOP/s | of peak |\n"
                "|---|---|---|---|---|---|\n| %.3f (%.3f–%.3f) | %.1f | %.3g | %.3g | %.3g | "
                "%.0f %% |\n",
                static_cast<long long>(c.num_layers), static_cast<long long>(c.num_attention_heads),
                static_cast<long long>(c.attention_head_dim),
                static_cast<long long>(c.latent_frames()), static_cast<long long>(c.sample_height),
                static_cast<long long>(c.sample_width), runtime.device.str().c_str(),
                dtype_name(runtime.dtype).c_str(), static_cast<long long>(steps), r.step_seconds,
                r.step_min, r.step_max, r.window_seconds, 2.0 * forward_flops(c) / 1e12,
                r.achieved_tflops, r.peak_tflops, 100.0 * r.achieved_tflops / r.peak_tflops);
  return line;
}

}  // namespace ditstream::bench
