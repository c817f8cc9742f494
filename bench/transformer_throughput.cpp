#include "bench/transformer_throughput.h"

#include "bench/bench_report.h"
#include "core/model/attention_control.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/wan/transformer.h"
#include "core/stream/stage_times.h"

#include <torch/torch.h>

#include <cstdio>
#include <functional>

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

TransformerConfig cogvideox_config(const TransformerSize& s) {
  TransformerConfig c;
  c.num_layers = s.layers;
  c.num_attention_heads = s.heads;
  c.attention_head_dim = s.head_dim;
  c.sample_height = s.latent_height;
  c.sample_width = s.latent_width;
  c.sample_frames = (s.latent_frames - 1) * c.temporal_compression_ratio + 1;
  c.max_text_seq_length = s.text_length;
  return c;
}

WanTransformerConfig wan_config(const TransformerSize& s) {
  WanTransformerConfig c;
  c.num_layers = s.layers;
  c.num_attention_heads = s.heads;
  c.attention_head_dim = s.head_dim;
  c.ffn_dim = s.ffn_dim;
  c.freq_dim = 256;
  return c;
}

// One CFG step's forward (batch 2) of a random-weight model of the given size.
std::function<torch::Tensor()> cfg_forward(const TransformerSize& s, const RuntimeOptions& rt) {
  const auto opts = rt.tensor_options();
  if (s.family == "wan") {
    auto model = std::make_shared<WanTransformer3DModel>(wan_config(s), opts);
    randomise(*model);
    const auto x = torch::randn({2, 16, s.latent_frames, s.latent_height, s.latent_width}, opts);
    const auto text = torch::randn({2, s.text_length, model->config().text_dim}, opts);
    const auto t = torch::full({2}, 500.0, torch::dtype(torch::kFloat).device(rt.device));
    return [model, x, text, t] { return model->forward(x, t, text); };
  }
  const auto config = cogvideox_config(s);
  auto model = std::make_shared<CogVideoXTransformer3DModel>(config, opts);
  randomise(*model);
  const auto x = torch::randn({2, s.latent_frames, 16, s.latent_height, s.latent_width}, opts);
  const auto text = torch::randn({2, s.text_length, config.text_embed_dim}, opts);
  const auto t = torch::full({2}, 500, torch::dtype(torch::kLong).device(rt.device));
  return [model, x, text, t] { return model->forward(x, text, t, {}); };
}

}  // namespace

TransformerSize TransformerSize::cogvideox_2b() { return {}; }

TransformerSize TransformerSize::wan_1_3b() {
  TransformerSize s;
  s.family = "wan";
  s.layers = 30;
  s.heads = 12;
  s.head_dim = 128;
  s.ffn_dim = 8960;
  s.latent_frames = 21;
  s.latent_height = 60;
  s.latent_width = 104;
  s.text_length = 512;
  return s;
}

double forward_flops(const TransformerSize& s) {
  const double d = static_cast<double>(s.heads * s.head_dim), v = s.video_tokens(),
               t = s.text_length;
  if (s.family == "wan") {
    const double self = 8 * v * d * d + 4 * v * v * d;
    const double cross = 4 * v * d * d + 4 * t * d * d + 4 * v * t * d;
    return static_cast<double>(s.layers) * (self + cross + 4 * v * d * s.ffn_dim);
  }
  const double n = v + t;
  return static_cast<double>(s.layers) * (24.0 * n * d * d + 4.0 * n * n * d);
}

double matmul_peak_tflops(const RuntimeOptions& runtime, int64_t n, int reps) {
  torch::NoGradGuard no_grad;
  const auto a = torch::randn({n, n}, runtime.tensor_options());
  const auto b = torch::randn({n, n}, runtime.tensor_options());
  const auto t = time_reps(runtime, reps, [&] { return torch::matmul(a, b); });
  return 2.0 * static_cast<double>(n) * n * n / t.median / 1e12;
}

ThroughputResult measure_transformer(const TransformerSize& size, const RuntimeOptions& runtime,
                                     int64_t steps, int reps) {
  torch::NoGradGuard no_grad;
  const auto forward = cfg_forward(size, runtime);
  const auto step = time_reps(runtime, reps, forward);
  ThroughputResult r;
  r.step_seconds = step.median;
  r.step_min = step.min;
  r.step_max = step.max;
  r.window_seconds = static_cast<double>(steps) * step.median;
  r.achieved_tflops = 2.0 * forward_flops(size) / step.median / 1e12;
  r.peak_tflops = matmul_peak_tflops(runtime, runtime.device.is_cuda() ? 8192 : 1024);
  return r;
}

std::string throughput_table(const TransformerSize& s, const RuntimeOptions& runtime, int64_t steps,
                             const ThroughputResult& r) {
  char line[640];
  std::snprintf(line, sizeof line,
                "%s transformer %lld layers × %lld heads × %lld, %lld latent frames of %lld×%lld, "
                "%s %s\n\n| s/step (CFG batch 2) median (min–max) | s/window (%lld steps) | "
                "TFLOP/step | achieved TFLOP/s | matmul peak TFLOP/s | of peak |\n"
                "|---|---|---|---|---|---|\n| %.3f (%.3f–%.3f) | %.1f | %.3g | %.3g | %.3g | "
                "%.0f %% |\n",
                s.family.c_str(), static_cast<long long>(s.layers), static_cast<long long>(s.heads),
                static_cast<long long>(s.head_dim), static_cast<long long>(s.latent_frames),
                static_cast<long long>(s.latent_height), static_cast<long long>(s.latent_width),
                runtime.device.str().c_str(), dtype_name(runtime.dtype).c_str(),
                static_cast<long long>(steps), r.step_seconds, r.step_min, r.step_max,
                r.window_seconds, 2.0 * forward_flops(s) / 1e12, r.achieved_tflops, r.peak_tflops,
                100.0 * r.achieved_tflops / r.peak_tflops);
  return line;
}

}  // namespace ditstream::bench
