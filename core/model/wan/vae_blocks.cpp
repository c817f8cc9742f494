#include "core/model/wan/vae_blocks.h"

#include "core/model/attention_control.h"

#include <torch/torch.h>

#include <cmath>

namespace ditstream {
namespace F = torch::nn::functional;
namespace {

constexpr double kNormalizeEps = 1e-12;  // F.normalize's default

// (B, C, T, H, W) -> (B*T, C, H, W).
torch::Tensor frames_as_images(const torch::Tensor& x) {
  return x.permute({0, 2, 1, 3, 4})
      .reshape({x.size(0) * x.size(2), x.size(1), x.size(3), x.size(4)});
}

// (B*T, C, H, W) -> (B, C, T, H, W).
torch::Tensor images_as_frames(const torch::Tensor& images, int64_t batch) {
  return images.reshape({batch, -1, images.size(1), images.size(2), images.size(3)})
      .permute({0, 2, 1, 3, 4});
}

std::shared_ptr<Conv> image_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                 int64_t padding, const torch::TensorOptions& options) {
  return std::make_shared<Conv>(in, out, std::vector<int64_t>{kernel, kernel},
                                std::vector<int64_t>{stride, stride},
                                std::vector<int64_t>{padding, padding}, true, options);
}

bool is_upsample(WanResampleMode mode) {
  return mode == WanResampleMode::kUpsample2d || mode == WanResampleMode::kUpsample3d;
}

bool is_temporal(WanResampleMode mode) {
  return mode == WanResampleMode::kUpsample3d || mode == WanResampleMode::kDownsample3d;
}

// Exact x2: diffusers' "nearest-exact" and "nearest" pick the same source pixels, and copying
// values needs no fp32 round trip.
torch::Tensor nearest_x2(const torch::Tensor& images) {
  return F::interpolate(images, F::InterpolateFuncOptions()
                                    .scale_factor(std::vector<double>{2.0, 2.0})
                                    .mode(torch::kNearest));
}

// Time conv output (B, 2C, T, H, W): channel half k is frame 2t + k -> (B, C, 2T, H, W).
torch::Tensor interleave_halves(const torch::Tensor& x) {
  const int64_t b = x.size(0), c = x.size(1) / 2, t = x.size(2);
  return x.reshape({b, 2, c, t, x.size(3), x.size(4)})
      .permute({0, 2, 3, 1, 4, 5})
      .reshape({b, c, 2 * t, x.size(3), x.size(4)});
}

torch::Tensor last_frame(const torch::Tensor& x) { return x.narrow(2, x.size(2) - 1, 1); }

}  // namespace

WanRmsNorm::WanRmsNorm(int64_t dim, bool images, const torch::TensorOptions& options)
    : scale_(std::sqrt(static_cast<double>(dim))) {
  const std::vector<int64_t> shape =
      images ? std::vector<int64_t>{dim, 1, 1} : std::vector<int64_t>{dim, 1, 1, 1};
  gamma = register_parameter("gamma", torch::empty(shape, options), false);
}

torch::Tensor WanRmsNorm::forward(const torch::Tensor& x) const {
  const torch::Tensor norm = x.norm(2, c10::IntArrayRef{1}, true).clamp_min(kNormalizeEps);
  return x / norm * scale_ * gamma;
}

WanResidualBlock::WanResidualBlock(int64_t in, int64_t out, WanCacheLayout& layout,
                                   const torch::TensorOptions& options) {
  norm1_ = register_module("norm1", std::make_shared<WanRmsNorm>(in, false, options));
  conv1_ = register_module("conv1", WanCausalConv3d::cube(in, out, &layout, options));
  norm2_ = register_module("norm2", std::make_shared<WanRmsNorm>(out, false, options));
  conv2_ = register_module("conv2", WanCausalConv3d::cube(out, out, &layout, options));
  if (in == out) return;
  conv_shortcut_ = register_module("conv_shortcut", WanCausalConv3d::pointwise(in, out, options));
}

torch::Tensor WanResidualBlock::forward(const torch::Tensor& x, WanVaeState& state) const {
  const torch::Tensor shortcut = conv_shortcut_ ? conv_shortcut_->forward(x) : x;
  torch::Tensor h = conv1_->forward(torch::silu(norm1_->forward(x)), state);
  h = conv2_->forward(torch::silu(norm2_->forward(h)), state);
  return h + shortcut;
}

WanAttentionBlock::WanAttentionBlock(int64_t dim, const torch::TensorOptions& options) {
  norm_ = register_module("norm", std::make_shared<WanRmsNorm>(dim, true, options));
  to_qkv_ = register_module("to_qkv", image_conv(dim, 3 * dim, 1, 1, 0, options));
  proj_ = register_module("proj", image_conv(dim, dim, 1, 1, 0, options));
}

torch::Tensor WanAttentionBlock::attend(const torch::Tensor& images) const {
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  // (N, 3C, H, W) -> (N, 1, H*W, 3C), then q, k, v on the channel axis.
  const torch::Tensor qkv =
      to_qkv_->forward(norm_->forward(images)).reshape({n, 1, 3 * c, h * w}).permute({0, 1, 3, 2});
  const auto parts = qkv.chunk(3, -1);
  const torch::Tensor out = ditstream::full_attention(parts[0], parts[1], parts[2]);
  return proj_->forward(out.squeeze(1).permute({0, 2, 1}).reshape({n, c, h, w}));
}

