#pragma once
// transformers' T5EncoderModel (T5 v1.1: gated-gelu FFN, RMSNorm, relative position bias) and
// UMT5EncoderModel (config model_type "umt5"), with module paths equal to the checkpoint keys and
// their exact eval-mode semantics: no 1/sqrt(d) score scaling, softmax in fp32, RMSNorm
// statistics in fp32, tanh GELU ("gelu_new"). T5: block 0's relative bias is shared by all blocks;
// UMT5: every block adds its own table's bias. The attention mask is optional (CogVideoX runs T5
// without one; Wan runs UMT5 with one).
//
// fp16: like transformers' _keep_in_fp32_modules = ["wo"], every DenseReluDense.wo stays fp32,
// which turns the residual stream fp32 from block 0's FFN on (the RMSNorms cast back to fp16).
// bf16 and fp32 models are uniform.

#include "core/text/t5_config.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <vector>

namespace ditstream {

class Linear;

// (L_q, L_k) int64 bucket of key j relative to query i (bidirectional, computed as transformers
// does, in float32 with truncation).
torch::Tensor t5_relative_position_buckets(int64_t query_length, int64_t key_length,
                                           int64_t num_buckets, int64_t max_distance);
// The tanh approximation 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))), op for op.
torch::Tensor t5_gelu_new(const torch::Tensor& x);

class T5Embedding : public torch::nn::Module {
 public:
  T5Embedding(int64_t count, int64_t dim, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& ids) const;
  torch::Tensor weight;  // (count, dim)
};

// RMSNorm without mean subtraction or bias.
class T5LayerNorm : public torch::nn::Module {
 public:
  T5LayerNorm(int64_t dim, double eps, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  torch::Tensor weight;
  double eps;
};

class T5Attention : public torch::nn::Module {
 public:
  T5Attention(const T5Config& config, bool has_relative_attention_bias,
              const torch::TensorOptions& options);
  // (1, heads, L_q, L_k) in the bias table's dtype; only for the module that owns the table.
  torch::Tensor compute_bias(int64_t query_length, int64_t key_length) const;
  // `probabilities`, when given, receives the softmax output (B, heads, L, L).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& position_bias,
                        torch::Tensor* probabilities = nullptr) const;

  std::shared_ptr<Linear> q, k, v, o;
  std::shared_ptr<T5Embedding> relative_attention_bias;  // T5: block 0 only, else null

 private:
  int64_t num_heads_, d_kv_, num_buckets_, max_distance_;
};

class T5LayerSelfAttention : public torch::nn::Module {
 public:
  T5LayerSelfAttention(const T5Config& config, bool has_relative_attention_bias,
                       const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& position_bias,
                        torch::Tensor* probabilities = nullptr) const;
  std::shared_ptr<T5Attention> attention;  // registered as SelfAttention
  std::shared_ptr<T5LayerNorm> layer_norm;
};

class T5DenseGatedActDense : public torch::nn::Module {
 public:
  T5DenseGatedActDense(const T5Config& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& x) const;
  std::shared_ptr<Linear> wi_0, wi_1, wo;
};

class T5LayerFF : public torch::nn::Module {
 public:
  T5LayerFF(const T5Config& config, const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& h) const;
  std::shared_ptr<T5DenseGatedActDense> dense;  // registered as DenseReluDense
  std::shared_ptr<T5LayerNorm> layer_norm;
};

// Registered as `layer.0` (self-attention) and `layer.1` (feed-forward).
class T5Block : public torch::nn::Module {
 public:
  T5Block(const T5Config& config, bool has_relative_attention_bias,
          const torch::TensorOptions& options);
  torch::Tensor forward(const torch::Tensor& h, const torch::Tensor& position_bias,
                        torch::Tensor* probabilities = nullptr) const;
  std::shared_ptr<T5LayerSelfAttention> self_attention;
  std::shared_ptr<T5LayerFF> feed_forward;
};

// Every intermediate the reference fixtures store, from one forward.
struct T5EncoderTrace {
  torch::Tensor embeddings;                            // (B, L, d_model)
  torch::Tensor position_bias;                         // block 0's, (1, heads, L, L)
  std::vector<torch::Tensor> position_biases;          // per block, without the mask
  std::vector<torch::Tensor> block_outputs;            // residual stream after each block
  std::vector<torch::Tensor> attention_probabilities;  // per block, (B, heads, L, L)
  torch::Tensor last_hidden_state;                     // (B, L, d_model)
};

class T5EncoderModel : public torch::nn::Module {
 public:
  T5EncoderModel(const T5Config& config, const torch::TensorOptions& options);

  // (B, L) int64 ids -> (B, L, d_model) in the model dtype. `attention_mask` (B, L), 1 = token,
  // 0 = padding, is optional: padding keys then get finfo(dtype).min added to their scores.
  torch::Tensor forward(const torch::Tensor& input_ids,
                        const torch::Tensor& attention_mask = {}) const;
  T5EncoderTrace trace(const torch::Tensor& input_ids,
                       const torch::Tensor& attention_mask = {}) const;

  const T5Config& config() const { return config_; }
  torch::Dtype dtype() const;  // of the embedding table

  std::shared_ptr<T5Embedding> shared;
  std::vector<std::shared_ptr<T5Block>> blocks;   // registered as encoder.block.N
  std::shared_ptr<T5LayerNorm> final_layer_norm;  // registered as encoder.final_layer_norm

 private:
  torch::Tensor run(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                    T5EncoderTrace* trace) const;

  T5Config config_;
};

// Reads dir/config.json and dir/model.safetensors (or the shards of
// dir/model.safetensors.index.json). The tied alias encoder.embed_tokens.weight may be present;
// shared.weight is required. Parameters end up with `options` (fp16: wo in fp32, see above).
std::shared_ptr<T5EncoderModel> load_t5_encoder(const std::filesystem::path& dir,
                                                const torch::TensorOptions& options);

}  // namespace ditstream
