#include "core/model/wan/vae_decoder.h"

#include "core/io/checkpoint.h"
#include "core/io/module_loader.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {
namespace {

std::optional<WanResampleMode> upsample_mode(const WanVaeConfig& config, size_t block) {
  if (block + 1 >= config.dim_mult.size()) return std::nullopt;
  return config.temperal_upsample()[block] ? WanResampleMode::kUpsample3d
                                           : WanResampleMode::kUpsample2d;
}

void check_shape(const torch::Tensor& t, int64_t channels, const char* what) {
  if (t.dim() == 5 && t.size(1) == channels) return;
  throw std::invalid_argument(std::string("AutoencoderKLWan: ") + what + " must be (B, " +
                              std::to_string(channels) + ", T, H, W), got " + c10::str(t.sizes()));
}

}  // namespace

WanDecoder3d::WanDecoder3d(const WanVaeConfig& config, const torch::TensorOptions& options)
    : out_channels_(config.out_channels), spatial_compression_(config.spatial_compression()) {
  const int64_t d = config.decoder_dim();
  std::vector<int64_t> dims{d * config.dim_mult.back()};
  for (auto m = config.dim_mult.rbegin(); m != config.dim_mult.rend(); ++m) dims.push_back(d * *m);
  conv_in_ =
      register_module("conv_in", WanCausalConv3d::cube(config.z_dim, dims[0], &layout_, options));
  mid_block_ =
      register_module("mid_block", std::make_shared<WanMidBlock>(dims[0], layout_, options));
  auto up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    // Every up-sampler but the last halves the channels, hence in = dims[i] / 2 after block 0.
    const int64_t in = i == 0 ? dims[0] : dims[i] / 2;
    up_blocks_.push_back(std::make_shared<WanUpBlock>(in, dims[i + 1], config.num_res_blocks,
                                                      upsample_mode(config, i), layout_, options));
    up_blocks->push_back(up_blocks_.back());
  }
  norm_out_ =
      register_module("norm_out", std::make_shared<WanRmsNorm>(dims.back(), false, options));
  conv_out_ = register_module(
      "conv_out", WanCausalConv3d::cube(dims.back(), config.out_channels, &layout_, options));
}

void WanDecoder3d::prepare(WanVaeState& state) const {
  if (state.slots.empty()) state.slots.resize(cache_slots());
  if (static_cast<int64_t>(state.slots.size()) != cache_slots())
    throw std::runtime_error("WanDecoder3d: the state has " + std::to_string(state.slots.size()) +
                             " cache slots, this decoder " + std::to_string(cache_slots()));
}

torch::Tensor WanDecoder3d::forward_frame(const torch::Tensor& frame, WanVaeState& state) const {
  torch::Tensor h = mid_block_->forward(conv_in_->forward(frame, state), state);
  for (const auto& block : up_blocks_) h = block->forward(h, state);
  return conv_out_->forward(torch::silu(norm_out_->forward(h)), state);
}

torch::Tensor WanDecoder3d::forward(const torch::Tensor& x, WanVaeState& state) const {
  prepare(state);
  std::vector<torch::Tensor> frames;
  for (int64_t i = 0; i < x.size(2); ++i) frames.push_back(forward_frame(x.narrow(2, i, 1), state));
  if (!frames.empty()) return torch::cat(frames, 2);
  const int64_t s = spatial_compression_;
  return torch::empty({x.size(0), out_channels_, 0, x.size(3) * s, x.size(4) * s}, x.options());
}

AutoencoderKLWan::AutoencoderKLWan(const WanVaeConfig& config, const torch::TensorOptions& options,
                                   bool with_encoder)
    : config_(config) {
  config_.validate("AutoencoderKLWan");
  const int64_t z = config_.z_dim;
  if (with_encoder) {
    encoder_ = register_module("encoder", std::make_shared<WanEncoder3d>(config_, options));
    quant_conv_ = register_module("quant_conv", WanCausalConv3d::pointwise(2 * z, 2 * z, options));
  }
  post_quant_conv_ = register_module("post_quant_conv", WanCausalConv3d::pointwise(z, z, options));
  decoder_ = register_module("decoder", std::make_shared<WanDecoder3d>(config_, options));
}

torch::Tensor AutoencoderKLWan::decode_chunk(const torch::Tensor& z, WanVaeState& state) const {
  ditstream::check_shape(z, config_.z_dim, "latents");
  if (z.size(2) == 0) return decoder_->forward(z, state);
  // post_quant_conv frame by frame too: a conv over F frames can round differently from F
  // one-frame convs, and the output must not depend on how a stream is chunked.
  std::vector<torch::Tensor> frames;
  for (int64_t i = 0; i < z.size(2); ++i)
    frames.push_back(decoder_->forward(post_quant_conv_->forward(z.narrow(2, i, 1)), state));
  return torch::cat(frames, 2).clamp(-1.0, 1.0);
}

torch::Tensor AutoencoderKLWan::encode_moments(const torch::Tensor& video) const {
  if (!encoder_) throw std::logic_error("AutoencoderKLWan: built without its encoder");
  ditstream::check_shape(video, config_.in_channels, "video");
  return quant_conv_->forward(encoder_->encode_clip(video));
}

std::shared_ptr<AutoencoderKLWan> load_wan_vae(const std::filesystem::path& dir,
                                               const torch::TensorOptions& options,
                                               bool with_encoder) {
  const WanVaeConfig config = WanVaeConfig::load(dir / "config.json");
  auto vae = std::make_shared<AutoencoderKLWan>(config, options, with_encoder);
  std::vector<std::string> ignored;
  if (!with_encoder) ignored = {"encoder.", "quant_conv."};
  load_module(*vae, Checkpoint::open(dir, "diffusion_pytorch_model"),
              LoadOptions{options, ignored, {}});
  return vae;
}

}  // namespace ditstream
