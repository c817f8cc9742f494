#include "core/model/cogvideox/vae_encoder.h"

#include "core/model/cogvideox/vae_blocks.h"

#include <torch/torch.h>

namespace ditstream {
namespace F = torch::nn::functional;
namespace {

torch::Tensor pool_time(const torch::Tensor& x) {
  const int64_t t = x.size(2);
  auto pairs = [](const torch::Tensor& v) {
    const auto s = v.sizes().vec();
    return v.reshape({s[0], s[1], s[2] / 2, 2, s[3], s[4]}).mean(3);
  };
  if (t % 2 == 0) return pairs(x);
  if (t == 1) return x;
  return torch::cat({x.narrow(2, 0, 1), pairs(x.narrow(2, 1, t - 1))}, 2);
}

}  // namespace

EncoderResnetBlock3D::EncoderResnetBlock3D(int64_t in, int64_t out, const VaeConfig& c,
                                           CacheSlots& slots, const torch::TensorOptions& options) {
  const int64_t g = c.norm_num_groups;
  norm1_ = register_module("norm1", std::make_shared<GroupNorm>(g, in, c.norm_eps, options));
  conv1_ = register_module("conv1", std::make_shared<CausalConv3d>(in, out, 3, slots, options));
  norm2_ = register_module("norm2", std::make_shared<GroupNorm>(g, out, c.norm_eps, options));
  conv2_ = register_module("conv2", std::make_shared<CausalConv3d>(out, out, 3, slots, options));
  if (in == out) return;
  conv_shortcut_ = register_module("conv_shortcut", pointwise_conv3d(in, out, options));
}

torch::Tensor EncoderResnetBlock3D::forward(const torch::Tensor& x, DecoderState& state) const {
  torch::Tensor h = conv1_->forward(torch::silu(norm1_->forward(x)), state);
  h = conv2_->forward(torch::silu(norm2_->forward(h)), state);
  return (conv_shortcut_ ? conv_shortcut_->forward(x) : x) + h;
}

Downsample3D::Downsample3D(int64_t channels, bool compress_time,
                           const torch::TensorOptions& options)
    : compress_time_(compress_time) {
  // Zero padding here: forward pads right and bottom by one, as diffusers does.
  conv_ = register_module("conv", conv2d_3x3(channels, 2, 0, options));
}

torch::Tensor Downsample3D::forward(const torch::Tensor& x) const {
  const torch::Tensor pooled = compress_time_ ? pool_time(x) : x;
  return apply_per_frame(pooled, [this](const torch::Tensor& frames) {
    return conv_->forward(F::pad(frames, F::PadFuncOptions({0, 1, 0, 1})));
  });
}

EncoderBlock3D::EncoderBlock3D(int64_t in, int64_t out, int64_t layers, bool downsample,
                               bool compress_time, const VaeConfig& config, CacheSlots& slots,
                               const torch::TensorOptions& options) {
  auto resnets = register_module("resnets", torch::nn::ModuleList());
  for (int64_t i = 0; i < layers; ++i) {
    resnets_.push_back(
        std::make_shared<EncoderResnetBlock3D>(i == 0 ? in : out, out, config, slots, options));
    resnets->push_back(resnets_.back());
  }
  if (!downsample) return;
  auto downsamplers = register_module("downsamplers", torch::nn::ModuleList());
  downsampler_ = std::make_shared<Downsample3D>(out, compress_time, options);
  downsamplers->push_back(downsampler_);
}

torch::Tensor EncoderBlock3D::forward(const torch::Tensor& x, DecoderState& state) const {
  torch::Tensor h = x;
  for (const auto& resnet : resnets_) h = resnet->forward(h, state);
  return downsampler_ ? downsampler_->forward(h) : h;
}

VaeEncoder::VaeEncoder(const VaeConfig& c, const torch::TensorOptions& options) {
  const auto& channels = c.block_out_channels;
  conv_in_ = register_module(
      "conv_in", std::make_shared<CausalConv3d>(c.in_channels, channels[0], 3, slots_, options));
  auto down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  const int64_t n = static_cast<int64_t>(channels.size());
  for (int64_t i = 0; i < n; ++i) {
    down_blocks_.push_back(std::make_shared<EncoderBlock3D>(
        i == 0 ? channels[0] : channels[i - 1], channels[i], c.layers_per_block, i < n - 1,
        i < c.temporal_compress_level(), c, slots_, options));
    down_blocks->push_back(down_blocks_.back());
  }
  mid_block_ = register_module(
      "mid_block", std::make_shared<EncoderBlock3D>(channels.back(), channels.back(), 2, false,
                                                    false, c, slots_, options));
  norm_out_ = register_module(
      "norm_out", std::make_shared<GroupNorm>(c.norm_num_groups, channels.back(), 1e-6, options));
  conv_out_ = register_module(
      "conv_out",
      std::make_shared<CausalConv3d>(channels.back(), 2 * c.latent_channels, 3, slots_, options));
}

torch::Tensor VaeEncoder::forward(const torch::Tensor& x) const {
  DecoderState state;
  state.conv_caches.resize(slots_.count());
  torch::Tensor h = conv_in_->forward(x, state);
  for (const auto& block : down_blocks_) h = block->forward(h, state);
  h = mid_block_->forward(h, state);
  return conv_out_->forward(torch::silu(norm_out_->forward(h)), state);
}

LatentDistribution LatentDistribution::from_moments(const torch::Tensor& moments) {
  auto halves = moments.chunk(2, 1);
  return {halves[0], halves[1].clamp(-30.0, 20.0)};
}

torch::Tensor LatentDistribution::sample(const c10::optional<torch::Generator>& generator) const {
  // Drawn on the CPU, so a seeded generator gives the same sample on every device.
  const auto noise = torch::randn(mean.sizes(), generator, mean.options().device(torch::kCPU));
  return mean + torch::exp(0.5 * logvar) * noise.to(mean.device());
}

torch::Tensor LatentDistribution::kl() const {
  return 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean();
}

}  // namespace ditstream
