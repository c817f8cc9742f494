#pragma once
// Positional signals of CogVideoXTransformer3DModel: the timestep sinusoid, the 3D sincos table
// (CogVideoX-2B) and the 3D rotary tables (CogVideoX-5B style). Each reproduces diffusers' dtype
// steps exactly; tables are recomputed for any latent size.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

// get_timestep_embedding: (B) -> (B, dim) float32; cos first when flip_sin_to_cos.
torch::Tensor timestep_sinusoid(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                double freq_shift);

// get_3d_sincos_pos_embed for frames x rows x cols tokens: (frames*rows*cols, dim) float64, row
// layout [t (dim/4) | w (3dim/8) | h (3dim/8)], sin before cos in each part, token order (f, h, w).
torch::Tensor sincos_table_3d(int64_t dim, int64_t frames, int64_t rows, int64_t cols,
                              double spatial_interpolation_scale,
                              double temporal_interpolation_scale);

struct RotaryTables {
  torch::Tensor cos, sin;  // (frames*rows*cols, head_dim) float32, pairs interleaved
};

// The pipeline's _prepare_rotary_positional_embeddings for a rows x cols patch grid, positions
// taken from the centred crop region of the base_rows x base_cols grid (non-integer when the grids
// differ). Layout [t (hd/4) | h (3hd/8) | w (3hd/8)].
RotaryTables rotary_tables_3d(int64_t head_dim, int64_t frames, int64_t rows, int64_t cols,
                              int64_t base_rows, int64_t base_cols);

// x: (B, heads, N, head_dim) video tokens; returns x·cos + rotate_pairs(x)·sin computed in float32
// and cast back to x's dtype.
torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables);

}  // namespace ditstream
