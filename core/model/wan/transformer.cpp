#include "core/model/wan/transformer.h"

#include "core/io/checkpoint.h"
#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/model/block_cache.h"
#include "core/model/forward_cancellation.h"
#include "core/model/layers.h"
#include "core/model/positional_embeddings.h"
#include "core/model/sequence_shard.h"
#include "core/model/wan/block.h"
#include "core/model/wan/checkpoint_layout.h"

#include <torch/torch.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ditstream {

// time_embedder (linear_1 -> SiLU -> linear_2) and text_embedder (linear_1 -> GELU(tanh) ->
// linear_2).
class WanMlpEmbedding : public torch::nn::Module {
 public:
  enum class Activation { Silu, GeluTanh };
  WanMlpEmbedding(int64_t in, int64_t out, Activation activation,
                  const torch::TensorOptions& options)
      : activation_(activation) {
    linear_1_ = register_module("linear_1", std::make_shared<Linear>(in, out, true, options));
    linear_2_ = register_module("linear_2", std::make_shared<Linear>(out, out, true, options));
  }
  torch::Tensor forward(const torch::Tensor& x) const {
    const auto h = linear_1_->forward(x);
    return linear_2_->forward(activation_ == Activation::Silu ? torch::silu(h)
                                                              : torch::gelu(h, "tanh"));
  }
  torch::ScalarType dtype() const { return linear_1_->weight.scalar_type(); }

 private:
  Activation activation_;
  std::shared_ptr<Linear> linear_1_, linear_2_;
};

// Shapes as diffusers computes them: time tensors have an S axis only for a (B, S) timestep.
struct WanConditions {
  torch::Tensor sinusoid;       // (B[, S], freq_dim) float32
  torch::Tensor temb;           // (B[, S], D) activation dtype, pre-SiLU (used by the head)
  torch::Tensor timestep_proj;  // (B[, S], 6, D) activation dtype
  torch::Tensor text;           // (B, L, D)
};

// condition_embedder: sinusoid -> time_embedder (float32) -> time_proj(SiLU(temb)); text MLP.
class WanConditionEmbedder : public torch::nn::Module {
 public:
  WanConditionEmbedder(const WanTransformerConfig& config, const torch::TensorOptions& options)
      : freq_dim_(config.freq_dim) {
    const int64_t dim = config.inner_dim();
    using A = WanMlpEmbedding::Activation;
    time_embedder_ = register_module(
        "time_embedder", std::make_shared<WanMlpEmbedding>(config.freq_dim, dim, A::Silu,
                                                           options.dtype(torch::kFloat32)));
    time_proj_ =
        register_module("time_proj", std::make_shared<Linear>(dim, 6 * dim, true, options));
    text_embedder_ = register_module(
        "text_embedder",
        std::make_shared<WanMlpEmbedding>(config.text_dim, dim, A::GeluTanh, options));
  }

  // timestep (B) or (B, S) on the model's device; text (B, L, text_dim) in the activation dtype.
  WanConditions forward(const torch::Tensor& timestep, const torch::Tensor& text) const {
    const auto lead = timestep.sizes().vec();
    const auto sinusoid = ditstream::timestep_sinusoid(timestep.flatten(), freq_dim_, true, 0.0)
                              .view(with_last(lead, {freq_dim_}));
    const auto temb =
        time_embedder_->forward(sinusoid.to(time_embedder_->dtype())).to(text.scalar_type());
    const auto proj = time_proj_->forward(torch::silu(temb)).view(with_last(lead, {6, -1}));
    return {sinusoid, temb, proj, text_embedder_->forward(text)};
  }

 private:
  static std::vector<int64_t> with_last(std::vector<int64_t> lead,
                                        std::initializer_list<int64_t> last) {
    lead.insert(lead.end(), last.begin(), last.end());
    return lead;
  }

  int64_t freq_dim_;
  std::shared_ptr<WanMlpEmbedding> time_embedder_, text_embedder_;
  std::shared_ptr<Linear> time_proj_;
};

namespace {

std::string shape_text(const torch::Tensor& t) { return c10::str(t.sizes()); }

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("WanTransformer3DModel: " + what);
}

// Returns the number of patch tokens.
int64_t check_latents(const WanTransformerConfig& config, const torch::Tensor& x) {
  if (x.dim() != 5 || x.size(1) != config.in_channels)
    fail("hidden_states " + shape_text(x) + " must be (B, " + std::to_string(config.in_channels) +
         ", F, H, W)");
  int64_t tokens = 1;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t size = x.size(axis + 2), patch = config.patch_size[axis];
    if (size % patch != 0)
      fail("hidden_states " + shape_text(x) + " is not divisible by patch_size " +
           c10::str(c10::IntArrayRef(config.patch_size.data(), 3)));
    tokens *= size / patch;
  }
  return tokens;
}

