#pragma once
// Transformer throughput at a given size with random weights: seconds per sampler step (one
// CFG forward of batch 2), per window, and the achieved TFLOP/s against the device's measured
// dense matmul peak in the same dtype.

#include "core/model/cogvideox/transformer_config.h"
#include "core/stream/runtime_options.h"

#include <string>

namespace ditstream::bench {

// Matmul FLOPs of one forward of one sample: per block 24·N·d² (q, k, v, out and the 4d
// feed-forward) + 4·N²·d (scores and values), N = text + video tokens; embeddings, norms and
// the output projection are left out (< 1 %).
double forward_flops(const TransformerConfig& config);
// TFLOP/s of an n×n×n matmul in the runtime's dtype (median of `reps` after a warm-up).
double matmul_peak_tflops(const RuntimeOptions& runtime, int64_t n = 8192, int reps = 10);

struct ThroughputResult {
  double step_seconds = 0;  // median over reps
  double step_min = 0, step_max = 0;
  double window_seconds = 0;  // steps · step_seconds
  double achieved_tflops = 0;
  double peak_tflops = 0;
};
ThroughputResult measure_transformer(const TransformerConfig& config, const RuntimeOptions& runtime,
                                     int64_t steps, int reps);
std::string throughput_table(const TransformerConfig& config, const RuntimeOptions& runtime,
                             int64_t steps, const ThroughputResult& r);

}  // namespace ditstream::bench
