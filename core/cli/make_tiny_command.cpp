// make-tiny: a complete, deterministic diffusers-layout CogVideoX folder with random weights,
// a tiny T5 and a SentencePiece tokenizer trained with spm_train on the repo's caption corpus.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/model/cogvideox_transformer.h"
#include "core/model/vae_decoder.h"
#include "core/text/sentencepiece_model.h"
#include "core/text/t5_encoder.h"

#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace ditstream::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Extra ids T5 reserves after the SentencePiece pieces (<extra_id_0..99>).
constexpr int kT5ExtraIds = 100;

// The default is the embedded tiny model; --layers/--heads/--head-dim make bench's mid-size one.
struct TransformerSize {
  int64_t layers = 2, heads = 2, head_dim = 16;
};

json transformer_config(const TransformerSize& size) {
  return {{"_class_name", "CogVideoXTransformer3DModel"},
          {"activation_fn", "gelu-approximate"},
          {"attention_bias", true},
          {"attention_head_dim", size.head_dim},
          {"dropout", 0.0},
          {"flip_sin_to_cos", true},
          {"freq_shift", 0},
          {"in_channels", 16},
          {"max_text_seq_length", 226},
          {"norm_elementwise_affine", true},
          {"norm_eps", 1e-5},
          {"num_attention_heads", size.heads},
          {"num_layers", size.layers},
          {"ofs_embed_dim", nullptr},
          {"out_channels", 16},
          {"patch_bias", true},
          {"patch_size", 2},
          {"patch_size_t", nullptr},
          {"sample_frames", 49},
          {"sample_height", 8},
          {"sample_width", 12},
          {"spatial_interpolation_scale", 1.875},
          {"temporal_compression_ratio", 4},
          {"temporal_interpolation_scale", 1.0},
          {"text_embed_dim", 32},
          {"time_embed_dim", 32},
          {"timestep_activation_fn", "silu"},
          {"use_learned_positional_embeddings", false},
          {"use_rotary_positional_embeddings", false}};
}

json vae_config() {
  const json down(4, "CogVideoXDownBlock3D"), up(4, "CogVideoXUpBlock3D");
  return {{"_class_name", "AutoencoderKLCogVideoX"},
          {"act_fn", "silu"},
          {"block_out_channels", {8, 16, 16, 24}},
          {"down_block_types", down},
          {"force_upcast", true},
          {"in_channels", 3},
          {"latent_channels", 16},
          {"layers_per_block", 1},
          {"norm_eps", 1e-6},
          {"norm_num_groups", 4},
          {"out_channels", 3},
          {"sample_height", 64},
          {"sample_width", 96},
          {"scaling_factor", 1.15258426},
          {"shift_factor", nullptr},
          {"temporal_compression_ratio", 4},
          {"up_block_types", up},
          {"use_post_quant_conv", false},
          {"use_quant_conv", false}};
}

json t5_config(int vocab_size) {
  return {{"architectures", {"T5EncoderModel"}},
          {"d_ff", 64},
          {"d_kv", 8},
          {"d_model", 32},
          {"dense_act_fn", "gelu_new"},
          {"eos_token_id", 1},
          {"feed_forward_proj", "gated-gelu"},
          {"is_gated_act", true},
          {"layer_norm_epsilon", 1e-6},
          {"model_type", "t5"},
          {"num_heads", 4},
          {"num_layers", 2},
          {"pad_token_id", 0},
          {"relative_attention_max_distance", 128},
          {"relative_attention_num_buckets", 32},
          {"tie_word_embeddings", false},
          {"vocab_size", vocab_size}};
}

json scheduler_config() {
  return {{"_class_name", "CogVideoXDDIMScheduler"},
          {"beta_end", 0.012},
          {"beta_schedule", "scaled_linear"},
          {"beta_start", 0.00085},
          {"clip_sample", false},
          {"num_train_timesteps", 1000},
          {"prediction_type", "v_prediction"},
          {"rescale_betas_zero_snr", true},
          {"set_alpha_to_one", true},
          {"snr_shift_scale", 3.0},
          {"steps_offset", 0},
          {"timestep_spacing", "trailing"}};
}