torch::Tensor WanAttentionBlock::forward(const torch::Tensor& x) const {
  return ditstream::images_as_frames(attend(ditstream::frames_as_images(x)), x.size(0)) + x;
}

WanResample::WanResample(int64_t dim, WanResampleMode mode, WanCacheLayout& layout,
                         const torch::TensorOptions& options)
    : mode_(mode) {
  auto resample = register_module("resample", torch::nn::ModuleList());
  resample->push_back(std::make_shared<Placeholder>());  // nn.Upsample / nn.ZeroPad2d
  // Wan2.1 up-samplers halve the channels (diffusers' upsample_out_dim default).
  conv_ = is_upsample(mode) ? image_conv(dim, dim / 2, 3, 1, 1, options)
                            : image_conv(dim, dim, 3, 2, 0, options);
  resample->push_back(conv_);
  if (!is_temporal(mode)) return;
  const bool up = is_upsample(mode);
  time_conv_ = register_module(
      "time_conv",
      std::make_shared<WanCausalConv3d>(dim, up ? 2 * dim : dim, std::vector<int64_t>{3, 1, 1},
                                        std::vector<int64_t>{up ? 1 : 2, 1, 1},
                                        std::vector<int64_t>{up ? 1 : 0, 0, 0}, nullptr, options));
  slot_ = layout.take();
}

torch::Tensor WanResample::spatial(const torch::Tensor& x) const {
  torch::Tensor images = ditstream::frames_as_images(x);
  images = is_upsample(mode_) ? ditstream::nearest_x2(images)
                              : torch::constant_pad_nd(images, {0, 1, 0, 1});
  return ditstream::images_as_frames(conv_->forward(images), x.size(0));
}

// First call of a stream: no time conv (1 frame stays 1 frame), slot marked "Rep". Second call:
// time conv with zero history, cache [zeros, x]. Later calls: the usual cached causal conv.
torch::Tensor WanResample::upsample_time(const torch::Tensor& x, WanVaeState& state) const {
  WanCacheSlot& slot = state.slot(slot_);
  if (!slot.frames.defined() && !slot.rep) {
    slot.rep = true;
    return x;
  }
  torch::Tensor next, out;
  if (slot.rep) {
    next = ditstream::wan_next_cache(x, torch::zeros_like(ditstream::last_frame(x)));
    out = time_conv_->forward(x, torch::Tensor());
  } else {
    next = ditstream::wan_next_cache(x, slot.frames);
    out = time_conv_->forward(x, slot.frames);
  }
  slot = WanCacheSlot{std::move(next), false};
  return ditstream::interleave_halves(out);
}

// First call: frames pass (only the last is kept). Later calls: the stride-2 time conv over
// [previous last frame, frames], no padding.
torch::Tensor WanResample::downsample_time(const torch::Tensor& x, WanVaeState& state) const {
  WanCacheSlot& slot = state.slot(slot_);
  torch::Tensor next = ditstream::last_frame(x).clone();
  torch::Tensor out =
      slot.frames.defined() ? time_conv_->forward(torch::cat({slot.frames, x}, 2)) : x;
  slot.frames = std::move(next);
  return out;
}

torch::Tensor WanResample::forward(const torch::Tensor& x, WanVaeState& state) const {
  switch (mode_) {
    case WanResampleMode::kUpsample3d:
      return spatial(upsample_time(x, state));
    case WanResampleMode::kDownsample3d:
      return downsample_time(spatial(x), state);
    default:
      return spatial(x);
  }
}

WanMidBlock::WanMidBlock(int64_t dim, WanCacheLayout& layout, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  auto attentions = register_module("attentions", torch::nn::ModuleList());
  resnet0_ = std::make_shared<WanResidualBlock>(dim, dim, layout, options);
  attention_ = std::make_shared<WanAttentionBlock>(dim, options);
  resnet1_ = std::make_shared<WanResidualBlock>(dim, dim, layout, options);
  resnets->push_back(resnet0_);
  resnets->push_back(resnet1_);
  attentions->push_back(attention_);
}

torch::Tensor WanMidBlock::forward(const torch::Tensor& x, WanVaeState& state) const {
  return resnet1_->forward(attention_->forward(resnet0_->forward(x, state)), state);
}

WanUpBlock::WanUpBlock(int64_t in, int64_t out, int64_t num_res_blocks,
                       std::optional<WanResampleMode> upsample, WanCacheLayout& layout,
                       const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i <= num_res_blocks; ++i) {
    resnets_.push_back(std::make_shared<WanResidualBlock>(i == 0 ? in : out, out, layout, options));
    resnets->push_back(resnets_.back());
  }
  if (!upsample) return;
  auto upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  upsampler_ = std::make_shared<WanResample>(out, *upsample, layout, options);
  upsamplers->push_back(upsampler_);
}

torch::Tensor WanUpBlock::forward(const torch::Tensor& x, WanVaeState& state) const {
  torch::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, state);
  return upsampler_ ? upsampler_->forward(h, state) : h;
}

}  // namespace ditstream
