#include "core/text/t5_encoder.h"

#include "core/io/checkpoint.h"
#include "core/io/module_loader.h"
#include "core/model/layers.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

namespace ditstream {
namespace {

constexpr double kPi = 3.14159265358979323846;

bool keeps_wo_in_fp32(const torch::TensorOptions& options) {
  return options.has_dtype() && options.dtype() == torch::kHalf;
}

// transformers' T5Block clamp, active only while the residual stream is fp16.
torch::Tensor clamp_fp16(const torch::Tensor& h) {
  if (h.scalar_type() != torch::kHalf) return h;
  const double max = 65504.0;
  auto limit = torch::where(torch::isinf(h).any(), torch::scalar_tensor(max - 1000.0),
                            torch::scalar_tensor(max))
                   .to(h.device());
  return torch::clamp(h, -limit, limit);
}

std::string block_key(int64_t index) { return "encoder.block." + std::to_string(index); }

double lowest_value(torch::ScalarType type) {
  switch (type) {
    case torch::kHalf:
      return std::numeric_limits<c10::Half>::lowest();
    case torch::kBFloat16:
      return std::numeric_limits<c10::BFloat16>::lowest();
    case torch::kDouble:
      return std::numeric_limits<double>::lowest();
    default:
      return std::numeric_limits<float>::lowest();
  }
}

// transformers' extended mask: (B, 1, 1, L) with 0 on tokens and finfo(dtype).min on padding.
torch::Tensor padding_bias(const torch::Tensor& attention_mask, const torch::Tensor& h) {
  TORCH_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == h.size(0) &&
                  attention_mask.size(1) == h.size(1),
              "T5EncoderModel: attention_mask must be (batch, length) = ", h.sizes().slice(0, 2),
              ", got ", attention_mask.sizes());
  const auto mask = attention_mask.to(h.device(), h.scalar_type()).unsqueeze(1).unsqueeze(1);
  return (1.0 - mask) * lowest_value(h.scalar_type());
}

void record_block(T5EncoderTrace& trace, const torch::Tensor& position_bias, const torch::Tensor& h,
                  const torch::Tensor& probabilities) {
  if (trace.position_biases.empty()) trace.position_bias = position_bias;
  trace.position_biases.push_back(position_bias);
  trace.block_outputs.push_back(h);
  trace.attention_probabilities.push_back(probabilities);
}

}  // namespace

torch::Tensor t5_relative_position_buckets(int64_t query_length, int64_t key_length,
                                           int64_t num_buckets, int64_t max_distance) {
  const auto context = torch::arange(query_length, torch::kLong).unsqueeze(1);
  const auto memory = torch::arange(key_length, torch::kLong).unsqueeze(0);
  const auto relative = memory - context;
  const int64_t half = num_buckets / 2;
  auto buckets = (relative > 0).to(torch::kLong) * half;
  const auto distance = torch::abs(relative);
  const int64_t max_exact = half / 2;
  // log(0) = -inf on the diagonal is discarded by the where below, as in transformers.
  auto large =
      max_exact + (torch::log(distance.to(torch::kFloat) / max_exact) /
                   std::log(static_cast<double>(max_distance) / max_exact) * (half - max_exact))
                      .to(torch::kLong);
  large = torch::min(large, torch::full_like(large, half - 1));
  return buckets + torch::where(distance < max_exact, distance, large);
}

torch::Tensor t5_gelu_new(const torch::Tensor& x) {
  return 0.5 * x * (1.0 + torch::tanh(std::sqrt(2.0 / kPi) * (x + 0.044715 * torch::pow(x, 3.0))));
}

T5Embedding::T5Embedding(int64_t count, int64_t dim, const torch::TensorOptions& options) {
  weight = register_parameter("weight", torch::empty({count, dim}, options), false);
}

torch::Tensor T5Embedding::forward(const torch::Tensor& ids) const {
  return torch::embedding(weight, ids.to(weight.device()));
}

T5LayerNorm::T5LayerNorm(int64_t dim, double eps_, const torch::TensorOptions& options)
    : eps(eps_) {
  weight = register_parameter("weight", torch::empty({dim}, options), false);
}

torch::Tensor T5LayerNorm::forward(const torch::Tensor& x) const {
  const auto variance = x.to(torch::kFloat).pow(2).mean(-1, true);
  auto normed = x * torch::rsqrt(variance + eps);
  const auto type = weight.scalar_type();
  if (type == torch::kHalf || type == torch::kBFloat16) normed = normed.to(type);
  return weight * normed;
}

