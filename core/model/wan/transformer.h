#pragma once
// WanTransformer3DModel (diffusers, Wan2.1 T2V): module names equal the checkpoint keys; forward
// returns the flow (velocity) prediction.

#include "core/model/attention_control.h"
#include "core/model/wan/rope.h"
#include "core/model/wan/transformer_config.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ditstream {

class Conv;
class LayerNorm;
class Linear;
class WanConditionEmbedder;
class WanTransformerBlock;
struct WanConditions;

// Intermediates of one forward, for verification. Shapes follow diffusers: with a per-token
// timestep (B, S) the time tensors carry an S axis after B.
struct WanDebug {
  torch::Tensor patch_embed;                 // (B, S, D), tokens (f, h, w)
  WanRopeTables rope;                        // (S, head_dim) each
  torch::Tensor time_sinusoid;               // (B[, S], freq_dim) float32
  torch::Tensor temb;                        // (B[, S], D): time_embedder output
  torch::Tensor timestep_proj;               // (B[, S], 6, D): before the blocks' tables
  torch::Tensor text_embed;                  // (B, L, D): text_embedder output
  std::vector<torch::Tensor> block_outputs;  // (B, S, D) per block
};

struct WanForwardOptions {
  // Absolute latent frame of hidden_states' first frame: RoPE rows start there, as a chunked
  // (KV-cached) caller needs.
  int64_t frame_offset = 0;
  WanDebug* debug = nullptr;  // filled when set
};

class WanTransformer3DModel : public torch::nn::Module {
 public:
  // time_embedder and the scale_shift_tables / norm2 are float32 whatever `options` says
  // (diffusers' _keep_in_fp32_modules); everything else gets `options`.
  WanTransformer3DModel(const WanTransformerConfig& config, const torch::TensorOptions& options);

  // Reads dir/config.json and the weights load_wan_weights (wan/checkpoint_layout.h) finds:
  // dir/diffusion_pytorch_model(.safetensors | .safetensors.index.json), the checkpoint named by
  // dir/causal_config.json, or `checkpoint_file`; strict name and shape matching in every
  // layout. Parameters get `options`' device and dtype (float32 where the constructor says so).
  // `weights_description`, when given, receives where the weights came from.
  static std::shared_ptr<WanTransformer3DModel> load(
      const std::filesystem::path& dir, const torch::TensorOptions& options,
      const std::filesystem::path& checkpoint_file = {},
      std::string* weights_description = nullptr);

  // hidden_states (B, C, F, H, W); timestep (B) int64 or float, or (B, S) per token (S = the
  // number of patches, order (f, h, w)); encoder_hidden_states (B, L, text_dim), padded rows
  // included (no mask). Returns (B, out_channels, F, H, W) in the model dtype. Inputs are moved
  // to the model's device and dtype. Self-attention of block i goes through ctx.control with
  // AttentionSite{ctx.step, i, text_len 0}.
  torch::Tensor forward(const torch::Tensor& hidden_states, const torch::Tensor& timestep,
                        const torch::Tensor& encoder_hidden_states,
                        const AttentionContext& ctx = {},
                        const WanForwardOptions& options = {}) const;

  const WanTransformerConfig& config() const { return config_; }
  torch::ScalarType dtype() const;  // of the bulk of the weights (proj_out)
  torch::Device device() const;

  // RoPE tables for a grid of latent frames x rows x cols patches on the model's device.
  WanRopeTables rope_tables(int64_t frames, int64_t rows, int64_t cols, int64_t frame_offset) const;

 private:
  torch::Tensor embed_patches(const torch::Tensor& x, WanDebug* debug) const;
  WanConditions embed_conditions(const torch::Tensor& timestep, const torch::Tensor& text,
                                 WanDebug* debug) const;
  // A fork (ctx.fork) re-indexes the rows of `cond` as well as the tokens.
  torch::Tensor run_blocks(torch::Tensor tokens, WanConditions& cond, const WanRopeTables& rope,
                           const AttentionContext& ctx, WanDebug* debug) const;
  torch::Tensor head(const torch::Tensor& tokens, const torch::Tensor& temb) const;
  torch::Tensor unpatchify(const torch::Tensor& out, c10::IntArrayRef input_shape) const;

  WanTransformerConfig config_;
  std::shared_ptr<Conv> patch_embedding_;
  std::shared_ptr<WanConditionEmbedder> condition_embedder_;
  std::vector<std::shared_ptr<WanTransformerBlock>> blocks_;
  std::shared_ptr<LayerNorm> norm_out_;
  std::shared_ptr<Linear> proj_out_;
  torch::Tensor scale_shift_table_;  // (1, 2, D): shift, scale of the output norm
};

}  // namespace ditstream
