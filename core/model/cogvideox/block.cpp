#include "core/model/cogvideox/block.h"

#include "core/model/forward_cancellation.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

constexpr double kQkNormEps = 1e-6;  // hard-coded in the block, unlike norm_eps

torch::nn::ModuleList indexed_list(std::vector<std::shared_ptr<torch::nn::Module>> items) {
  torch::nn::ModuleList list;
  for (auto& item : items) list->push_back(item);
  return list;
}

torch::Tensor modulate(const torch::Tensor& normed, const torch::Tensor& scale,
                       const torch::Tensor& shift) {
  return normed * (1 + scale).unsqueeze(1) + shift.unsqueeze(1);
}

}  // namespace

LayerNormZero::LayerNormZero(const TransformerConfig& config, const torch::TensorOptions& options) {
  const int64_t dim = config.inner_dim();
  linear_ = register_module(
      "linear", std::make_shared<Linear>(config.time_embed_dim, 6 * dim, true, options));
  norm_ = register_module(
      "norm",
      std::make_shared<LayerNorm>(dim, config.norm_eps, config.norm_elementwise_affine, options));
}

LayerNormZero::Result LayerNormZero::forward(const torch::Tensor& video, const torch::Tensor& text,
                                             const torch::Tensor& temb_silu) const {
  const auto m = linear_->forward(temb_silu).chunk(6, 1);
  return {modulate(norm_->forward(video), m[1], m[0]), modulate(norm_->forward(text), m[4], m[3]),
          m[2].unsqueeze(1), m[5].unsqueeze(1)};
}

JointAttention::JointAttention(const TransformerConfig& config, const torch::TensorOptions& options)
    : heads_(config.num_attention_heads), head_dim_(config.attention_head_dim) {
  const int64_t dim = config.inner_dim();
  const bool bias = config.attention_bias;
  to_q_ = register_module("to_q", std::make_shared<Linear>(dim, dim, bias, options));
  to_k_ = register_module("to_k", std::make_shared<Linear>(dim, dim, bias, options));
  to_v_ = register_module("to_v", std::make_shared<Linear>(dim, dim, bias, options));
  norm_q_ =
      register_module("norm_q", std::make_shared<LayerNorm>(head_dim_, kQkNormEps, true, options));
  norm_k_ =
      register_module("norm_k", std::make_shared<LayerNorm>(head_dim_, kQkNormEps, true, options));
  to_out_0_ = std::make_shared<Linear>(dim, dim, true, options);
  register_module("to_out", indexed_list({to_out_0_}));
}

torch::Tensor JointAttention::heads(const Linear& projection, const LayerNorm* norm,
                                    const torch::Tensor& x, const RotaryTables* rotary,
                                    int64_t text_len) const {
  auto h = projection.forward(x).view({x.size(0), -1, heads_, head_dim_}).transpose(1, 2);
  if (norm) h = norm->forward(h);
  if (!rotary) return h;
  const auto video = apply_rotary(h.slice(2, text_len), *rotary);
  return torch::cat({h.slice(2, 0, text_len), video}, 2);
}

torch::Tensor JointAttention::forward(const torch::Tensor& x, const RotaryTables* rotary,
                                      const AttentionSite& site, AttentionControl* control) const {
  const auto q = heads(*to_q_, norm_q_.get(), x, rotary, site.text_len);
  const auto k = heads(*to_k_, norm_k_.get(), x, rotary, site.text_len);
  const auto v = heads(*to_v_, nullptr, x, nullptr, site.text_len);
  const auto o = control ? control->attend(site, q, k, v, ditstream::full_attention)
                         : ditstream::full_attention(q, k, v);
  return to_out_0_->forward(o.transpose(1, 2).reshape({x.size(0), -1, heads_ * head_dim_}));
}

FeedForward::FeedForward(int64_t dim, int64_t inner_dim, const torch::TensorOptions& options) {
  auto gelu = std::make_shared<torch::nn::Module>();
  proj_ = gelu->register_module("proj", std::make_shared<Linear>(dim, inner_dim, true, options));
  out_ = std::make_shared<Linear>(inner_dim, dim, true, options);
  register_module("net", indexed_list({gelu, std::make_shared<Placeholder>(), out_}));
}

torch::Tensor FeedForward::forward(const torch::Tensor& x) const {
  return out_->forward(torch::gelu(proj_->forward(x), "tanh"));
}

CogVideoXBlock::CogVideoXBlock(const TransformerConfig& config,
                               const torch::TensorOptions& options) {
  const int64_t dim = config.inner_dim();
  norm1_ = register_module("norm1", std::make_shared<LayerNormZero>(config, options));
  attn1_ = register_module("attn1", std::make_shared<JointAttention>(config, options));
  norm2_ = register_module("norm2", std::make_shared<LayerNormZero>(config, options));
  ff_ = register_module("ff", std::make_shared<FeedForward>(dim, 4 * dim, options));
}

std::pair<torch::Tensor, torch::Tensor> CogVideoXBlock::forward(
    const torch::Tensor& video, const torch::Tensor& text, const torch::Tensor& temb_silu,
    const RotaryTables* rotary, const AttentionSite& site, AttentionControl* control) const {
  const int64_t text_len = text.size(1);
  const auto n1 = norm1_->forward(video, text, temb_silu);
  const auto a = attn1_->forward(torch::cat({n1.text, n1.video}, 1), rotary, site, control);
  auto v = video + n1.gate * a.slice(1, text_len);
  auto t = text + n1.text_gate * a.slice(1, 0, text_len);
  throw_if_forward_cancelled();  // attention and feed-forward are each about half a block
  const auto n2 = norm2_->forward(v, t, temb_silu);
  const auto y = ff_->forward(torch::cat({n2.text, n2.video}, 1));
  v = v + n2.gate * y.slice(1, text_len);
  t = t + n2.text_gate * y.slice(1, 0, text_len);
  return {v, t};
}

}  // namespace ditstream