T5Attention::T5Attention(const T5Config& config, bool has_relative_attention_bias,
                         const torch::TensorOptions& options)
    : num_heads_(config.num_heads),
      d_kv_(config.d_kv),
      num_buckets_(config.relative_attention_num_buckets),
      max_distance_(config.relative_attention_max_distance) {
  const int64_t inner = config.inner_dim();
  q = register_module("q", std::make_shared<Linear>(config.d_model, inner, false, options));
  k = register_module("k", std::make_shared<Linear>(config.d_model, inner, false, options));
  v = register_module("v", std::make_shared<Linear>(config.d_model, inner, false, options));
  o = register_module("o", std::make_shared<Linear>(inner, config.d_model, false, options));
  if (has_relative_attention_bias)
    relative_attention_bias =
        register_module("relative_attention_bias",
                        std::make_shared<T5Embedding>(num_buckets_, num_heads_, options));
}

torch::Tensor T5Attention::compute_bias(int64_t query_length, int64_t key_length) const {
  TORCH_CHECK(relative_attention_bias, "T5Attention: this block has no relative_attention_bias");
  const auto buckets =
      t5_relative_position_buckets(query_length, key_length, num_buckets_, max_distance_);
  return relative_attention_bias->forward(buckets).permute({2, 0, 1}).unsqueeze(0);
}

torch::Tensor T5Attention::forward(const torch::Tensor& x, const torch::Tensor& position_bias,
                                   torch::Tensor* probabilities) const {
  const int64_t batch = x.size(0);
  auto heads = [&](const Linear& proj) {
    return proj.forward(x).view({batch, -1, num_heads_, d_kv_}).transpose(1, 2);
  };
  // No 1/sqrt(d_kv) scaling: T5 folds it into the weights.
  auto scores = torch::matmul(heads(*q), heads(*k).transpose(3, 2));
  scores += position_bias;
  const auto weights = torch::softmax(scores.to(torch::kFloat), -1).to(scores.scalar_type());
  if (probabilities) *probabilities = weights;
  const auto out = torch::matmul(weights, heads(*v)).transpose(1, 2).contiguous();
  return o->forward(out.view({batch, -1, num_heads_ * d_kv_}));
}

