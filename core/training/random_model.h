#pragma once
// Complete diffusers-layout CogVideoX folders with seeded random weights: the tiny test model and
// full-size presets (the real models' configs) for GPU measurements without a download.

#include "core/training/model_recipe.h"

#include <torch/types.h>

#include <filesystem>
#include <string>

namespace ditstream {

struct RandomModelSpec {
  TransformerShape transformer;
  VaeShape vae;
  T5Shape text;
  int64_t text_vocab_size = 0;  // 0: the tokenizer's ids (pieces + extra ids)
  double snr_shift_scale = 3.0;
  bool vae_encoder = false;                 // the real folders ship it; generation does not use it
  torch::ScalarType dtype = torch::kFloat;  // of the written weights
};

// "tiny" (make-tiny's model), "cogvideox-2b", "cogvideox-5b"; throws for other names.
RandomModelSpec random_model_preset(const std::string& name);

struct ParameterCounts {
  int64_t transformer = 0, vae = 0, text_encoder = 0;
};

// Counts from the modules themselves, without initialising or writing any weight.
ParameterCounts random_model_parameters(const RandomModelSpec& spec, int64_t vocab_size);

// Writes every component; weights ~ randomise() from `seed`, so bf16 activations stay finite.
// The tokenizer is `spiece` (copied) or, when empty, trained with spm_train on `captions`.
// model_index.json is written last and marks the folder complete. Returns the parameter counts.
ParameterCounts write_random_model(const std::filesystem::path& out, const RandomModelSpec& spec,
                                   uint64_t seed, const std::filesystem::path& spiece,
                                   const std::filesystem::path& captions);

}  // namespace ditstream
