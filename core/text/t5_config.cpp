#include "core/text/t5_config.h"

#include <stdexcept>

namespace ditstream {
namespace {

void require(bool ok, const std::string& source, const std::string& what) {
  if (!ok) throw std::runtime_error(source + ": unsupported T5 config: " + what);
}

void check_model_type(const std::string& type, const std::string& source) {
  require(type == "t5" || type == "umt5", source,
          "model_type '" + type + "' (expected \"t5\" or \"umt5\")");
}

// transformers derives the activation from feed_forward_proj, but a saved dense_act_fn or
// is_gated_act overrides it on load, so those must agree too.
void check_activation(const JsonConfig& json, const T5Config& c) {
  require(c.feed_forward_proj == "gated-gelu", json.source,
          "feed_forward_proj '" + c.feed_forward_proj +
              "' (only \"gated-gelu\", i.e. T5 v1.1's gated gelu_new FFN, is implemented)");
  const auto act = json.get<std::string>("dense_act_fn", "gelu_new");
  require(act == "gelu_new", json.source, "dense_act_fn '" + act + "' (expected \"gelu_new\")");
  require(json.get<bool>("is_gated_act", true), json.source, "is_gated_act false");
}

}  // namespace

T5Config T5Config::from_json(const JsonConfig& json) {
  T5Config c;
  c.model_type = json.get<std::string>("model_type", "t5");
  check_model_type(c.model_type, json.source);
  c.vocab_size = json.get<int64_t>("vocab_size");
  c.d_model = json.get<int64_t>("d_model");
  c.d_kv = json.get<int64_t>("d_kv");
  c.d_ff = json.get<int64_t>("d_ff");
  c.num_layers = json.get<int64_t>("num_layers");
  c.num_decoder_layers = json.get<int64_t>("num_decoder_layers", c.num_layers);
  c.num_heads = json.get<int64_t>("num_heads");
  c.relative_attention_num_buckets = json.get<int64_t>("relative_attention_num_buckets", 32);
  c.relative_attention_max_distance = json.get<int64_t>("relative_attention_max_distance", 128);
  c.layer_norm_epsilon = json.get<double>("layer_norm_epsilon", 1e-6);
  c.dropout_rate = json.get<double>("dropout_rate", 0.1);
  c.feed_forward_proj =
      json.get<std::string>("feed_forward_proj", "relu");  // transformers' default
  c.pad_token_id = json.get<int64_t>("pad_token_id", 0);
  c.eos_token_id = json.get<int64_t>("eos_token_id", 1);
  c.decoder_start_token_id = json.get<int64_t>("decoder_start_token_id", 0);
  c.tie_word_embeddings = json.get<bool>("tie_word_embeddings", true);
  c.torch_dtype = json.get<std::string>("torch_dtype", "float32");
  check_activation(json, c);
  c.validate(json.source);
  return c;
}

void T5Config::validate(const std::string& source) const {
  check_model_type(model_type, source);
  require(vocab_size > 0 && d_model > 0 && d_kv > 0 && d_ff > 0 && num_heads > 0, source,
          "sizes must be positive");
  require(num_layers > 0, source, "num_layers must be positive");
  require(relative_attention_num_buckets >= 4 && relative_attention_num_buckets % 2 == 0, source,
          "relative_attention_num_buckets must be even and >= 4");
  require(relative_attention_max_distance > relative_attention_num_buckets / 4, source,
          "relative_attention_max_distance must exceed num_buckets / 4");
  require(layer_norm_epsilon > 0, source, "layer_norm_epsilon must be positive");
  require(feed_forward_proj == "gated-gelu", source,
          "feed_forward_proj '" + feed_forward_proj + "' (only \"gated-gelu\" is implemented)");
}

nlohmann::json T5Config::to_json() const {
  const bool umt5 = bias_in_every_block();
  return {{"architectures", nlohmann::json::array({umt5 ? "UMT5EncoderModel" : "T5EncoderModel"})},
          {"classifier_dropout", 0.0},
          {"d_ff", d_ff},
          {"d_kv", d_kv},
          {"d_model", d_model},
          {"decoder_start_token_id", decoder_start_token_id},
          {"dense_act_fn", "gelu_new"},
          {"dropout_rate", dropout_rate},
          {"eos_token_id", eos_token_id},
          {"feed_forward_proj", feed_forward_proj},
          {"initializer_factor", 1.0},
          {"is_encoder_decoder", true},
          {"is_gated_act", true},
          {"layer_norm_epsilon", layer_norm_epsilon},
          {"model_type", model_type},
          {"num_decoder_layers", num_decoder_layers},
          {"num_heads", num_heads},
          {"num_layers", num_layers},
          {"output_past", true},
          {"pad_token_id", pad_token_id},
          {"relative_attention_max_distance", relative_attention_max_distance},
          {"relative_attention_num_buckets", relative_attention_num_buckets},
          {"tie_word_embeddings", tie_word_embeddings},
          {"torch_dtype", torch_dtype},
          {"use_cache", true},
          {"vocab_size", vocab_size}};
}

}  // namespace ditstream
