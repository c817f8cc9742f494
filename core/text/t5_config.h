#pragma once
// text_encoder/config.json of transformers' T5EncoderModel (T5 v1.1) or UMT5EncoderModel (UMT5:
// the same layers, but every block owns its relative_attention_bias), validated for the port.

#include "core/io/json_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace ditstream {

struct T5Config {
  int64_t vocab_size = 32128;
  int64_t d_model = 4096;
  int64_t d_kv = 64;
  int64_t d_ff = 10240;
  int64_t num_layers = 24;
  int64_t num_decoder_layers = 24;  // kept for to_json; unused by the encoder
  int64_t num_heads = 64;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  double dropout_rate = 0.1;                     // inert at inference
  std::string feed_forward_proj = "gated-gelu";  // the only one supported (gelu_new, gated)
  int64_t pad_token_id = 0;
  int64_t eos_token_id = 1;
  int64_t decoder_start_token_id = 0;
  bool tie_word_embeddings = false;
  std::string torch_dtype = "float32";
  std::string model_type = "t5";  // or "umt5"

  int64_t inner_dim() const { return num_heads * d_kv; }
  // UMT5: one relative_attention_bias table per block; T5: block 0's, shared by all blocks.
  bool bias_in_every_block() const { return model_type == "umt5"; }

  // Throws naming the file and field when the config is outside what the port supports.
  static T5Config from_json(const JsonConfig& json);
  // transformers keys, "architectures": ["T5EncoderModel"] (or ["UMT5EncoderModel"]).
  nlohmann::json to_json() const;
  void validate(const std::string& source) const;
};

}  // namespace ditstream
