#include "core/model/cogvideox/transformer.h"

#include "core/io/checkpoint.h"
#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/model/block_cache.h"
#include "core/model/cogvideox/block.h"
#include "core/model/cogvideox/embeddings.h"
#include "core/model/forward_cancellation.h"
#include "core/model/layers.h"
#include "core/model/sequence_shard.h"

#include <torch/torch.h>

#include <mutex>
#include <optional>
#include <stdexcept>

namespace ditstream {

struct PositionInputs {
  torch::Tensor sincos;                // (N, D) in the activation dtype; sincos models only
  std::optional<RotaryTables> rotary;  // RoPE models only
};

struct PositionCache {
  std::mutex mutex;
  std::vector<int64_t> key;  // frames, height, width, dtype, device type, device index
  PositionInputs inputs;
};

CogVideoXTransformer3DModel::CogVideoXTransformer3DModel(const TransformerConfig& config,
                                                         const torch::TensorOptions& options)
    : config_(config), cache_(std::make_unique<PositionCache>()) {
  config_.validate("CogVideoXTransformer3DModel");
  const int64_t dim = config_.inner_dim();
  const int64_t p = config_.patch_size;
  patch_embed_ = register_module("patch_embed", std::make_shared<PatchEmbed>(config_, options));
  time_embedding_ = register_module(
      "time_embedding", std::make_shared<TimestepEmbedding>(dim, config_.time_embed_dim, options));
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    blocks_.push_back(std::make_shared<CogVideoXBlock>(config_, options));
    blocks->push_back(blocks_.back());
  }
  register_module("transformer_blocks", blocks);
  norm_final_ = register_module(
      "norm_final",
      std::make_shared<LayerNorm>(dim, config_.norm_eps, config_.norm_elementwise_affine, options));
  norm_out_ = register_module("norm_out", std::make_shared<AdaLayerNorm>(config_, options));
  proj_out_ = register_module(
      "proj_out", std::make_shared<Linear>(dim, p * p * config_.out_channels, true, options));
}

CogVideoXTransformer3DModel::~CogVideoXTransformer3DModel() = default;

torch::ScalarType CogVideoXTransformer3DModel::dtype() const {
  return proj_out_->weight.scalar_type();
}

torch::Device CogVideoXTransformer3DModel::device() const { return proj_out_->weight.device(); }

torch::Tensor CogVideoXTransformer3DModel::time_sinusoid(const torch::Tensor& timestep) const {
  return timestep_sinusoid(timestep.to(device()), config_.inner_dim(), config_.flip_sin_to_cos,
                           static_cast<double>(config_.freq_shift));
}

torch::Tensor CogVideoXTransformer3DModel::time_embedding(const torch::Tensor& timestep) const {
  return time_embedding_->forward(time_sinusoid(timestep).to(dtype()));
}

torch::Tensor CogVideoXTransformer3DModel::sincos_table(int64_t frames, int64_t height,
                                                        int64_t width) const {
  const int64_t p = config_.patch_size;
  return sincos_table_3d(config_.inner_dim(), frames, height / p, width / p,
                         config_.spatial_interpolation_scale, config_.temporal_interpolation_scale);
}

RotaryTables CogVideoXTransformer3DModel::rotary_tables(int64_t frames, int64_t height,
                                                        int64_t width) const {
  const int64_t p = config_.patch_size;
  return rotary_tables_3d(config_.attention_head_dim, frames, height / p, width / p,
                          config_.sample_height / p, config_.sample_width / p);
}

torch::Tensor CogVideoXTransformer3DModel::embed(const torch::Tensor& hidden_states,
                                                 const torch::Tensor& encoder_hidden_states) const {
  auto tokens = patch_embed_->forward(encoder_hidden_states, hidden_states);
  if (config_.use_rotary_positional_embeddings) return tokens;
  const int64_t text_len = encoder_hidden_states.size(1);
  if (text_len != config_.max_text_seq_length) {
    throw std::runtime_error("CogVideoXTransformer3DModel: text length " +
                             std::to_string(text_len) + " must equal max_text_seq_length " +
                             std::to_string(config_.max_text_seq_length) +
                             " (the sincos table has one zero row per text token)");
  }
  // Text rows of the table are zero: adding 0 leaves them exactly as they are.
  tokens.slice(1, text_len).add_(positions(hidden_states).sincos.unsqueeze(0));
  return tokens;
}

