#include "core/model/wan/vae_encoder.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

WanEncoder3d::WanEncoder3d(const WanVaeConfig& config, const torch::TensorOptions& options)
    : chunk_frames_(config.temporal_compression()) {
  std::vector<int64_t> dims{config.base_dim};
  for (const int64_t m : config.dim_mult) dims.push_back(config.base_dim * m);
  conv_in_ = register_module("conv_in",
                             WanCausalConv3d::cube(config.in_channels, dims[0], &layout_, options));
  auto down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  const size_t levels = config.dim_mult.size();
  for (size_t i = 0; i < levels; ++i) {
    for (int64_t j = 0; j < config.num_res_blocks; ++j)
      down_blocks_.push_back(std::make_shared<WanResidualBlock>(j == 0 ? dims[i] : dims[i + 1],
                                                                dims[i + 1], layout_, options));
    if (i + 1 < levels)
      down_blocks_.push_back(std::make_shared<WanResample>(dims[i + 1],
                                                           config.temperal_downsample[i]
                                                               ? WanResampleMode::kDownsample3d
                                                               : WanResampleMode::kDownsample2d,
                                                           layout_, options));
  }
  for (const auto& block : down_blocks_) down_blocks->push_back(block);
  mid_block_ =
      register_module("mid_block", std::make_shared<WanMidBlock>(dims.back(), layout_, options));
  norm_out_ =
      register_module("norm_out", std::make_shared<WanRmsNorm>(dims.back(), false, options));
  conv_out_ = register_module(
      "conv_out", WanCausalConv3d::cube(dims.back(), 2 * config.z_dim, &layout_, options));
}

void WanEncoder3d::prepare(WanVaeState& state) const {
  if (state.slots.empty()) state.slots.resize(cache_slots());
  if (static_cast<int64_t>(state.slots.size()) != cache_slots())
    throw std::runtime_error("WanEncoder3d: the state has " + std::to_string(state.slots.size()) +
                             " cache slots, this encoder " + std::to_string(cache_slots()));
}

torch::Tensor WanEncoder3d::forward(const torch::Tensor& x, WanVaeState& state) const {
  prepare(state);
  torch::Tensor h = conv_in_->forward(x, state);
  for (const auto& block : down_blocks_) h = block->forward(h, state);
  h = mid_block_->forward(h, state);
  return conv_out_->forward(torch::silu(norm_out_->forward(h)), state);
}

torch::Tensor WanEncoder3d::encode_clip(const torch::Tensor& video) const {
  const int64_t t = video.size(2);
  if (t < 1 || (t - 1) % chunk_frames_ != 0)
    throw std::invalid_argument("WanEncoder3d: a clip needs 1 + " + std::to_string(chunk_frames_) +
                                "k frames, got " + std::to_string(t));
  WanVaeState state;
  std::vector<torch::Tensor> parts{forward(video.narrow(2, 0, 1), state)};
  for (int64_t start = 1; start < t; start += chunk_frames_)
    parts.push_back(forward(video.narrow(2, start, chunk_frames_), state));
  return torch::cat(parts, 2);
}

}  // namespace ditstream
