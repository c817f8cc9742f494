#include "core/training/random_wan_model.h"

#include "core/io/json_config.h"
#include "core/model/wan/transformer.h"
#include "core/model/wan/vae_decoder.h"
#include "core/text/t5_encoder.h"
#include "core/training/model_recipe.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Wan2.1-T2V-1.3B as its diffusers folder configures it (wan-causal-streaming §1.1), UMT5-XXL.
WanRandomSpec wan_1_3b() {
  WanRandomSpec s;
  s.heads = 12;
  s.head_dim = 128;
  s.layers = 30;
  s.ffn_dim = 8960;
  s.freq_dim = 256;
  s.vae_base_dim = 96;
  s.vae_dim_mult = {1, 2, 4, 4};
  s.text_dim = 4096;
  s.text_kv = 64;
  s.text_ff = 10240;
  s.text_heads = 64;
  s.text_layers = 24;
  s.text_vocab_size = 256384;
  s.vae_encoder = true;
  return s;
}

WanRandomSpec wan_14b() {
  auto s = wan_1_3b();
  s.heads = 40;
  s.layers = 40;
  s.ffn_dim = 13824;
  return s;
}

json transformer_json(const WanRandomSpec& s) {
  return {{"_class_name", "WanTransformer3DModel"},
          {"added_kv_proj_dim", nullptr},
          {"attention_head_dim", s.head_dim},
          {"cross_attn_norm", true},
          {"eps", 1e-6},
          {"ffn_dim", s.ffn_dim},
          {"freq_dim", s.freq_dim},
          {"image_dim", nullptr},
          {"in_channels", 16},
          {"num_attention_heads", s.heads},
          {"num_layers", s.layers},
          {"out_channels", 16},
          {"patch_size", {1, 2, 2}},
          {"pos_embed_seq_len", nullptr},
          {"qk_norm", "rms_norm_across_heads"},
          {"rope_max_seq_len", 1024},
          {"text_dim", s.text_dim}};
}

// The real Wan2.1 latent statistics: the latents keep their true scale.
json vae_json(const WanRandomSpec& s) {
  return {{"_class_name", "AutoencoderKLWan"},
          {"attn_scales", json::array()},
          {"base_dim", s.vae_base_dim},
          {"dim_mult", s.vae_dim_mult},
          {"dropout", 0.0},
          {"latents_mean",
           {-0.7571, -0.7089, -0.9113, 0.1075, -0.1745, 0.9653, -0.1517, 1.5508, 0.4134, -0.0715,
            0.5517, -0.3632, -0.1922, -0.9497, 0.2503, -0.2921}},
          {"latents_std",
           {2.8184, 1.4541, 2.3275, 2.6558, 1.2196, 1.7708, 2.6052, 2.0743, 3.2687, 2.1526, 2.8652,
            1.5579, 1.6382, 1.1253, 2.8251, 1.916}},
          {"num_res_blocks", 2},
          {"temperal_downsample", {false, true, true}},
          {"z_dim", 16}};
}

json umt5_json(const WanRandomSpec& s, int64_t vocab) {
  T5Shape shape{s.text_dim, s.text_kv, s.text_ff, s.text_heads, s.text_layers};
  auto j = t5_config_json(shape, vocab);
  j["architectures"] = {"UMT5EncoderModel"};
  j["model_type"] = "umt5";
  return j;
}

json scheduler_json(const WanRandomSpec& s) {
  return {{"_class_name", "UniPCMultistepScheduler"},
          {"flow_shift", s.flow_shift},
          {"num_train_timesteps", 1000},
          {"prediction_type", "flow_prediction"},
          {"use_flow_sigmas", true},
          {"solver_order", 2},
          {"solver_type", "bh2"},
          {"predict_x0", true},
          {"lower_order_final", true},
          {"final_sigmas_type", "zero"},
          {"timestep_spacing", "linspace"}};
}

json wan_model_index_json() {
  return {{"_class_name", "WanPipeline"},
          {"scheduler", {"diffusers", "UniPCMultistepScheduler"}},
          {"text_encoder", {"transformers", "UMT5EncoderModel"}},
          {"tokenizer", {"transformers", "T5TokenizerFast"}},
          {"transformer", {"diffusers", "WanTransformer3DModel"}},
          {"vae", {"diffusers", "AutoencoderKLWan"}}};
}

JsonConfig spec_config(const json& j) { return JsonConfig{j, "spec"}; }

}  // namespace

bool is_wan_preset(const std::string& name) {
  return name == "tiny-wan" || name == "wan2.1-1.3b" || name == "wan2.1-14b";
}

WanRandomSpec wan_random_preset(const std::string& name) {
  if (name == "tiny-wan") return WanRandomSpec{};
  if (name == "wan2.1-1.3b") return wan_1_3b();
  if (name == "wan2.1-14b") return wan_14b();
  throw std::runtime_error("unknown Wan preset '" + name + "' (tiny-wan, wan2.1-1.3b, wan2.1-14b)");
}

WanParameterCounts wan_random_parameters(const WanRandomSpec& spec, int64_t vocab_size) {
  const torch::TensorOptions options(spec.dtype);
  WanTransformer3DModel transformer(
      WanTransformerConfig::from_json(spec_config(transformer_json(spec))), options);
  AutoencoderKLWan vae(WanVaeConfig::from_json(spec_config(vae_json(spec))), options,
                       spec.vae_encoder);
  T5EncoderModel umt5(T5Config::from_json(spec_config(umt5_json(spec, vocab_size))), options);
  return {parameter_count(transformer), parameter_count(vae), parameter_count(umt5)};
}

WanParameterCounts write_random_wan_model(const fs::path& out, const WanRandomSpec& spec,
                                          uint64_t seed, const fs::path& spiece,
                                          const fs::path& captions) {
  fs::remove(out / "model_index.json");  // the folder is incomplete until the end
  const int64_t tokenizer_ids = spiece.empty() ? train_tokenizer(out / "tokenizer", captions)
                                               : install_tokenizer(out / "tokenizer", spiece);
  const int64_t vocab = spec.text_vocab_size > 0 ? spec.text_vocab_size : tokenizer_ids;
  if (vocab < tokenizer_ids)
    throw std::runtime_error("the tokenizer has more ids than the text encoder's vocabulary");
  write_json(out / "scheduler/scheduler_config.json", scheduler_json(spec));
  write_json(out / "transformer/config.json", transformer_json(spec));
  write_json(out / "vae/config.json", vae_json(spec));
  write_json(out / "text_encoder/config.json", umt5_json(spec, vocab));
  auto gen = at::detail::createCPUGenerator(seed);
  const torch::TensorOptions options(spec.dtype);
  WanParameterCounts counts;
  {
    WanTransformer3DModel transformer(
        WanTransformerConfig::from_json(JsonConfig::load(out / "transformer/config.json")),
        options);
    counts.transformer = write_random_weights(
        transformer, out / "transformer/diffusion_pytorch_model.safetensors", gen, spec.dtype);
  }
  {
    AutoencoderKLWan vae(WanVaeConfig::load(out / "vae/config.json"), options, spec.vae_encoder);
    counts.vae =
        write_random_weights(vae, out / "vae/diffusion_pytorch_model.safetensors", gen, spec.dtype);
  }
  T5EncoderModel umt5(T5Config::from_json(JsonConfig::load(out / "text_encoder/config.json")),
                      options);
  counts.text_encoder =
      write_random_weights(umt5, out / "text_encoder/model.safetensors", gen, spec.dtype);
  write_json(out / "model_index.json", wan_model_index_json());
  return counts;
}

}  // namespace ditstream