PositionInputs CogVideoXTransformer3DModel::positions(const torch::Tensor& x) const {
  const std::vector<int64_t> key{x.size(1),
                                 x.size(3),
                                 x.size(4),
                                 static_cast<int64_t>(x.scalar_type()),
                                 static_cast<int64_t>(x.device().type()),
                                 x.device().index()};
  std::lock_guard<std::mutex> lock(cache_->mutex);
  if (cache_->key == key) return cache_->inputs;
  PositionInputs inputs;
  if (config_.use_rotary_positional_embeddings) {
    const auto tables = rotary_tables(x.size(1), x.size(3), x.size(4));
    inputs.rotary = RotaryTables{tables.cos.to(x.device()), tables.sin.to(x.device())};
  } else {
    // float64 -> activation dtype in one cast, as diffusers does.
    inputs.sincos = sincos_table(x.size(1), x.size(3), x.size(4)).to(x.device(), x.scalar_type());
  }
  cache_->key = key;
  cache_->inputs = inputs;
  return inputs;
}

torch::Tensor CogVideoXTransformer3DModel::unpatchify(const torch::Tensor& tokens,
                                                      const c10::IntArrayRef input_shape) const {
  const int64_t b = input_shape[0], f = input_shape[1], h = input_shape[3], w = input_shape[4];
  const int64_t p = config_.patch_size;
  return tokens.reshape({b, f, h / p, w / p, -1, p, p})
      .permute({0, 1, 4, 2, 5, 3, 6})
      .flatten(5, 6)
      .flatten(3, 4);
}

torch::Tensor CogVideoXTransformer3DModel::forward(const torch::Tensor& hidden_states,
                                                   const torch::Tensor& encoder_hidden_states,
                                                   const torch::Tensor& timestep,
                                                   const AttentionContext& ctx) const {
  const auto x = hidden_states.to(device(), dtype());
  const auto c = encoder_hidden_states.to(device(), dtype());
  const auto temb_silu = torch::silu(time_embedding(timestep));
  const auto tokens = embed(x, c);
  const int64_t text_len = c.size(1);
  auto text = tokens.slice(1, 0, text_len);
  auto video = shard_video_tokens(tokens.slice(1, text_len));
  auto rotary = positions(x).rotary;
  if (rotary) rotary = RotaryTables{shard_token_rows(rotary->cos), shard_token_rows(rotary->sin)};
  AttentionSite site{ctx.step, 0, text_len, ctx.roles.empty() ? nullptr : &ctx.roles};
  auto temb = temb_silu;
  BlockCacheRun cache(ctx.block_cache, video, ctx.fork, ctx.step);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    throw_if_forward_cancelled();
    fork_at_block(ctx, static_cast<int64_t>(i), site, {&video, &text, &temb});
    std::tie(video, text) =
        blocks_[i]->forward(video, text, temb, rotary ? &*rotary : nullptr, site, ctx.control);
    if (cache.skip_rest(static_cast<int64_t>(i), video, {&temb})) break;
    if (i + 1 == blocks_.size()) cache.finish(video);
  }
  video = gather_video_tokens(video);
  const auto out = proj_out_->forward(norm_out_->forward(norm_final_->forward(video), temb));
  auto shape = x.sizes().vec();
  shape[0] = out.size(0);  // more rows after a fork
  return unpatchify(out, shape);
}

std::shared_ptr<CogVideoXTransformer3DModel> load_transformer(const std::filesystem::path& dir,
                                                              const torch::TensorOptions& options) {
  const auto config = TransformerConfig::from_json(JsonConfig::load(dir / "config.json"));
  auto model = std::make_shared<CogVideoXTransformer3DModel>(config, options);
  LoadOptions load;
  load.target = options;
  load_module(*model, Checkpoint::open(dir, "diffusion_pytorch_model"), load);
  return model;
}

}  // namespace ditstream
