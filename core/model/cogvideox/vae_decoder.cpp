#include "core/model/cogvideox/vae_decoder.h"

#include "core/io/checkpoint.h"
#include "core/io/json_config.h"
#include "core/io/module_loader.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ditstream {

VaeDecoder::VaeDecoder(const VaeConfig& config, const torch::TensorOptions& options) {
  const std::vector<int64_t> channels(config.block_out_channels.rbegin(),
                                      config.block_out_channels.rend());
  const int64_t zq = config.latent_channels, groups = config.norm_num_groups;
  conv_in_ = register_module("conv_in",
                             std::make_shared<CausalConv3d>(zq, channels[0], 3, slots_, options));
  mid_block_ = register_module(
      "mid_block", std::make_shared<MidBlock3D>(channels[0], 2, zq, groups, slots_, options));
  auto up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  const int64_t n = static_cast<int64_t>(channels.size());
  for (int64_t i = 0; i < n; ++i) {
    const UpBlockShape shape{i == 0 ? channels[0] : channels[i - 1],
                             channels[i],
                             config.layers_per_block + 1,
                             zq,
                             groups,
                             i < n - 1,
                             i < config.temporal_compress_level()};
    up_blocks_.push_back(std::make_shared<UpBlock3D>(shape, slots_, options));
    up_blocks->push_back(up_blocks_.back());
  }
  norm_out_ = register_module(
      "norm_out", std::make_shared<SpatialNorm3D>(channels.back(), zq, groups, slots_, options));
  conv_out_ = register_module(
      "conv_out",
      std::make_shared<CausalConv3d>(channels.back(), config.out_channels, 3, slots_, options));
}

void VaeDecoder::prepare(DecoderState& state) const {
  if (state.conv_caches.empty()) state.conv_caches.resize(cache_slots());
  if (static_cast<int64_t>(state.conv_caches.size()) != cache_slots())
    throw std::runtime_error("VaeDecoder: the DecoderState belongs to another decoder (" +
                             std::to_string(state.conv_caches.size()) + " cache slots, expected " +
                             std::to_string(cache_slots()) + ")");
}

torch::Tensor VaeDecoder::forward(const torch::Tensor& z, DecoderState& state) const {
  prepare(state);
  torch::Tensor h = conv_in_->forward(z, state);
  h = mid_block_->forward(h, z, state);
  for (const auto& block : up_blocks_) h = block->forward(h, z, state);
  h = torch::silu(norm_out_->forward(h, z));
  return conv_out_->forward(h, state);
}

AutoencoderKLCogVideoX::AutoencoderKLCogVideoX(const VaeConfig& config,
                                               const torch::TensorOptions& options,
                                               bool with_encoder)
    : config_(config) {
  config_.validate("AutoencoderKLCogVideoX");
  decoder_ = register_module("decoder", std::make_shared<VaeDecoder>(config_, options));
  if (with_encoder)
    encoder_ = register_module("encoder", std::make_shared<VaeEncoder>(config_, options));
}

LatentDistribution AutoencoderKLCogVideoX::encode(const torch::Tensor& x) const {
  if (!encoder_) throw std::logic_error("AutoencoderKLCogVideoX: built without its encoder");
  if (x.dim() != 5 || x.size(1) != config_.in_channels)
    throw std::runtime_error("AutoencoderKLCogVideoX: video must be (B, " +
                             std::to_string(config_.in_channels) + ", T, H, W), got " +
                             c10::str(x.sizes()));
  return LatentDistribution::from_moments(encoder_->forward(x));
}

torch::Tensor AutoencoderKLCogVideoX::decode_chunk(const torch::Tensor& z,
                                                   DecoderState& state) const {
  if (z.dim() != 5 || z.size(1) != config_.latent_channels)
    throw std::runtime_error("AutoencoderKLCogVideoX: latents must be (B, " +
                             std::to_string(config_.latent_channels) + ", T, h, w), got " +
                             c10::str(z.sizes()));
  return decoder_->forward(z, state);
}

std::shared_ptr<AutoencoderKLCogVideoX> load_vae(const std::filesystem::path& dir,
                                                 const torch::TensorOptions& options,
                                                 bool with_encoder) {
  const VaeConfig config = VaeConfig::from_json(JsonConfig::load(dir / "config.json"));
  auto vae = std::make_shared<AutoencoderKLCogVideoX>(config, options, with_encoder);
  const Checkpoint checkpoint = Checkpoint::open(dir, "diffusion_pytorch_model");
  std::vector<std::string> ignored{"quant_conv."};
  if (!with_encoder) ignored.push_back("encoder.");
  load_module(*vae, checkpoint, LoadOptions{options, ignored, {}});
  return vae;
}

}  // namespace ditstream