void check_conditions(const WanTransformerConfig& config, const torch::Tensor& timestep,
                      const torch::Tensor& text, int64_t batch, int64_t tokens) {
  const bool batch_ok = timestep.dim() >= 1 && (timestep.size(0) == batch || timestep.size(0) == 1);
  const bool shape_ok = timestep.dim() == 1 || (timestep.dim() == 2 && timestep.size(1) == tokens);
  if (!batch_ok || !shape_ok)
    fail("timestep " + shape_text(timestep) + " must be (B) or (B, S) with B = " +
         std::to_string(batch) + ", S = " + std::to_string(tokens));
  if (text.dim() != 3 || text.size(0) != batch || text.size(2) != config.text_dim)
    fail("encoder_hidden_states " + shape_text(text) + " must be (" + std::to_string(batch) +
         ", L, " + std::to_string(config.text_dim) + ")");
}

std::map<std::string, torch::ScalarType> parameter_dtypes(const torch::nn::Module& module) {
  std::map<std::string, torch::ScalarType> out;
  for (const auto& p : module.named_parameters(true)) out[p.key()] = p.value().scalar_type();
  return out;
}

void place_parameters(const torch::nn::Module& module,
                      const std::map<std::string, torch::ScalarType>& dtypes,
                      torch::Device device) {
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters(true))
    p.value().set_data(p.value().to(device, dtypes.at(p.key())));
}

}  // namespace

WanTransformer3DModel::WanTransformer3DModel(const WanTransformerConfig& config,
                                             const torch::TensorOptions& options)
    : config_(config) {
  config_.validate("WanTransformer3DModel");
  const int64_t dim = config_.inner_dim();
  const std::vector<int64_t> patch(config_.patch_size.begin(), config_.patch_size.end());
  patch_embedding_ = register_module(
      "patch_embedding", std::make_shared<Conv>(config_.in_channels, dim, patch, patch,
                                                std::vector<int64_t>{0, 0, 0}, true, options));
  condition_embedder_ = register_module("condition_embedder",
                                        std::make_shared<WanConditionEmbedder>(config_, options));
  torch::nn::ModuleList blocks;
  for (int64_t i = 0; i < config_.num_layers; ++i) {
    blocks_.push_back(std::make_shared<WanTransformerBlock>(config_, options));
    blocks->push_back(blocks_.back());
  }
  register_module("blocks", blocks);
  norm_out_ =
      register_module("norm_out", std::make_shared<LayerNorm>(dim, config_.eps, false, options));
  proj_out_ = register_module(
      "proj_out",
      std::make_shared<Linear>(dim, config_.out_channels * config_.patch_volume(), true, options));
  scale_shift_table_ = register_parameter(
      "scale_shift_table", torch::empty({1, 2, dim}, options.dtype(torch::kFloat32)), false);
}

std::shared_ptr<WanTransformer3DModel> WanTransformer3DModel::load(
    const std::filesystem::path& dir, const torch::TensorOptions& options,
    const std::filesystem::path& checkpoint_file, std::string* weights_description) {
  const auto config = WanTransformerConfig::from_json(JsonConfig::load(dir / "config.json"));
  // A meta target (ditstream info) must be built on meta: set_data cannot move CPU to meta.
  const auto build_device = options.device().is_meta() ? torch::kMeta : torch::kCPU;
  auto model = std::make_shared<WanTransformer3DModel>(config, options.device(build_device));
  const auto dtypes = parameter_dtypes(*model);
  const auto weights = ditstream::load_wan_weights(dir, checkpoint_file);
  if (weights_description) *weights_description = weights.description;
  LoadOptions load;
  load.target = torch::TensorOptions().device(build_device);  // file dtype: mapped, not copied
  load_module(*model, weights.checkpoint, load);
  place_parameters(*model, dtypes, options.device());
  return model;
}

torch::ScalarType WanTransformer3DModel::dtype() const { return proj_out_->weight.scalar_type(); }

torch::Device WanTransformer3DModel::device() const { return proj_out_->weight.device(); }

WanRopeTables WanTransformer3DModel::rope_tables(int64_t frames, int64_t rows, int64_t cols,
                                                 int64_t frame_offset) const {
  const auto t = ditstream::wan_rope_tables(config_.attention_head_dim, frames, rows, cols,
                                            frame_offset, config_.rope_max_seq_len);
  return {t.cos.to(device()), t.sin.to(device())};
}

