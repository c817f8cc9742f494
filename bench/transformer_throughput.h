#pragma once
// Transformer throughput at a given size with random weights, for either family: seconds per
// sampler step (one CFG forward of batch 2), per window, and the achieved TFLOP/s against the
// device's measured dense matmul peak in the same dtype.

#include "core/stream/runtime_options.h"

#include <cstdint>
#include <string>

namespace ditstream::bench {

struct TransformerSize {
  std::string family = "cogvideox";  // or "wan"
  int64_t layers = 30, heads = 30, head_dim = 64;
  int64_t ffn_dim = 0;  // Wan only (CogVideoX's feed-forward is 4 d)
  int64_t latent_frames = 13, latent_height = 60, latent_width = 90;
  int64_t text_length = 226;

  static TransformerSize cogvideox_2b();
  static TransformerSize wan_1_3b();  // 832x480, 81 frames
  int64_t video_tokens() const { return latent_frames * (latent_height / 2) * (latent_width / 2); }
};

// Matmul FLOPs of one forward of one sample; embeddings, norms and the output projection are left
// out (< 1 %). CogVideoX per block: 24·N·d² + 4·N²·d over N = text + video tokens (joint
// attention, 4d feed-forward). Wan per block: self-attention 8·V·d² + 4·V²·d, cross-attention
// 4·V·d² + 4·T·d² + 4·V·T·d, feed-forward 4·V·d·F (V video, T = 512 text tokens).
double forward_flops(const TransformerSize& size);
// TFLOP/s of an n×n×n matmul in the runtime's dtype (median of `reps` after a warm-up).
double matmul_peak_tflops(const RuntimeOptions& runtime, int64_t n = 8192, int reps = 10);

struct ThroughputResult {
  double step_seconds = 0;  // median over reps
  double step_min = 0, step_max = 0;
  double window_seconds = 0;  // steps · step_seconds
  double achieved_tflops = 0;
  double peak_tflops = 0;
};
ThroughputResult measure_transformer(const TransformerSize& size, const RuntimeOptions& runtime,
                                     int64_t steps, int reps);
std::string throughput_table(const TransformerSize& size, const RuntimeOptions& runtime,
                             int64_t steps, const ThroughputResult& r);

}  // namespace ditstream::bench
