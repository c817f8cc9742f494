#include "core/model/wan/rope.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace ditstream {
namespace {

constexpr double kTheta = 10000.0;

// get_1d_rotary_pos_embed(dim, ..., use_real, repeat_interleave_real, freqs_dtype=float64) rows
// for positions start .. start+count-1.
std::pair<torch::Tensor, torch::Tensor> axis_table(int64_t dim, int64_t start, int64_t count) {
  const auto exponent = torch::arange(0, dim, 2, torch::kFloat64).slice(0, 0, dim / 2) / dim;
  const auto freqs = 1.0 / torch::pow(kTheta, exponent);
  const auto angles = torch::outer(torch::arange(start, start + count, torch::kFloat64), freqs);
  return {angles.cos().repeat_interleave(2, 1).to(torch::kFloat32),
          angles.sin().repeat_interleave(2, 1).to(torch::kFloat32)};
}

torch::Tensor combine_thw(const torch::Tensor& t, const torch::Tensor& h, const torch::Tensor& w) {
  const int64_t frames = t.size(0), rows = h.size(0), cols = w.size(0);
  const auto tt = t.view({frames, 1, 1, -1}).expand({frames, rows, cols, t.size(1)});
  const auto hh = h.view({1, rows, 1, -1}).expand({frames, rows, cols, h.size(1)});
  const auto ww = w.view({1, 1, cols, -1}).expand({frames, rows, cols, w.size(1)});
  return torch::cat({tt, hh, ww}, -1).reshape({frames * rows * cols, -1});
}

void require_within(int64_t end, int64_t max_seq_len, const char* axis) {
  if (end > max_seq_len) {
    throw std::runtime_error(std::string("Wan RoPE: ") + axis + " position " +
                             std::to_string(end - 1) + " is past the table (rope_max_seq_len " +
                             std::to_string(max_seq_len) + ")");
  }
}

}  // namespace

WanRopeSplit wan_rope_split(int64_t head_dim) {
  const int64_t hw = 2 * (head_dim / 6);
  return {head_dim - 2 * hw, hw, hw};
}

WanRopeTables wan_rope_tables(int64_t head_dim, int64_t frames, int64_t rows, int64_t cols,
                              int64_t frame_offset, int64_t max_seq_len) {
  if (frame_offset < 0) throw std::runtime_error("Wan RoPE: negative frame offset");
  require_within(frame_offset + frames, max_seq_len, "frame");
  require_within(rows, max_seq_len, "row");
  require_within(cols, max_seq_len, "column");
  const auto split = wan_rope_split(head_dim);
  const auto [t_cos, t_sin] = axis_table(split.t, frame_offset, frames);
  const auto [h_cos, h_sin] = axis_table(split.h, 0, rows);
  const auto [w_cos, w_sin] = axis_table(split.w, 0, cols);
  return {ditstream::combine_thw(t_cos, h_cos, w_cos), ditstream::combine_thw(t_sin, h_sin, w_sin)};
}

torch::Tensor apply_wan_rope(const torch::Tensor& x, const WanRopeTables& tables) {
  auto sizes = x.sizes().vec();
  sizes.back() /= 2;
  sizes.push_back(2);
  const auto pairs = x.reshape(sizes);
  const auto a = pairs.select(-1, 0), b = pairs.select(-1, 1);
  const int64_t hd = tables.cos.size(1);
  const auto cos = tables.cos.to(x.device()).slice(1, 0, hd, 2);
  const auto sin = tables.sin.to(x.device()).slice(1, 1, hd, 2);
  return torch::stack({a * cos - b * sin, a * sin + b * cos}, -1).flatten(-2).to(x.scalar_type());
}

torch::Tensor shift_wan_rope_frames(const torch::Tensor& x, int64_t frames) {
  const auto split = wan_rope_split(x.size(-1));
  const auto [t_cos, t_sin] = ditstream::axis_table(split.t, frames, 1);
  const auto spatial = split.h + split.w;
  const WanRopeTables tables{torch::cat({t_cos, torch::ones({1, spatial})}, 1),
                             torch::cat({t_sin, torch::zeros({1, spatial})}, 1)};
  return ditstream::apply_wan_rope(x, tables);
}

}  // namespace ditstream
