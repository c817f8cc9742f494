// info: what a model folder holds, whether it loads, and what it needs to run.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/io/checkpoint.h"
#include "core/io/model_folder.h"
#include "core/io/module_loader.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/wan/checkpoint_layout.h"
#include "core/model/wan/transformer.h"
#include "core/model/wan/vae_decoder.h"
#include "core/sampling/sampler_factory.h"
#include "core/session/model_location.h"
#include "core/stream/pipeline_components.h"
#include "core/stream/runtime_options.h"
#include "core/stream/window_pipeline.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>

namespace ditstream::cli {
namespace {

namespace fs = std::filesystem;
const torch::TensorOptions kMeta = torch::TensorOptions().device(torch::kMeta);

struct WeightStats {
  std::string files;
  std::map<std::string, int64_t> tensors_by_dtype;
  int64_t parameters = 0;
  int64_t bytes = 0;
};

WeightStats weight_stats(const fs::path& dir, const std::string& stem) {
  const auto ckpt = Checkpoint::open(dir, stem);
  WeightStats s;
  s.files = std::to_string(ckpt.files().size()) + " file(s)";
  for (const auto& name : ckpt.names()) {
    const auto& e = ckpt.entry(name);
    int64_t n = 1;
    for (auto d : e.shape) n *= d;
    s.parameters += n;
    s.bytes += static_cast<int64_t>(e.end - e.begin);
    ++s.tensors_by_dtype[e.dtype];
  }
  return s;
}

void print_stats(const WeightStats& s) {
  std::printf("    weights: %s, %.3f M parameters, %.1f MB on disk, dtypes:", s.files.c_str(),
              s.parameters / 1e6, s.bytes / 1e6);
  for (const auto& [dtype, count] : s.tensors_by_dtype)
    std::printf(" %s x%lld", dtype.c_str(), static_cast<long long>(count));
  std::printf("\n    run memory: %.1f MB in fp32, %.1f MB in bf16/fp16\n", s.parameters * 4e-6,
              s.parameters * 2e-6);
}

// Runs `check`, printing OK or the problem; returns whether it passed.
bool verdict(const std::string& what, const std::function<void()>& check) {
  try {
    check();
    std::printf("    %s: OK\n", what.c_str());
    return true;
  } catch (const std::exception& e) {
    std::printf("    %s: PROBLEM: %s\n", what.c_str(), e.what());
    return false;
  }
}

bool describe_transformer(const fs::path& dir, int64_t* text_dim) {
  bool ok = verdict("config", [&] {
    const auto c = TransformerConfig::from_json(JsonConfig::load(dir / "config.json"));
    *text_dim = c.text_embed_dim;
    const int64_t video_tokens =
        c.latent_frames() * (c.sample_height / c.patch_size) * (c.sample_width / c.patch_size);
    std::printf(
        "    %lld layers, %lld heads x %lld, text dim %lld, %s positions\n"
        "    window: %lld latent frames at %lldx%lld latent -> %lld video + %lld text "
        "tokens\n",
        (long long)c.num_layers, (long long)c.num_attention_heads, (long long)c.attention_head_dim,
        (long long)c.text_embed_dim, c.use_rotary_positional_embeddings ? "RoPE" : "3D sincos",
        (long long)c.latent_frames(), (long long)c.sample_height, (long long)c.sample_width,
        (long long)video_tokens, (long long)c.max_text_seq_length);
    // Peak activations: a few D-wide and one 4D-wide (feed-forward) tensor per token for the
    // CFG batch of 2, plus one bounded chunk of attention scores (2^26 fp32 values).
    const double tokens = static_cast<double>(video_tokens + c.max_text_seq_length);
    const double activations = 2 * tokens * c.inner_dim() * 10 * 4 + (1 << 26) * 4.0;
    std::printf("    window activations: about %.0f MB in fp32 (half in bf16/fp16)\n",
                activations / 1e6);
  });
  ok =
      verdict("weights file", [&] { print_stats(weight_stats(dir, "diffusion_pytorch_model")); }) &&
      ok;
  return verdict("weights match the model", [&] { load_transformer(dir, kMeta); }) && ok;
}

bool describe_vae(const fs::path& dir) {
  bool ok = verdict("config", [&] {
    const auto c = VaeConfig::from_json(JsonConfig::load(dir / "config.json"));
    std::printf("    %lld latent channels, scaling factor %.8g\n", (long long)c.latent_channels,
                c.scaling_factor);
  });
  ok =
      verdict("weights file", [&] { print_stats(weight_stats(dir, "diffusion_pytorch_model")); }) &&
      ok;
  return verdict("decoder weights match the model", [&] { load_vae(dir, kMeta); }) && ok;
}

// Loads the weights onto the meta device and says where they came from.
void check_wan_weights(const fs::path& dir) {
  std::string weights;
  const auto model = WanTransformer3DModel::load(dir, kMeta, {}, &weights);
  std::printf("    transformer weights: %s, all %zu tensors checked\n", weights.c_str(),
              module_state(*model).size());
}

bool describe_wan_transformer(const fs::path& dir, int64_t* text_dim) {
  bool ok = verdict("config", [&] {
    const auto c = WanTransformerConfig::from_json(JsonConfig::load(dir / "config.json"));
    *text_dim = c.text_dim;
    std::printf(
        "    %lld layers, %lld heads x %lld, ffn %lld, text dim %lld (cross-attention)\n"
        "    window at 832x480, 81 frames: 21 x 30 x 52 = 32760 video tokens\n",
        (long long)c.num_layers, (long long)c.num_attention_heads, (long long)c.attention_head_dim,
        (long long)c.ffn_dim, (long long)c.text_dim);
  });
  if (!has_causal_config(dir))
    ok = verdict("weights file",
                 [&] { print_stats(weight_stats(dir, "diffusion_pytorch_model")); }) &&
         ok;
  return verdict("weights match the model", [&] { check_wan_weights(dir); }) && ok;
}

bool describe_wan_vae(const fs::path& dir) {
  bool ok = verdict("config", [&] {
    const auto c = WanVaeConfig::load(dir / "config.json");
    std::printf("    %lld latent channels, base dim %lld, latents mean/std per channel\n",
                (long long)c.z_dim, (long long)c.base_dim);
  });
  ok =
      verdict("weights file", [&] { print_stats(weight_stats(dir, "diffusion_pytorch_model")); }) &&
      ok;
  return verdict("decoder weights match the model", [&] { load_wan_vae(dir, kMeta); }) && ok;
}

bool describe_text_encoder(const fs::path& dir, int64_t* d_model) {
  bool ok = verdict("config", [&] {
    const auto c = T5Config::from_json(JsonConfig::load(dir / "config.json"));
    *d_model = c.d_model;
    std::printf("    %s encoder: %lld layers, d_model %lld, vocab %lld\n",
                c.bias_in_every_block() ? "UMT5" : "T5", (long long)c.num_layers,
                (long long)c.d_model, (long long)c.vocab_size);
  });
  ok = verdict("weights file", [&] { print_stats(weight_stats(dir, "model")); }) && ok;
  return verdict("weights match the model", [&] { load_t5_encoder(dir, kMeta); }) && ok;
}

bool describe_component(const ComponentEntry& entry, int64_t* text_dim, int64_t* d_model) {
  std::printf("%s: %s.%s\n", entry.name.c_str(), entry.library.c_str(), entry.class_name.c_str());
  const bool wan =
      entry.class_name == "WanTransformer3DModel" || entry.class_name == "AutoencoderKLWan";
  if (entry.name == "transformer")
    return wan ? describe_wan_transformer(entry.dir, text_dim)
               : describe_transformer(entry.dir, text_dim);
  if (entry.name == "vae") return wan ? describe_wan_vae(entry.dir) : describe_vae(entry.dir);
  if (entry.name == "text_encoder") return describe_text_encoder(entry.dir, d_model);
  if (entry.name == "tokenizer")
    return verdict("spiece.model", [&] {
      const auto tokenizer = T5Tokenizer::from_folder(entry.dir);
      std::printf("    %lld ids\n", (long long)tokenizer.vocab_size());
    });
  if (entry.name == "scheduler")
    return verdict("config", [&] {
      const auto samplers = SamplerFactory::load(entry.dir);
      std::printf("    %s; samplers:", samplers.flow_matching() ? "flow matching" : "discrete");
      for (const auto& name : samplers.names()) std::printf(" %s", name.c_str());
      std::printf(" (default %s)\n", samplers.default_name().c_str());
    });
  std::printf("    (not used by ditstream)\n");
  return true;
}

// The whole model on `device`, and one latent frame rendered there with one step.
bool check_device(const fs::path& root, const std::string& device) {
  std::printf("device %s:\n", device.c_str());
  return verdict("one step of one latent frame", [&] {
    const auto start = std::chrono::steady_clock::now();
    const auto model = load_pipeline_components(root, parse_runtime_options(device, "fp32"));
    WindowOptions o;
    o.prompt = "a red circle moving right slowly on a blue background";
    o.steps = 1;
    o.latent_frames = 1;
    const auto frames = WindowPipeline(model).render(o).frames;
    std::printf("    %lldx%lld frame in %.2f s (load included)\n", (long long)frames.size(2),
                (long long)frames.size(1),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  });
}

bool check_components(const ModelFolder& folder) {
  bool ok = true;
  int64_t text_dim = -1, d_model = -1;
  for (const char* required : {"transformer", "vae", "scheduler"})
    if (!folder.has(required)) {
      std::printf("%s: MISSING from model_index.json\n", required);
      ok = false;
    }
  for (const auto& [name, entry] : folder.components()) {
    if (!entry.present()) {
      std::printf("%s: absent (prompts must be given as embeddings)\n", name.c_str());
      continue;
    }
    ok = describe_component(entry, &text_dim, &d_model) && ok;
  }
  if (text_dim > 0 && d_model > 0 && text_dim != d_model) {
    std::printf("inconsistent: transformer text_embed_dim %lld != text encoder d_model %lld\n",
                (long long)text_dim, (long long)d_model);
    ok = false;
  }
  return ok;
}

}  // namespace

int info_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"device"});
  if (a.flag("help"))
    return std::puts(
               "usage: ditstream info [MODEL_DIR] [--device cpu|cuda|cuda:N]\n"
               "  MODEL_DIR: default the stream's default model ($DITSTREAM_MODEL, else the\n"
               "  installed shapes-demo, else the build tree's); --device: also load the model\n"
               "  there and render one step of one latent frame"),
           0;
  const auto& given = a.positionals();
  const auto folder = ModelFolder::open(resolve_model_folder(given.empty() ? "" : given[0]));
  std::printf("%s: %s\n", folder.root().c_str(), folder.pipeline_class().c_str());
  bool ok = check_components(folder);
  if (ok && !a.get("device", "").empty()) ok = check_device(folder.root(), a.get("device", ""));
  std::printf("verdict: %s\n", ok ? "OK" : "PROBLEMS (see above)");
  return ok ? 0 : 1;
}

}  // namespace ditstream::cli
