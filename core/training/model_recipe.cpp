#include "core/training/model_recipe.h"

#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/text/sentencepiece_model.h"

#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Extra ids T5 reserves after the SentencePiece pieces (<extra_id_0..99>).
constexpr int64_t kT5ExtraIds = 100;

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

}  // namespace

json transformer_config_json(const TransformerShape& s) {
  return {{"_class_name", "CogVideoXTransformer3DModel"},
          {"activation_fn", "gelu-approximate"},
          {"attention_bias", true},
          {"attention_head_dim", s.head_dim},
          {"dropout", 0.0},
          {"flip_sin_to_cos", true},
          {"freq_shift", 0},
          {"in_channels", 16},
          {"max_text_seq_length", s.max_text_seq_length},
          {"norm_elementwise_affine", true},
          {"norm_eps", 1e-5},
          {"num_attention_heads", s.heads},
          {"num_layers", s.layers},
          {"ofs_embed_dim", nullptr},
          {"out_channels", 16},
          {"patch_bias", true},
          {"patch_size", 2},
          {"patch_size_t", nullptr},
          {"sample_frames", s.sample_frames},
          {"sample_height", s.sample_height},
          {"sample_width", s.sample_width},
          {"spatial_interpolation_scale", 1.875},
          {"temporal_compression_ratio", 4},
          {"temporal_interpolation_scale", 1.0},
          {"text_embed_dim", s.text_embed_dim},
          {"time_embed_dim", s.time_embed_dim},
          {"timestep_activation_fn", "silu"},
          {"use_learned_positional_embeddings", false},
          {"use_rotary_positional_embeddings", s.rotary}};
}

json vae_config_json(const VaeShape& s) {
  const size_t blocks = s.block_out_channels.size();
  return {{"_class_name", "AutoencoderKLCogVideoX"},
          {"act_fn", "silu"},
          {"block_out_channels", s.block_out_channels},
          {"down_block_types", json(blocks, "CogVideoXDownBlock3D")},
          {"force_upcast", true},
          {"in_channels", 3},
          {"latent_channels", 16},
          {"layers_per_block", s.layers_per_block},
          {"norm_eps", 1e-6},
          {"norm_num_groups", s.norm_num_groups},
          {"out_channels", 3},
          {"sample_height", s.sample_height},
          {"sample_width", s.sample_width},
          {"scaling_factor", s.scaling_factor},
          {"shift_factor", nullptr},
          {"temporal_compression_ratio", 4},
          {"up_block_types", json(blocks, "CogVideoXUpBlock3D")},
          {"use_post_quant_conv", false},
          {"use_quant_conv", false}};
}

json t5_config_json(const T5Shape& s, int64_t vocab_size) {
  return {{"architectures", {"T5EncoderModel"}},
          {"d_ff", s.d_ff},
          {"d_kv", s.d_kv},
          {"d_model", s.d_model},
          {"dense_act_fn", "gelu_new"},
          {"eos_token_id", 1},
          {"feed_forward_proj", "gated-gelu"},
          {"is_gated_act", true},
          {"layer_norm_epsilon", 1e-6},
          {"model_type", "t5"},
          {"num_heads", s.num_heads},
          {"num_layers", s.num_layers},
          {"pad_token_id", 0},
          {"relative_attention_max_distance", 128},
          {"relative_attention_num_buckets", 32},
          {"tie_word_embeddings", false},
          {"vocab_size", vocab_size}};
}

json scheduler_config_json(double snr_shift_scale) {
  return {{"_class_name", "CogVideoXDDIMScheduler"},
          {"beta_end", 0.012},
          {"beta_schedule", "scaled_linear"},
          {"beta_start", 0.00085},
          {"clip_sample", false},
          {"num_train_timesteps", 1000},
          {"prediction_type", "v_prediction"},
          {"rescale_betas_zero_snr", true},
          {"set_alpha_to_one", true},
          {"snr_shift_scale", snr_shift_scale},
          {"steps_offset", 0},
          {"timestep_spacing", "trailing"}};
}

json model_index_json() {
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

int64_t train_tokenizer(const fs::path& dir, const fs::path& captions,
                        const std::string& model_type) {
  fs::create_directories(dir);
  fs::copy_file(captions, dir / "captions.txt", fs::copy_options::overwrite_existing);
  run_in(dir, {"spm_train", "--input=captions.txt", "--model_prefix=spiece", "--vocab_size=256",
               "--model_type=" + model_type, "--pad_id=0", "--eos_id=1", "--unk_id=2",
               "--bos_id=-1", "--hard_vocab_limit=false", "--character_coverage=1.0",
               "--num_threads=1", "--random_seed=1", "--minloglevel=2"});
  fs::remove(dir / "captions.txt");
  fs::remove(dir / "spiece.vocab");
  return install_tokenizer(dir, dir / "spiece.model");
}

int64_t install_tokenizer(const fs::path& dir, const fs::path& spiece) {
  if (!fs::is_regular_file(spiece))
    throw std::runtime_error("tokenizer " + spiece.string() + ": no such file");
  fs::create_directories(dir);
  const auto target = dir / "spiece.model";
  if (!fs::exists(target) || !fs::equivalent(spiece, target))
    fs::copy_file(spiece, target, fs::copy_options::overwrite_existing);
  write_json(dir / "tokenizer_config.json", {{"tokenizer_class", "T5Tokenizer"},
                                             {"model_max_length", 226},
                                             {"legacy", true},
                                             {"extra_ids", kT5ExtraIds},
                                             {"eos_token", "</s>"},
                                             {"pad_token", "<pad>"},
                                             {"unk_token", "<unk>"}});
  return load_sentencepiece(dir / "spiece.model")->piece_size() + kT5ExtraIds;
}

bool name_ends_with(const std::string& name, const std::string& suffix) {
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void randomise(torch::nn::Module& module, torch::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : module_state(module)) {
    const auto noise = torch::randn(t.sizes(), gen);
    if (name_ends_with(name, "bias"))
      t.copy_(noise * 0.05);
    else if (t.dim() == 1)
      t.copy_(1 + noise * 0.1);
    else
      t.copy_(noise / std::sqrt(static_cast<double>(t.numel() / t.size(0))));
  }
}

int64_t parameter_count(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

int64_t write_random_weights(torch::nn::Module& module, const fs::path& file, torch::Generator& gen,
                             torch::ScalarType dtype) {
  randomise(module, gen);
  auto state = module_state(module);
  for (auto& entry : state) entry.second = entry.second.to(dtype);
  write_safetensors(file, state, {{"format", "pt"}});
  return parameter_count(module);
}

}  // namespace ditstream