torch::Tensor WanTransformer3DModel::embed_patches(const torch::Tensor& x, WanDebug* debug) const {
  auto tokens = patch_embedding_->forward(x).flatten(2).transpose(1, 2);
  if (debug) debug->patch_embed = tokens;
  return tokens;
}

WanConditions WanTransformer3DModel::embed_conditions(const torch::Tensor& timestep,
                                                      const torch::Tensor& text,
                                                      WanDebug* debug) const {
  auto cond = condition_embedder_->forward(timestep.to(device()), text.to(device(), dtype()));
  if (debug) {
    debug->time_sinusoid = cond.sinusoid;
    debug->temb = cond.temb;
    debug->timestep_proj = cond.timestep_proj;
    debug->text_embed = cond.text;
  }
  if (timestep.dim() == 1) {  // one token axis for both timestep forms: (B, 1, ...)
    cond.temb = cond.temb.unsqueeze(1);
    cond.timestep_proj = cond.timestep_proj.unsqueeze(1);
  }
  return cond;
}

torch::Tensor WanTransformer3DModel::run_blocks(torch::Tensor tokens, WanConditions& cond,
                                                const WanRopeTables& rope,
                                                const AttentionContext& ctx,
                                                WanDebug* debug) const {
  AttentionSite site{ctx.step, 0, 0, ctx.roles.empty() ? nullptr : &ctx.roles};
  BlockCacheRun cache(ctx.block_cache, tokens, ctx.fork, ctx.step);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    throw_if_forward_cancelled();
    fork_at_block(ctx, static_cast<int64_t>(i), site,
                  {&tokens, &cond.text, &cond.timestep_proj, &cond.temb});
    tokens = blocks_[i]->forward(tokens, cond.text, cond.timestep_proj, rope, site, ctx.control);
    if (cache.skip_rest(static_cast<int64_t>(i), tokens, {&cond.temb})) break;
    if (i + 1 == blocks_.size()) cache.finish(tokens);
    if (debug) debug->block_outputs.push_back(tokens);
  }
  return tokens;
}

// The head modulation adds temb itself (pre-SiLU, not timestep_proj), shift first.
torch::Tensor WanTransformer3DModel::head(const torch::Tensor& tokens,
                                          const torch::Tensor& temb) const {
  const auto shift_scale = (scale_shift_table_ + temb.unsqueeze(2)).unbind(2);
  const auto normed = norm_out_->forward(tokens.to(torch::kFloat32));
  const auto modulated = normed * (1 + shift_scale[1]) + shift_scale[0];
  return proj_out_->forward(modulated.to(tokens.scalar_type()));
}

// Each token's outputs are ordered (pt, ph, pw, c), c fastest, unlike the (c, pt, ph, pw) order of
// the patch embedding's input.
torch::Tensor WanTransformer3DModel::unpatchify(const torch::Tensor& out,
                                                c10::IntArrayRef input_shape) const {
  const auto [pt, ph, pw] = config_.patch_size;
  const int64_t f = input_shape[2] / pt, h = input_shape[3] / ph, w = input_shape[4] / pw;
  return out.reshape({input_shape[0], f, h, w, pt, ph, pw, -1})
      .permute({0, 7, 1, 4, 2, 5, 3, 6})
      .flatten(6, 7)
      .flatten(4, 5)
      .flatten(2, 3);
}

torch::Tensor WanTransformer3DModel::forward(const torch::Tensor& hidden_states,
                                             const torch::Tensor& timestep,
                                             const torch::Tensor& encoder_hidden_states,
                                             const AttentionContext& ctx,
                                             const WanForwardOptions& options) const {
  const auto x = hidden_states.to(device(), dtype());
  const int64_t tokens = ditstream::check_latents(config_, x);
  ditstream::check_conditions(config_, timestep, encoder_hidden_states, x.size(0), tokens);
  const auto patches = shard_video_tokens(embed_patches(x, options.debug));
  auto cond = embed_conditions(timestep, encoder_hidden_states, options.debug);
  if (cond.temb.size(1) > 1) {  // a timestep per token
    cond.temb = shard_video_tokens(cond.temb);
    cond.timestep_proj = shard_video_tokens(cond.timestep_proj);
  }
  const auto& p = config_.patch_size;
  auto rope =
      rope_tables(x.size(2) / p[0], x.size(3) / p[1], x.size(4) / p[2], options.frame_offset);
  if (options.debug) options.debug->rope = rope;
  rope = {shard_token_rows(rope.cos), shard_token_rows(rope.sin)};
  const auto out =
      gather_video_tokens(head(run_blocks(patches, cond, rope, ctx, options.debug), cond.temb));
  auto shape = x.sizes().vec();
  shape[0] = out.size(0);  // more rows after a fork
  return unpatchify(out, shape);
}

}  // namespace ditstream
