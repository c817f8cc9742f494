#include "core/training/random_model.h"

#include "core/io/json_config.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/text/t5_encoder.h"

#include <torch/torch.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

// CogVideoX-2B as diffusers ships it (reference/cogvideox-spec.md §1), T5-XXL's encoder.
RandomModelSpec cogvideox_2b() {
  RandomModelSpec s;
  s.transformer = {30, 30, 64, 4096, 512, 226, 60, 90, 49, false};
  s.vae.block_out_channels = {128, 256, 256, 512};
  s.vae.layers_per_block = 3;
  s.vae.norm_num_groups = 32;
  s.vae.sample_height = 480;
  s.vae.sample_width = 720;
  s.text = {4096, 64, 10240, 64, 24};
  s.text_vocab_size = 32128;
  s.vae_encoder = true;
  return s;
}

// CogVideoX-5B: 42 layers of 48 heads with RoPE; VAE scaling 0.7; no SNR shift.
RandomModelSpec cogvideox_5b() {
  auto s = cogvideox_2b();
  s.transformer.layers = 42;
  s.transformer.heads = 48;
  s.transformer.rotary = true;
  s.vae.scaling_factor = 0.7;
  s.snr_shift_scale = 1.0;
  return s;
}

TransformerConfig transformer_config(const fs::path& out) {
  return TransformerConfig::from_json(JsonConfig::load(out / "transformer/config.json"));
}

}  // namespace

RandomModelSpec random_model_preset(const std::string& name) {
  if (name == "tiny") return RandomModelSpec{};
  if (name == "cogvideox-2b") return cogvideox_2b();
  if (name == "cogvideox-5b") return cogvideox_5b();
  throw std::runtime_error(
      "unknown preset '" + name +
      "' (tiny, cogvideox-2b, cogvideox-5b, tiny-wan, wan2.1-1.3b, wan2.1-14b)");
}

ParameterCounts random_model_parameters(const RandomModelSpec& spec, int64_t vocab_size) {
  // Parameters are allocated uninitialised, so even the 2B preset costs no memory pages here.
  const torch::TensorOptions options(spec.dtype);
  CogVideoXTransformer3DModel transformer(
      TransformerConfig::from_json(JsonConfig{transformer_config_json(spec.transformer), "spec"}),
      options);
  AutoencoderKLCogVideoX vae(VaeConfig::from_json(JsonConfig{vae_config_json(spec.vae), "spec"}),
                             options, spec.vae_encoder);
  T5EncoderModel t5(T5Config::from_json(JsonConfig{t5_config_json(spec.text, vocab_size), "spec"}),
                    options);
  return {parameter_count(transformer), parameter_count(vae), parameter_count(t5)};
}

ParameterCounts write_random_model(const fs::path& out, const RandomModelSpec& spec, uint64_t seed,
                                   const fs::path& spiece, const fs::path& captions) {
  fs::remove(out / "model_index.json");  // the folder is incomplete until the end
  const int64_t tokenizer_ids = spiece.empty() ? train_tokenizer(out / "tokenizer", captions)
                                               : install_tokenizer(out / "tokenizer", spiece);
  const int64_t vocab = spec.text_vocab_size > 0 ? spec.text_vocab_size : tokenizer_ids;
  if (vocab < tokenizer_ids)
    throw std::runtime_error("the tokenizer has more ids than the text encoder's vocabulary");
  write_json(out / "scheduler/scheduler_config.json", scheduler_config_json(spec.snr_shift_scale));
  write_json(out / "transformer/config.json", transformer_config_json(spec.transformer));
  write_json(out / "vae/config.json", vae_config_json(spec.vae));
  write_json(out / "text_encoder/config.json", t5_config_json(spec.text, vocab));
  auto gen = at::detail::createCPUGenerator(seed);
  const torch::TensorOptions options(spec.dtype);
  ParameterCounts counts;
  {
    CogVideoXTransformer3DModel transformer(transformer_config(out), options);
    counts.transformer = write_random_weights(
        transformer, out / "transformer/diffusion_pytorch_model.safetensors", gen, spec.dtype);
  }
  {
    AutoencoderKLCogVideoX vae(VaeConfig::from_json(JsonConfig::load(out / "vae/config.json")),
                               options, spec.vae_encoder);
    counts.vae =
        write_random_weights(vae, out / "vae/diffusion_pytorch_model.safetensors", gen, spec.dtype);
  }
  T5EncoderModel t5(T5Config::from_json(JsonConfig::load(out / "text_encoder/config.json")),
                    options);
  counts.text_encoder =
      write_random_weights(t5, out / "text_encoder/model.safetensors", gen, spec.dtype);
  write_json(out / "model_index.json", model_index_json());
  return counts;
}

}  // namespace ditstream
