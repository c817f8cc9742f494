#pragma once
// The transformer's input and output stages: patch/text embedding, timestep MLP and the final
// AdaLayerNorm (shift before scale).

#include "core/model/cogvideox/transformer_config.h"
#include "core/model/layers.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>

namespace ditstream {

// patch_embed: text_proj on the text, Conv2d(k = s = patch) per frame on the video; returns
// [text; video] (B, L + F·H'·W', D) with video tokens ordered (f, h, w). No positions added.
class PatchEmbed : public torch::nn::Module {
 public:
  PatchEmbed(const TransformerConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& text, const torch::Tensor& video) const;

 private:
  std::shared_ptr<Conv> proj_;
  std::shared_ptr<Linear> text_proj_;
};

// time_embedding: linear_2(SiLU(linear_1(sinusoid))); no activation after linear_2.
class TimestepEmbedding : public torch::nn::Module {
 public:
  TimestepEmbedding(int64_t in, int64_t out, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& sinusoid) const;

 private:
  std::shared_ptr<Linear> linear_1_, linear_2_;
};

// norm_out: LN(x)·(1 + scale) + shift with (shift, scale) = linear(SiLU(temb)).chunk(2).
class AdaLayerNorm : public torch::nn::Module {
 public:
  AdaLayerNorm(const TransformerConfig& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& temb_silu) const;

 private:
  std::shared_ptr<Linear> linear_;
  std::shared_ptr<LayerNorm> norm_;
};

}  // namespace ditstream
