#pragma once
// CogVideoXTransformer3DModel (diffusers), CogVideoX 1.0 path: module names equal the checkpoint
// keys; forward returns the v-prediction.

#include "core/model/attention_control.h"
#include "core/model/cogvideox/transformer_config.h"
#include "core/model/positional_embeddings.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace ditstream {

class PatchEmbed;
class TimestepEmbedding;
class AdaLayerNorm;
class CogVideoXBlock;
class LayerNorm;
class Linear;
struct PositionCache;
struct PositionInputs;

class CogVideoXTransformer3DModel : public torch::nn::Module {
 public:
  CogVideoXTransformer3DModel(const TransformerConfig& config, const torch::TensorOptions& options);
  ~CogVideoXTransformer3DModel() override;

  // hidden_states (B, F, C, H, W), encoder_hidden_states (B, L, text_embed_dim), timestep int64 (B)
  // -> v-prediction (B, F, out_channels, H, W) in the model dtype. Inputs are cast to the model's
  // dtype and device.
  torch::Tensor forward(const torch::Tensor& hidden_states,
                        const torch::Tensor& encoder_hidden_states, const torch::Tensor& timestep,
                        const AttentionContext& ctx = {}) const;

  const TransformerConfig& config() const { return config_; }
  torch::ScalarType dtype() const;
  torch::Device device() const;

  // Intermediates of forward, exposed for verification.
  torch::Tensor time_sinusoid(const torch::Tensor& timestep) const;   // (B, D) float32
  torch::Tensor time_embedding(const torch::Tensor& timestep) const;  // (B, time_embed_dim)
  // 3D sincos rows of the video tokens for a latent (frames, height, width): (N, D) float64.
  torch::Tensor sincos_table(int64_t frames, int64_t height, int64_t width) const;
  // RoPE tables for a latent (frames, height, width), as the pipeline prepares them.
  RotaryTables rotary_tables(int64_t frames, int64_t height, int64_t width) const;

 private:
  torch::Tensor embed(const torch::Tensor& hidden_states,
                      const torch::Tensor& encoder_hidden_states) const;
  // Positional inputs for the latent size of x, in x's dtype and device; cached per size.
  PositionInputs positions(const torch::Tensor& x) const;
  torch::Tensor unpatchify(const torch::Tensor& tokens, const c10::IntArrayRef input_shape) const;

  TransformerConfig config_;
  std::shared_ptr<PatchEmbed> patch_embed_;
  std::shared_ptr<TimestepEmbedding> time_embedding_;
  std::vector<std::shared_ptr<CogVideoXBlock>> blocks_;
  std::shared_ptr<LayerNorm> norm_final_;
  std::shared_ptr<AdaLayerNorm> norm_out_;
  std::shared_ptr<Linear> proj_out_;
  std::unique_ptr<PositionCache> cache_;
};

// Reads dir/config.json and dir/diffusion_pytorch_model(.safetensors | .safetensors.index.json)
// with strict name and shape matching; parameters end up with `options`' dtype and device.
std::shared_ptr<CogVideoXTransformer3DModel> load_transformer(const std::filesystem::path& dir,
                                                              const torch::TensorOptions& options);

}  // namespace ditstream
