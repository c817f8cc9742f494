#pragma once
// Wan 3-D rotary position embedding (diffusers WanRotaryPosEmbed + the rotation inside
// WanAttnProcessor), with an absolute frame offset so chunked / KV-cached callers get the rows of
// the frames they actually hold.

#include <torch/types.h>

#include <cstdint>

namespace ditstream {

// Real widths of head_dim given to each axis: h = w = 2·(head_dim/6), t takes the rest
// (128 -> 44/42/42, 16 -> 8/4/4).
struct WanRopeSplit {
  int64_t t, h, w;
};
WanRopeSplit wan_rope_split(int64_t head_dim);

struct WanRopeTables {
  // (frames·rows·cols, head_dim) float32, token order (f, h, w); columns [t | h | w], each angle
  // repeated for its pair (2i, 2i+1).
  torch::Tensor cos, sin;
};

// Angles position·10000^(-2i/d) per axis in float64, rounded to float32 once. Temporal positions
// are frame_offset .. frame_offset+frames-1; spatial ones start at 0. Throws when a position
// reaches max_seq_len (diffusers' table length, rope_max_seq_len).
WanRopeTables wan_rope_tables(int64_t head_dim, int64_t frames, int64_t rows, int64_t cols,
                              int64_t frame_offset, int64_t max_seq_len);

// x: (B, heads, S, head_dim). Rotates adjacent pairs, (a, b) -> (a·cos − b·sin, a·sin + b·cos),
// in float32 and returns x's dtype.
torch::Tensor apply_wan_rope(const torch::Tensor& x, const WanRopeTables& tables);

// x (B, heads, S, head_dim) already rotated: moves every token's temporal position by `frames`
// (negative: backwards); the spatial channels are untouched.
torch::Tensor shift_wan_rope_frames(const torch::Tensor& x, int64_t frames);

}  // namespace ditstream