T5LayerSelfAttention::T5LayerSelfAttention(const T5Config& config, bool has_relative_attention_bias,
                                           const torch::TensorOptions& options) {
  attention = register_module(
      "SelfAttention", std::make_shared<T5Attention>(config, has_relative_attention_bias, options));
  layer_norm = register_module(
      "layer_norm",
      std::make_shared<T5LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

torch::Tensor T5LayerSelfAttention::forward(const torch::Tensor& h,
                                            const torch::Tensor& position_bias,
                                            torch::Tensor* probabilities) const {
  return h + attention->forward(layer_norm->forward(h), position_bias, probabilities);
}

T5DenseGatedActDense::T5DenseGatedActDense(const T5Config& config,
                                           const torch::TensorOptions& options) {
  const auto wo_options = keeps_wo_in_fp32(options) ? options.dtype(torch::kFloat) : options;
  wi_0 = register_module("wi_0",
                         std::make_shared<Linear>(config.d_model, config.d_ff, false, options));
  wi_1 = register_module("wi_1",
                         std::make_shared<Linear>(config.d_model, config.d_ff, false, options));
  wo = register_module("wo",
                       std::make_shared<Linear>(config.d_ff, config.d_model, false, wo_options));
}

torch::Tensor T5DenseGatedActDense::forward(const torch::Tensor& x) const {
  auto gated = t5_gelu_new(wi_0->forward(x)) * wi_1->forward(x);
  if (gated.scalar_type() != wo->weight.scalar_type()) gated = gated.to(wo->weight.scalar_type());
  return wo->forward(gated);
}

T5LayerFF::T5LayerFF(const T5Config& config, const torch::TensorOptions& options) {
  dense =
      register_module("DenseReluDense", std::make_shared<T5DenseGatedActDense>(config, options));
  layer_norm = register_module(
      "layer_norm",
      std::make_shared<T5LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

torch::Tensor T5LayerFF::forward(const torch::Tensor& h) const {
  return h + dense->forward(layer_norm->forward(h));
}

T5Block::T5Block(const T5Config& config, bool has_relative_attention_bias,
                 const torch::TensorOptions& options) {
  self_attention =
      std::make_shared<T5LayerSelfAttention>(config, has_relative_attention_bias, options);
  feed_forward = std::make_shared<T5LayerFF>(config, options);
  auto layer = register_module("layer", torch::nn::ModuleList());
  layer->push_back(self_attention);
  layer->push_back(feed_forward);
}

torch::Tensor T5Block::forward(const torch::Tensor& h, const torch::Tensor& position_bias,
                               torch::Tensor* probabilities) const {
  const auto attended = clamp_fp16(self_attention->forward(h, position_bias, probabilities));
  return clamp_fp16(feed_forward->forward(attended));
}

T5EncoderModel::T5EncoderModel(const T5Config& config, const torch::TensorOptions& options)
    : config_(config) {
  config_.validate("T5EncoderModel");
  shared = register_module(
      "shared", std::make_shared<T5Embedding>(config.vocab_size, config.d_model, options));
  auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
  auto block = encoder->register_module("block", torch::nn::ModuleList());
  for (int64_t i = 0; i < config.num_layers; ++i) {
    blocks.push_back(
        std::make_shared<T5Block>(config, i == 0 || config.bias_in_every_block(), options));
    block->push_back(blocks.back());
  }
  final_layer_norm = encoder->register_module(
      "final_layer_norm",
      std::make_shared<T5LayerNorm>(config.d_model, config.layer_norm_epsilon, options));
}

torch::Dtype T5EncoderModel::dtype() const { return shared->weight.scalar_type(); }

torch::Tensor T5EncoderModel::run(const torch::Tensor& input_ids,
                                  const torch::Tensor& attention_mask,
                                  T5EncoderTrace* trace) const {
  TORCH_CHECK(input_ids.dim() == 2, "T5EncoderModel: input_ids must be (batch, length), got ",
              input_ids.sizes());
  auto h = shared->forward(input_ids);
  const int64_t length = input_ids.size(1);
  const auto padding =
      attention_mask.defined() ? ditstream::padding_bias(attention_mask, h) : torch::Tensor();
  if (trace) trace->embeddings = h;
  torch::Tensor position_bias;
  for (const auto& block : blocks) {
    // A block with its own table (T5: block 0; UMT5: every block) replaces the bias; the others
    // reuse the latest one, added to their raw scores.
    const auto& attention = *block->self_attention->attention;
    if (attention.relative_attention_bias) position_bias = attention.compute_bias(length, length);
    const auto bias = padding.defined() ? position_bias + padding : position_bias;
    torch::Tensor probabilities;
    h = block->forward(h, bias, trace ? &probabilities : nullptr);
    if (trace) ditstream::record_block(*trace, position_bias, h, probabilities);
  }
  return final_layer_norm->forward(h);
}

torch::Tensor T5EncoderModel::forward(const torch::Tensor& input_ids,
                                      const torch::Tensor& attention_mask) const {
  return run(input_ids, attention_mask, nullptr);
}

T5EncoderTrace T5EncoderModel::trace(const torch::Tensor& input_ids,
                                     const torch::Tensor& attention_mask) const {
  T5EncoderTrace out;
  out.last_hidden_state = run(input_ids, attention_mask, &out);
  return out;
}

std::shared_ptr<T5EncoderModel> load_t5_encoder(const std::filesystem::path& dir,
                                                const torch::TensorOptions& options) {
  const auto config = T5Config::from_json(JsonConfig::load(dir / "config.json"));
  // Built on the CPU for real targets: the placeholders are never touched (no resident memory) and
  // set_data accepts CPU -> CUDA, but libtorch 1.13 refuses set_data between meta and others.
  const auto build_device = options.device().is_meta() ? torch::kMeta : torch::kCPU;
  auto model = std::make_shared<T5EncoderModel>(config, options.device(build_device));
  const auto checkpoint = Checkpoint::open(dir, "model");
  load_module(*model, checkpoint, LoadOptions{options, {}, {"encoder.embed_tokens.weight"}});
  if (!keeps_wo_in_fp32(options)) return model;
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const auto key = block_key(i) + ".layer.1.DenseReluDense.wo.weight";
    auto& weight = model->blocks[i]->feed_forward->dense->wo->weight;
    weight.set_data(checkpoint.tensor(key).to(weight.device(), torch::kFloat));
  }
  return model;
}

}  // namespace ditstream
