#include "core/model/wan/block.h"

#include "core/model/forward_cancellation.h"

#include <torch/torch.h>

#include <vector>

namespace ditstream {
namespace {

torch::nn::ModuleList indexed_list(const std::vector<std::shared_ptr<torch::nn::Module>>& items) {
  torch::nn::ModuleList list;
  for (const auto& item : items) list->push_back(item);
  return list;
}

// normed·(1 + scale) + shift, all float32.
torch::Tensor modulate(const torch::Tensor& normed, const torch::Tensor& shift,
                       const torch::Tensor& scale) {
  return normed * (1 + scale) + shift;
}

}  // namespace

WanAttention::WanAttention(int64_t dim, int64_t heads, double eps,
                           const torch::TensorOptions& options)
    : heads_(heads), head_dim_(dim / heads) {
  to_q_ = register_module("to_q", std::make_shared<Linear>(dim, dim, true, options));
  to_k_ = register_module("to_k", std::make_shared<Linear>(dim, dim, true, options));
  to_v_ = register_module("to_v", std::make_shared<Linear>(dim, dim, true, options));
  to_out_0_ = std::make_shared<Linear>(dim, dim, true, options);
  register_module("to_out", indexed_list({to_out_0_, std::make_shared<Placeholder>()}));
  norm_q_ = register_module("norm_q", std::make_shared<RMSNorm>(dim, eps, options));
  norm_k_ = register_module("norm_k", std::make_shared<RMSNorm>(dim, eps, options));
}

torch::Tensor WanAttention::split_heads(const Linear& projection, const RMSNorm* norm,
                                        const torch::Tensor& x) const {
  auto h = projection.forward(x);
  if (norm) h = norm->forward(h);
  return h.view({x.size(0), x.size(1), heads_, head_dim_}).transpose(1, 2);
}

torch::Tensor WanAttention::merge_heads(const torch::Tensor& o) const {
  return to_out_0_->forward(o.transpose(1, 2).reshape({o.size(0), o.size(2), heads_ * head_dim_}));
}

torch::Tensor WanAttention::self_attention(const torch::Tensor& x, const WanRopeTables& rope,
                                           const AttentionSite& site,
                                           AttentionControl* control) const {
  const auto q = ditstream::apply_wan_rope(split_heads(*to_q_, norm_q_.get(), x), rope);
  const auto k = ditstream::apply_wan_rope(split_heads(*to_k_, norm_k_.get(), x), rope);
  const auto v = split_heads(*to_v_, nullptr, x);
  const auto o = control ? control->attend(site, q, k, v, ditstream::full_attention)
                         : ditstream::full_attention(q, k, v);
  return merge_heads(o);
}

torch::Tensor WanAttention::cross_attention(const torch::Tensor& x, const torch::Tensor& context,
                                            const AttentionSite& site,
                                            AttentionControl* control) const {
  const auto q = split_heads(*to_q_, norm_q_.get(), x);
  const auto k = split_heads(*to_k_, norm_k_.get(), context);
  const auto v = split_heads(*to_v_, nullptr, context);
  if (!control) return merge_heads(ditstream::full_attention(q, k, v));
  AttentionSite cross = site;
  cross.kind = AttentionKind::Cross;
  return merge_heads(control->attend(cross, q, k, v, ditstream::full_attention));
}

WanFeedForward::WanFeedForward(int64_t dim, int64_t inner_dim,
                               const torch::TensorOptions& options) {
  auto gelu = std::make_shared<torch::nn::Module>();
  proj_ = gelu->register_module("proj", std::make_shared<Linear>(dim, inner_dim, true, options));
  out_ = std::make_shared<Linear>(inner_dim, dim, true, options);
  register_module("net", indexed_list({gelu, std::make_shared<Placeholder>(), out_}));
}

torch::Tensor WanFeedForward::forward(const torch::Tensor& x) const {
  return out_->forward(torch::gelu(proj_->forward(x), "tanh"));
}

WanTransformerBlock::WanTransformerBlock(const WanTransformerConfig& config,
                                         const torch::TensorOptions& options) {
  const int64_t dim = config.inner_dim();
  const auto fp32 = options.dtype(torch::kFloat32);
  norm1_ = register_module("norm1", std::make_shared<LayerNorm>(dim, config.eps, false, fp32));
  attn1_ = register_module("attn1", std::make_shared<WanAttention>(dim, config.num_attention_heads,
                                                                   config.eps, options));
  attn2_ = register_module("attn2", std::make_shared<WanAttention>(dim, config.num_attention_heads,
                                                                   config.eps, options));
  if (config.cross_attn_norm)
    norm2_ = register_module("norm2", std::make_shared<LayerNorm>(dim, config.eps, true, fp32));
  ffn_ = register_module("ffn", std::make_shared<WanFeedForward>(dim, config.ffn_dim, options));
  norm3_ = register_module("norm3", std::make_shared<LayerNorm>(dim, config.eps, false, fp32));
  scale_shift_table_ =
      register_parameter("scale_shift_table", torch::empty({1, 6, dim}, fp32), false);
}

torch::Tensor WanTransformerBlock::forward(const torch::Tensor& x, const torch::Tensor& context,
                                           const torch::Tensor& timestep_proj,
                                           const WanRopeTables& rope, const AttentionSite& site,
                                           AttentionControl* control) const {
  const auto dtype = x.scalar_type();
  const auto m = (scale_shift_table_ + timestep_proj.to(torch::kFloat32)).unbind(2);
  auto h = ditstream::modulate(norm1_->forward(x.to(torch::kFloat32)), m[0], m[1]).to(dtype);
  auto out =
      (x.to(torch::kFloat32) + attn1_->self_attention(h, rope, site, control) * m[2]).to(dtype);
  throw_if_forward_cancelled();  // each part is a fraction of a block: closing waits for one
  h = norm2_ ? norm2_->forward(out.to(torch::kFloat32)).to(dtype) : out;
  out = out + attn2_->cross_attention(h, context, site, control);
  throw_if_forward_cancelled();
  h = ditstream::modulate(norm3_->forward(out.to(torch::kFloat32)), m[3], m[4]).to(dtype);
  return (out.to(torch::kFloat32) + ffn_->forward(h).to(torch::kFloat32) * m[5]).to(dtype);
}

}  // namespace ditstream
