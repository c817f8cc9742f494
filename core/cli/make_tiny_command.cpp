// make-tiny: a complete, deterministic diffusers-layout CogVideoX folder with random weights,
// a tiny T5 and a SentencePiece tokenizer trained with spm_train on the repo's caption corpus.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/model/cogvideox_transformer.h"
#include "core/model/vae_decoder.h"
#include "core/text/t5_encoder.h"
#include "core/training/model_recipe.h"

#include <torch/torch.h>

#include <cstdio>

namespace ditstream::cli {
namespace {

namespace fs = std::filesystem;

void write_weights(torch::nn::Module& module, const fs::path& file, torch::Generator& gen) {
  randomise(module, gen);
  write_safetensors(file, module_state(module), {{"format", "pt"}});
}

}  // namespace

int make_tiny_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help"}, {"seed", "captions", "layers", "heads", "head-dim"});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream make-tiny OUT_DIR [--seed N] [--captions FILE]\n"
        "                           [--layers N (2)] [--heads N (2)] [--head-dim N (16)]");
    return 0;
  }
  TransformerShape size;
  size.layers = a.get_int("layers", 2);
  size.heads = a.get_int("heads", 2);
  size.head_dim = a.get_int("head-dim", 16);
  const fs::path out = a.positional(0, "OUT_DIR");
  const fs::path captions = a.get("captions", DITSTREAM_CAPTIONS);
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(a.get_int("seed", 1234)));
  const int64_t vocab = train_tokenizer(out / "tokenizer", captions);
  write_json(out / "scheduler/scheduler_config.json", scheduler_config_json());
  write_json(out / "transformer/config.json", transformer_config_json(size));
  write_json(out / "vae/config.json", vae_config_json(VaeShape{}));
  write_json(out / "text_encoder/config.json", t5_config_json(T5Shape{}, vocab));
  const torch::TensorOptions fp32(torch::kFloat);
  CogVideoXTransformer3DModel transformer(
      TransformerConfig::from_json(JsonConfig::load(out / "transformer/config.json")), fp32);
  write_weights(transformer, out / "transformer/diffusion_pytorch_model.safetensors", gen);
  AutoencoderKLCogVideoX vae(VaeConfig::from_json(JsonConfig::load(out / "vae/config.json")), fp32);
  write_weights(vae, out / "vae/diffusion_pytorch_model.safetensors", gen);
  T5EncoderModel t5(T5Config::from_json(JsonConfig::load(out / "text_encoder/config.json")), fp32);
  write_weights(t5, out / "text_encoder/model.safetensors", gen);
  write_json(out / "model_index.json", model_index_json());  // last: marks the folder complete
  std::printf("wrote tiny model to %s (vocabulary: %lld)\n", out.c_str(),
              static_cast<long long>(vocab));
  return 0;
}

}  // namespace ditstream::cli
