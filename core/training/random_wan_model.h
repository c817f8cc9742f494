#pragma once
// Complete diffusers-layout Wan2.1 folders with seeded random weights: the tiny-wan test model and
// the real models' configs (1.3B, 14B) for GPU measurements without a download.

#include <torch/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {

struct WanRandomSpec {
  int64_t heads = 2, head_dim = 16, layers = 2, ffn_dim = 64, freq_dim = 32;
  int64_t vae_base_dim = 4;
  std::vector<int64_t> vae_dim_mult{1, 2, 2, 2};
  int64_t text_dim = 32, text_kv = 8, text_ff = 64, text_heads = 4, text_layers = 2;
  int64_t text_vocab_size = 0;  // 0: the tokenizer's ids
  double flow_shift = 3.0;      // the diffusers folders' UniPC flow_shift
  bool vae_encoder = false;
  torch::ScalarType dtype = torch::kFloat;
};

// "tiny-wan", "wan2.1-1.3b", "wan2.1-14b"; throws for other names.
WanRandomSpec wan_random_preset(const std::string& name);
bool is_wan_preset(const std::string& name);

struct WanParameterCounts {
  int64_t transformer = 0, vae = 0, text_encoder = 0;
};

// Counts from the modules themselves, without initialising or writing any weight.
WanParameterCounts wan_random_parameters(const WanRandomSpec& spec, int64_t vocab_size);

// Writes every component (model_index.json last: it marks the folder complete). The tokenizer is
// `spiece` (copied) or, when empty, trained with spm_train on `captions`.
WanParameterCounts write_random_wan_model(const std::filesystem::path& out,
                                          const WanRandomSpec& spec, uint64_t seed,
                                          const std::filesystem::path& spiece,
                                          const std::filesystem::path& captions);

}  // namespace ditstream
