#pragma once
// One CogVideoXBlock: AdaLN-zero modulated joint attention and feed-forward over [text; video].

#include "core/model/attention_control.h"
#include "core/model/cogvideox/transformer_config.h"
#include "core/model/layers.h"
#include "core/model/positional_embeddings.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/types.h>

#include <memory>
#include <utility>

namespace ditstream {

// norm1 / norm2: one LayerNorm shared by both streams, modulated by six chunks of
// linear(SiLU(temb)).
class LayerNormZero : public torch::nn::Module {
 public:
  LayerNormZero(const TransformerConfig& config, const torch::TensorOptions& options);
  struct Result {
    torch::Tensor video, text, gate, text_gate;
  };
  Result forward(const torch::Tensor& video, const torch::Tensor& text,
                 const torch::Tensor& temb_silu) const;

 private:
  std::shared_ptr<Linear> linear_;
  std::shared_ptr<LayerNorm> norm_;
};

// attn1: q/k/v projections, per-head LayerNorm on q and k, RoPE on the video part, to_out.0.
class JointAttention : public torch::nn::Module {
 public:
  JointAttention(const TransformerConfig& config, const torch::TensorOptions& options);
  // x: (B, S, D) with the first site.text_len tokens text; returns (B, S, D).
  torch::Tensor forward(const torch::Tensor& x, const RotaryTables* rotary,
                        const AttentionSite& site, AttentionControl* control) const;

 private:
  torch::Tensor heads(const Linear& projection, const LayerNorm* norm, const torch::Tensor& x,
                      const RotaryTables* rotary, int64_t text_len) const;

  int64_t heads_, head_dim_;
  std::shared_ptr<Linear> to_q_, to_k_, to_v_, to_out_0_;
  std::shared_ptr<LayerNorm> norm_q_, norm_k_;
};

// ff: net.0.proj -> GELU(tanh) -> net.2 (net.1 is an inert dropout slot).
class FeedForward : public torch::nn::Module {
 public:
  FeedForward(int64_t dim, int64_t inner_dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;

 private:
  std::shared_ptr<Linear> proj_, out_;
};

class CogVideoXBlock : public torch::nn::Module {
 public:
  CogVideoXBlock(const TransformerConfig& config, const torch::TensorOptions& options);
  // Returns the updated (video, text) streams.
  std::pair<torch::Tensor, torch::Tensor> forward(
      const torch::Tensor& video, const torch::Tensor& text, const torch::Tensor& temb_silu,
      const RotaryTables* rotary, const AttentionSite& site, AttentionControl* control) const;

 private:
  std::shared_ptr<LayerNormZero> norm1_, norm2_;
  std::shared_ptr<JointAttention> attn1_;
  std::shared_ptr<FeedForward> ff_;
};

}  // namespace ditstream
