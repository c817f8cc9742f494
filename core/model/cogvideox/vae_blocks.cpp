#include "core/model/cogvideox/vae_blocks.h"

#include <torch/torch.h>

namespace ditstream {
namespace F = torch::nn::functional;
namespace {

// diffusers hard-codes this eps in CogVideoXSpatialNorm3D, whatever the config's norm_eps.
constexpr double kSpatialNormEps = 1e-6;

torch::Tensor nearest_to(const torch::Tensor& x, std::vector<int64_t> size) {
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(torch::kNearest));
}

torch::Tensor nearest_x2(const torch::Tensor& x) {
  const std::vector<double> scales(x.dim() - 2, 2.0);
  return F::interpolate(x, F::InterpolateFuncOptions().scale_factor(scales).mode(torch::kNearest));
}

// zq resized to f's (T, H, W); for odd T > 1 frame 0 and the rest are resized separately.
torch::Tensor resize_zq(const torch::Tensor& zq, const torch::Tensor& f) {
  const int64_t t = f.size(2), h = f.size(3), w = f.size(4);
  if (t > 1 && t % 2 == 1) {
    auto first = nearest_to(zq.narrow(2, 0, 1), {1, h, w});
    auto rest = nearest_to(zq.narrow(2, 1, zq.size(2) - 1), {t - 1, h, w});
    return torch::cat({first, rest}, 2);
  }
  return nearest_to(zq, {t, h, w});
}

}  // namespace

std::shared_ptr<Conv> pointwise_conv3d(int64_t in, int64_t out,
                                       const torch::TensorOptions& options) {
  return std::make_shared<Conv>(in, out, std::vector<int64_t>{1, 1, 1},
                                std::vector<int64_t>{1, 1, 1}, std::vector<int64_t>{0, 0, 0}, true,
                                options);
}

std::shared_ptr<Conv> conv2d_3x3(int64_t channels, int64_t stride, int64_t padding,
                                 const torch::TensorOptions& options) {
  return std::make_shared<Conv>(channels, channels, std::vector<int64_t>{3, 3},
                                std::vector<int64_t>{stride, stride},
                                std::vector<int64_t>{padding, padding}, true, options);
}

torch::Tensor apply_per_frame(const torch::Tensor& x,
                              const std::function<torch::Tensor(const torch::Tensor&)>& op) {
  const int64_t b = x.size(0), c = x.size(1), t = x.size(2);
  auto frames = op(x.permute({0, 2, 1, 3, 4}).reshape({b * t, c, x.size(3), x.size(4)}));
  return frames.reshape({b, t, frames.size(1), frames.size(2), frames.size(3)})
      .permute({0, 2, 1, 3, 4});
}

SpatialNorm3D::SpatialNorm3D(int64_t f_channels, int64_t zq_channels, int64_t groups,
                             CacheSlots& slots, const torch::TensorOptions& options) {
  norm_layer_ = register_module(
      "norm_layer", std::make_shared<GroupNorm>(groups, f_channels, kSpatialNormEps, options));
  conv_y_ = register_module(
      "conv_y", std::make_shared<CausalConv3d>(zq_channels, f_channels, 1, slots, options));
  conv_b_ = register_module(
      "conv_b", std::make_shared<CausalConv3d>(zq_channels, f_channels, 1, slots, options));
}

torch::Tensor SpatialNorm3D::forward(const torch::Tensor& f, const torch::Tensor& zq) const {
  const torch::Tensor z = resize_zq(zq, f);
  return norm_layer_->forward(f) * conv_y_->forward(z) + conv_b_->forward(z);
}

ResnetBlock3D::ResnetBlock3D(int64_t in, int64_t out, int64_t zq_channels, int64_t groups,
                             CacheSlots& slots, const torch::TensorOptions& options) {
  norm1_ = register_module(
      "norm1", std::make_shared<SpatialNorm3D>(in, zq_channels, groups, slots, options));
  conv1_ = register_module("conv1", std::make_shared<CausalConv3d>(in, out, 3, slots, options));
  norm2_ = register_module(
      "norm2", std::make_shared<SpatialNorm3D>(out, zq_channels, groups, slots, options));
  conv2_ = register_module("conv2", std::make_shared<CausalConv3d>(out, out, 3, slots, options));
  if (in == out) return;
  conv_shortcut_ = register_module("conv_shortcut", pointwise_conv3d(in, out, options));
}

torch::Tensor ResnetBlock3D::forward(const torch::Tensor& x, const torch::Tensor& zq,
                                     DecoderState& state) const {
  torch::Tensor h = torch::silu(norm1_->forward(x, zq));
  h = conv1_->forward(h, state);
  h = torch::silu(norm2_->forward(h, zq));
  h = conv2_->forward(h, state);
  const torch::Tensor shortcut = conv_shortcut_ ? conv_shortcut_->forward(x) : x;
  return shortcut + h;
}

Upsample3D::Upsample3D(int64_t channels, bool compress_time, const torch::TensorOptions& options)
    : compress_time_(compress_time) {
  conv_ = register_module("conv", conv2d_3x3(channels, 1, 1, options));
}

torch::Tensor Upsample3D::upsample(const torch::Tensor& x) const {
  const int64_t t = x.size(2);
  if (compress_time_ && t > 1 && t % 2 == 1) {
    auto first = nearest_x2(x.select(2, 0)).unsqueeze(2);
    auto rest = nearest_x2(x.narrow(2, 1, t - 1));
    return torch::cat({first, rest}, 2);
  }
  if (compress_time_ && t > 1) return nearest_x2(x);
  if (compress_time_) return nearest_x2(x.squeeze(2)).unsqueeze(2);
  return apply_per_frame(x, nearest_x2);
}

torch::Tensor Upsample3D::forward(const torch::Tensor& x) const {
  return apply_per_frame(upsample(x), [this](const torch::Tensor& f) { return conv_->forward(f); });
}

UpBlock3D::UpBlock3D(const UpBlockShape& s, CacheSlots& slots,
                     const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i < s.num_layers; ++i) {
    const int64_t in = i == 0 ? s.in_channels : s.out_channels;
    resnets_.push_back(std::make_shared<ResnetBlock3D>(in, s.out_channels, s.zq_channels, s.groups,
                                                       slots, options));
    resnets->push_back(resnets_.back());
  }
  if (!s.add_upsample) return;
  auto upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  upsampler_ = std::make_shared<Upsample3D>(s.out_channels, s.compress_time, options);
  upsamplers->push_back(upsampler_);
}

torch::Tensor UpBlock3D::forward(const torch::Tensor& x, const torch::Tensor& zq,
                                 DecoderState& state) const {
  torch::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, zq, state);
  return upsampler_ ? upsampler_->forward(h) : h;
}

MidBlock3D::MidBlock3D(int64_t channels, int64_t num_layers, int64_t zq_channels, int64_t groups,
                       CacheSlots& slots, const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) {
    resnets_.push_back(
        std::make_shared<ResnetBlock3D>(channels, channels, zq_channels, groups, slots, options));
    resnets->push_back(resnets_.back());
  }
}

torch::Tensor MidBlock3D::forward(const torch::Tensor& x, const torch::Tensor& zq,
                                  DecoderState& state) const {
  torch::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, zq, state);
  return h;
}

}  // namespace ditstream
