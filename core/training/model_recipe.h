#pragma once
// The configs and helpers that write a diffusers-layout CogVideoX folder from scratch: shared by
// make-tiny (random weights) and train-demo (trained weights).

#include <torch/nn/module.h>
#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {

struct TransformerShape {
  int64_t layers = 2, heads = 2, head_dim = 16;
  int64_t text_embed_dim = 32, time_embed_dim = 32, max_text_seq_length = 226;
  int64_t sample_height = 8, sample_width = 12,
          sample_frames = 49;  // latent rows/cols, pixel frames
  bool rotary = false;         // CogVideoX-5B's RoPE instead of 2B's sincos positions
};

struct VaeShape {
  std::vector<int64_t> block_out_channels{8, 16, 16, 24};
  int64_t layers_per_block = 1, norm_num_groups = 4;
  int64_t sample_height = 64, sample_width = 96;
  double scaling_factor = 1.15258426;
};

struct T5Shape {
  int64_t d_model = 32, d_kv = 8, d_ff = 64, num_heads = 4, num_layers = 2;
};

nlohmann::json transformer_config_json(const TransformerShape& shape);
nlohmann::json vae_config_json(const VaeShape& shape);
nlohmann::json t5_config_json(const T5Shape& shape, int64_t vocab_size);
// CogVideoXDDIMScheduler as CogVideoX-2B ships it (5B: snr_shift_scale 1.0).
nlohmann::json scheduler_config_json(double snr_shift_scale = 3.0);
nlohmann::json model_index_json();

void write_json(const std::filesystem::path& path, const nlohmann::json& j);

// Trains a T5-style SentencePiece model (pad 0, eos 1, unk 2) of `model_type` (unigram, bpe,
// word, char) on `captions` with spm_train into dir/spiece.model and writes
// dir/tokenizer_config.json. Returns the vocabulary size T5 needs (pieces + 100 extra ids).
int64_t train_tokenizer(const std::filesystem::path& dir, const std::filesystem::path& captions,
                        const std::string& model_type = "unigram");
// Copies an existing SentencePiece model to dir/spiece.model with the same tokenizer_config.json;
// returns the vocabulary size T5 needs.
int64_t install_tokenizer(const std::filesystem::path& dir, const std::filesystem::path& spiece);

// Weights (>= 2-D) ~ N(0, 1/fan_in); 1-D weights (norm scales) 1 + N(0, 0.1); biases N(0, 0.05).
void randomise(torch::nn::Module& module, torch::Generator& generator);
int64_t parameter_count(torch::nn::Module& module);
// randomise(), then the weights in `dtype` to `file` (safetensors); returns the parameter count.
int64_t write_random_weights(torch::nn::Module& module, const std::filesystem::path& file,
                             torch::Generator& generator, torch::ScalarType dtype);

// Whether a parameter name ends with `suffix` ("bias", ".o.weight").
bool name_ends_with(const std::string& name, const std::string& suffix);

}  // namespace ditstream
