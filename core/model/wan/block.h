#pragma once
// One WanTransformerBlock (diffusers): modulated self-attention with 3-D RoPE, plain
// cross-attention to the embedded text, modulated feed-forward.

#include "core/model/attention_control.h"
#include "core/model/layers.h"
#include "core/model/rms_norm.h"
#include "core/model/wan/rope.h"
#include "core/model/wan/transformer_config.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

namespace ditstream {

// attn1 / attn2: to_q, to_k, to_v, to_out.0, RMSNorm over all heads (norm_q, norm_k) applied
// before the head split.
class WanAttention : public torch::nn::Module {
 public:
  WanAttention(int64_t dim, int64_t heads, double eps, const torch::TensorOptions& options);
  // x (B, S, D) -> (B, S, D); RoPE on q and k, attention through `control` when set.
  torch::Tensor self_attention(const torch::Tensor& x, const WanRopeTables& rope,
                               const AttentionSite& site, AttentionControl* control) const;
  // q from x (B, S, D), k and v from context (B, L, D); no RoPE, no mask; through `control`
  // (AttentionKind::Cross) when set.
  torch::Tensor cross_attention(const torch::Tensor& x, const torch::Tensor& context,
                                const AttentionSite& site, AttentionControl* control) const;

 private:
  // (B, L, D) -> (B, heads, L, head_dim)
  torch::Tensor split_heads(const Linear& projection, const RMSNorm* norm,
                            const torch::Tensor& x) const;
  torch::Tensor merge_heads(const torch::Tensor& o) const;

  int64_t heads_, head_dim_;
  std::shared_ptr<Linear> to_q_, to_k_, to_v_, to_out_0_;
  std::shared_ptr<RMSNorm> norm_q_, norm_k_;
};

// ffn: net.0.proj -> GELU(tanh) -> net.2 (net.1 is an inert dropout slot).
class WanFeedForward : public torch::nn::Module {
 public:
  WanFeedForward(int64_t dim, int64_t inner_dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  std::shared_ptr<Linear> proj_, out_;
};

class WanTransformerBlock : public torch::nn::Module {
 public:
  // scale_shift_table and norm2 are float32 whatever `options` says (diffusers'
  // _keep_in_fp32_modules).
  WanTransformerBlock(const WanTransformerConfig& config, const torch::TensorOptions& options);
  // x (B, S, D); context (B, L, D), the embedded text; timestep_proj (B, 1 or S, 6, D), the
  // time projection before this block's table. Returns (B, S, D) in x's dtype; modulation,
  // norms and residual adds run in float32.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context,
                        const torch::Tensor& timestep_proj, const WanRopeTables& rope,
                        const AttentionSite& site, AttentionControl* control) const;

 private:
  std::shared_ptr<LayerNorm> norm1_, norm2_, norm3_;  // norm2_ is null without cross_attn_norm
  std::shared_ptr<WanAttention> attn1_, attn2_;
  std::shared_ptr<WanFeedForward> ffn_;
  torch::Tensor scale_shift_table_;  // (1, 6, D): shift, scale, gate (attn1); same for ffn
};

}  // namespace ditstream