json model_index() {
  return {{"_class_name", "CogVideoXPipeline"},
          {"scheduler", {"diffusers", "CogVideoXDDIMScheduler"}},
          {"text_encoder", {"transformers", "T5EncoderModel"}},
          {"tokenizer", {"transformers", "T5Tokenizer"}},
          {"transformer", {"diffusers", "CogVideoXTransformer3DModel"}},
          {"vae", {"diffusers", "AutoencoderKLCogVideoX"}}};
}

void write_json(const fs::path& path, const json& j) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << j.dump(2) << "\n";
}

// Runs a program in `dir` without a shell; the trainer records its paths in the model, so
// relative paths inside a fixed folder keep the output byte-identical wherever it is written.
void run_in(const fs::path& dir, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) == 0) execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(argv[0] + " failed (is the 'sentencepiece' package installed?)");
}

int train_tokenizer(const fs::path& dir, const fs::path& captions) {
  fs::create_directories(dir);
  fs::copy_file(captions, dir / "captions.txt", fs::copy_options::overwrite_existing);
  run_in(dir, {"spm_train", "--input=captions.txt", "--model_prefix=spiece", "--vocab_size=256",
               "--model_type=unigram", "--pad_id=0", "--eos_id=1", "--unk_id=2", "--bos_id=-1",
               "--hard_vocab_limit=false", "--character_coverage=1.0", "--num_threads=1",
               "--random_seed=1", "--minloglevel=2"});
  fs::remove(dir / "captions.txt");
  fs::remove(dir / "spiece.vocab");
  write_json(dir / "tokenizer_config.json", {{"tokenizer_class", "T5Tokenizer"},
                                             {"model_max_length", 226},
                                             {"legacy", true},
                                             {"extra_ids", kT5ExtraIds},
                                             {"eos_token", "</s>"},
                                             {"pad_token", "<pad>"},
                                             {"unk_token", "<unk>"}});
  return load_sentencepiece(dir / "spiece.model")->piece_size();
}

// Weights (>= 2-D) ~ N(0, 1/fan_in); 1-D weights (norm scales) 1 + N(0, 0.1); biases N(0, 0.05).
void randomise(torch::nn::Module& module, torch::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : module_state(module)) {
    const auto noise = torch::randn(t.sizes(), gen);
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (is_bias)
      t.copy_(noise * 0.05);
    else if (t.dim() == 1)
      t.copy_(1 + noise * 0.1);
    else
      t.copy_(noise / std::sqrt(static_cast<double>(t.numel() / t.size(0))));
  }
}

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
  const TransformerSize size{a.get_int("layers", 2), a.get_int("heads", 2),
                             a.get_int("head-dim", 16)};
  const fs::path out = a.positional(0, "OUT_DIR");
  const fs::path captions = a.get("captions", DITSTREAM_CAPTIONS);
  auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(a.get_int("seed", 1234)));
  const int pieces = train_tokenizer(out / "tokenizer", captions);
  write_json(out / "scheduler/scheduler_config.json", scheduler_config());
  write_json(out / "transformer/config.json", transformer_config(size));
  write_json(out / "vae/config.json", vae_config());
  write_json(out / "text_encoder/config.json", t5_config(pieces + kT5ExtraIds));
  const torch::TensorOptions fp32(torch::kFloat);
  CogVideoXTransformer3DModel transformer(
      TransformerConfig::from_json(JsonConfig::load(out / "transformer/config.json")), fp32);
  write_weights(transformer, out / "transformer/diffusion_pytorch_model.safetensors", gen);
  AutoencoderKLCogVideoX vae(VaeConfig::from_json(JsonConfig::load(out / "vae/config.json")), fp32);
  write_weights(vae, out / "vae/diffusion_pytorch_model.safetensors", gen);
  T5EncoderModel t5(T5Config::from_json(JsonConfig::load(out / "text_encoder/config.json")), fp32);
  write_weights(t5, out / "text_encoder/model.safetensors", gen);
  write_json(out / "model_index.json", model_index());  // last: marks the folder complete
  std::printf("wrote tiny model to %s (tokenizer: %d pieces)\n", out.c_str(), pieces);
  return 0;
}

}  // namespace ditstream::cli
