#include "core/model/cogvideox/embeddings.h"

#include <torch/torch.h>

namespace ditstream {

PatchEmbed::PatchEmbed(const TransformerConfig& config, const torch::TensorOptions& options) {
  const int64_t p = config.patch_size;
  proj_ = register_module(
      "proj", std::make_shared<Conv>(config.in_channels, config.inner_dim(),
                                     std::vector<int64_t>{p, p}, std::vector<int64_t>{p, p},
                                     std::vector<int64_t>{0, 0}, config.patch_bias, options));
  text_proj_ = register_module(
      "text_proj",
      std::make_shared<Linear>(config.text_embed_dim, config.inner_dim(), true, options));
}

torch::Tensor PatchEmbed::forward(const torch::Tensor& text, const torch::Tensor& video) const {
  const int64_t batch = video.size(0), frames = video.size(1);
  const auto text_tokens = text_proj_->forward(text);
  auto patches = proj_->forward(video.reshape({-1, video.size(2), video.size(3), video.size(4)}));
  patches = patches.view({batch, frames, patches.size(1), patches.size(2), patches.size(3)});
  patches = patches.flatten(3).transpose(2, 3).flatten(1, 2);
  return torch::cat({text_tokens, patches}, 1).contiguous();
}

TimestepEmbedding::TimestepEmbedding(int64_t in, int64_t out, const torch::TensorOptions& options) {
  linear_1_ = register_module("linear_1", std::make_shared<Linear>(in, out, true, options));
  linear_2_ = register_module("linear_2", std::make_shared<Linear>(out, out, true, options));
}

torch::Tensor TimestepEmbedding::forward(const torch::Tensor& sinusoid) const {
  return linear_2_->forward(torch::silu(linear_1_->forward(sinusoid)));
}

AdaLayerNorm::AdaLayerNorm(const TransformerConfig& config, const torch::TensorOptions& options) {
  const int64_t dim = config.inner_dim();
  linear_ = register_module(
      "linear", std::make_shared<Linear>(config.time_embed_dim, 2 * dim, true, options));
  norm_ = register_module(
      "norm",
      std::make_shared<LayerNorm>(dim, config.norm_eps, config.norm_elementwise_affine, options));
}

torch::Tensor AdaLayerNorm::forward(const torch::Tensor& x, const torch::Tensor& temb_silu) const {
  const auto m = linear_->forward(temb_silu).chunk(2, 1);
  return norm_->forward(x) * (1 + m[1]).unsqueeze(1) + m[0].unsqueeze(1);
}

}  // namespace ditstream
