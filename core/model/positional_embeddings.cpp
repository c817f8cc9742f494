#include "core/model/positional_embeddings.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>
#include <utility>

namespace ditstream {
namespace {

// get_1d_sincos_pos_embed_from_grid: [sin(p·ω) | cos(p·ω)], ω = 1 / 10000^(k / (dim/2)) in float64.
torch::Tensor sincos_1d(int64_t dim, const torch::Tensor& positions) {
  auto omega = torch::arange(dim / 2, torch::kFloat64);
  omega /= static_cast<double>(dim) / 2.0;
  omega = torch::reciprocal(torch::pow(10000, omega)) * 1.0;
  const auto out = torch::outer(positions.reshape({-1}).to(torch::kFloat64), omega);
  return torch::cat({torch::sin(out), torch::cos(out)}, 1);
}

// Python's int(round(x)): ties to even.
int64_t round_half_even(double x) { return static_cast<int64_t>(std::nearbyint(x)); }

struct CropRegion {
  int64_t top, left, bottom, right;
};

// get_resize_crop_region_for_grid: fit the rows x cols grid into the base grid, centred.
CropRegion crop_region(int64_t rows, int64_t cols, int64_t base_rows, int64_t base_cols) {
  const double ratio = static_cast<double>(rows) / static_cast<double>(cols);
  int64_t resize_rows = base_rows, resize_cols = base_cols;
  if (ratio > static_cast<double>(base_rows) / static_cast<double>(base_cols)) {
    resize_cols = round_half_even(static_cast<double>(base_rows) / rows * cols);
  } else {
    resize_rows = round_half_even(static_cast<double>(base_cols) / cols * rows);
  }
  const int64_t top = round_half_even((base_rows - resize_rows) / 2.0);
  const int64_t left = round_half_even((base_cols - resize_cols) / 2.0);
  return {top, left, top + resize_rows, left + resize_cols};
}

// torch.linspace(start, stop·(n−1)/n, n) in float32, as get_3d_rotary_pos_embed's "linspace" grid.
torch::Tensor grid_positions(int64_t start, int64_t stop, int64_t n) {
  const double end =
      static_cast<double>(stop) * static_cast<double>(n - 1) / static_cast<double>(n);
  return torch::linspace(static_cast<double>(start), end, n, torch::kFloat32);
}

// get_1d_rotary_pos_embed(use_real=True, repeat_interleave_real=True): (n, dim) cos and sin.
std::pair<torch::Tensor, torch::Tensor> rotary_1d(int64_t dim, const torch::Tensor& positions) {
  const auto exponent = torch::arange(0, dim, 2, torch::kFloat32).slice(0, 0, dim / 2) / dim;
  const auto freqs = torch::reciprocal(torch::pow(10000.0, exponent)) * 1.0 / 1.0;
  const auto angles = torch::outer(positions, freqs);
  return {angles.cos().repeat_interleave(2, 1), angles.sin().repeat_interleave(2, 1)};
}

torch::Tensor combine_thw(const torch::Tensor& t, const torch::Tensor& h, const torch::Tensor& w) {
  const int64_t frames = t.size(0), rows = h.size(0), cols = w.size(0);
  const auto tt = t.index({torch::indexing::Slice(), torch::indexing::None, torch::indexing::None})
                      .expand({frames, rows, cols, t.size(1)});
  const auto hh = h.index({torch::indexing::None, torch::indexing::Slice(), torch::indexing::None})
                      .expand({frames, rows, cols, h.size(1)});
  const auto ww = w.index({torch::indexing::None, torch::indexing::None})
                      .expand({frames, rows, cols, w.size(1)});
  return torch::cat({tt, hh, ww}, -1).reshape({frames * rows * cols, -1});
}

}  // namespace

torch::Tensor timestep_sinusoid(const torch::Tensor& timesteps, int64_t dim, bool flip_sin_to_cos,
                                double freq_shift) {
  const int64_t half = dim / 2;
  auto exponent = -std::log(10000.0) *
                  torch::arange(0, half, torch::dtype(torch::kFloat32).device(timesteps.device()));
  exponent = exponent / (static_cast<double>(half) - freq_shift);
  const auto args =
      timesteps.index({torch::indexing::Slice(), torch::indexing::None}).to(torch::kFloat32) *
      torch::exp(exponent).unsqueeze(0);
  auto emb = flip_sin_to_cos ? torch::cat({torch::cos(args), torch::sin(args)}, -1)
                             : torch::cat({torch::sin(args), torch::cos(args)}, -1);
  if (dim % 2 == 1) emb = torch::constant_pad_nd(emb, {0, 1, 0, 0});
  return emb;
}

torch::Tensor sincos_table_3d(int64_t dim, int64_t frames, int64_t rows, int64_t cols,
                              double spatial_interpolation_scale,
                              double temporal_interpolation_scale) {
  const int64_t dim_t = dim / 4, dim_s = 3 * dim / 4;
  const auto w = torch::arange(cols, torch::kFloat32) / spatial_interpolation_scale;
  const auto h = torch::arange(rows, torch::kFloat32) / spatial_interpolation_scale;
  const auto w_grid = w.unsqueeze(0).expand({rows, cols});
  const auto h_grid = h.unsqueeze(1).expand({rows, cols});
  const auto spatial = torch::cat({sincos_1d(dim_s / 2, w_grid), sincos_1d(dim_s / 2, h_grid)},
                                  1);  // (rows*cols, ds)
  const auto t = torch::arange(frames, torch::kFloat32) / temporal_interpolation_scale;
  const auto temporal = sincos_1d(dim_t, t);  // (frames, dt)
  const int64_t n = rows * cols;
  return torch::cat({temporal.unsqueeze(1).expand({frames, n, dim_t}),
                     spatial.unsqueeze(0).expand({frames, n, dim_s})},
                    -1)
      .reshape({frames * n, dim});
}

RotaryTables rotary_tables_3d(int64_t head_dim, int64_t frames, int64_t rows, int64_t cols,
                              int64_t base_rows, int64_t base_cols) {
  const auto crop = crop_region(rows, cols, base_rows, base_cols);
  const auto t_pos = grid_positions(0, frames, frames);
  const auto h_pos = grid_positions(crop.top, crop.bottom, rows);
  const auto w_pos = grid_positions(crop.left, crop.right, cols);
  const int64_t dim_t = head_dim / 4, dim_s = head_dim / 8 * 3;
  const auto [t_cos, t_sin] = rotary_1d(dim_t, t_pos);
  const auto [h_cos, h_sin] = rotary_1d(dim_s, h_pos);
  const auto [w_cos, w_sin] = rotary_1d(dim_s, w_pos);
  return {combine_thw(t_cos, h_cos, w_cos), combine_thw(t_sin, h_sin, w_sin)};
}

torch::Tensor apply_rotary(const torch::Tensor& x, const RotaryTables& tables) {
  auto sizes = x.sizes().vec();
  sizes.back() /= 2;
  sizes.push_back(2);
  const auto pairs = x.reshape(sizes).unbind(-1);
  const auto rotated = torch::stack({-pairs[1], pairs[0]}, -1).flatten(3);
  const auto cos = tables.cos.to(x.device()).unsqueeze(0).unsqueeze(0);
  const auto sin = tables.sin.to(x.device()).unsqueeze(0).unsqueeze(0);
  return (x.to(torch::kFloat32) * cos + rotated.to(torch::kFloat32) * sin).to(x.scalar_type());
}

}  // namespace ditstream
