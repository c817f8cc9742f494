#include "core/training/demo_training.h"

#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/sampling/noise_schedule.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kScalingClips = 256;
constexpr int64_t kEncodeBatch = 16;

void write_half(torch::nn::Module& module, const fs::path& file) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (auto& [name, t] : module_state(module)) tensors.emplace_back(name, t.to(torch::kHalf));
  fs::create_directories(file.parent_path());
  write_safetensors(file, tensors, {{"format", "pt"}});
}

fs::path write_corpus(const fs::path& work, const DemoRecipe& r) {
  const fs::path file = work / "captions.txt";
  std::ofstream out(file);
  for (const auto& spec : all_single_shape_specs()) out << caption(spec) << "\n";
  for (int64_t i = 0; i < r.corpus_two_shape_captions; ++i)
    out << caption(sample_clip(static_cast<uint64_t>(i), r.world, 1.0)) << "\n";
  return file;
}

// The tokenizer is not committed: spm_train makes it again from the caption grammar. Returns the
// vocabulary size T5 needs.
int64_t make_tokenizer(const fs::path& out, const DemoRecipe& r) {
  const fs::path dir = out / "tokenizer";
  if (fs::exists(dir / "spiece.model")) return T5Tokenizer(dir / "spiece.model").vocab_size();
  fs::create_directories(out / "work");
  // Whole words: with a frozen random T5, a colour spelled over several sub-word pieces is much
  // harder for the transformer to read (it ignored the text at high noise after 2500 steps).
  return train_tokenizer(dir, write_corpus(out / "work", r), "word");
}

// Random T5 layers turn a caption into a hash of all its words (one word changed moved every
// output by 26-135 %), so the transformer would have to learn captions whole, not words.
// Embeddings N(0, 1), as T5's own init, and residual branches scaled 4x down keep each output
// mostly its own word (1-26 % change elsewhere), so unseen combinations of known words read as
// such.
void keep_words_apart(T5EncoderModel& t5, int64_t d_model) {
  torch::NoGradGuard no_grad;
  for (auto& [name, t] : module_state(t5)) {
    if (name == "shared.weight") t.mul_(std::sqrt(static_cast<double>(d_model)));
    if (name_ends_with(name, ".o.weight") || name_ends_with(name, ".wo.weight")) t.mul_(0.25);
  }
}

void make_text_encoder(const fs::path& out, const DemoRecipe& r) {
  const int64_t vocab = make_tokenizer(out, r);
  const fs::path config = out / "text_encoder/config.json";
  if (fs::exists(out / "text_encoder/model.safetensors")) {
    const auto expected = JsonConfig::load(config).get<int64_t>("vocab_size");
    if (vocab != expected)
      throw std::runtime_error((out / "tokenizer/spiece.model").string() + " has " +
                               std::to_string(vocab) + " ids but " + config.string() + " expects " +
                               std::to_string(expected) +
                               ": spm_train made another tokenizer than the one trained with");
    return;
  }
  write_json(config, t5_config_json(r.t5, vocab));
  T5EncoderModel t5(T5Config::from_json(JsonConfig::load(config)), torch::kFloat);
  auto gen = at::detail::createCPUGenerator(r.seed);
  randomise(t5, gen);  // frozen random weights: the transformer learns to read them
  keep_words_apart(t5, r.t5.d_model);
  write_half(t5, out / "text_encoder/model.safetensors");
}

// 1 / std of the posterior means of clips the VAE has not trained on (as many as the dataset
// has, at most kScalingClips).
double measure_scaling_factor(const AutoencoderKLCogVideoX& vae, const DemoRecipe& r) {
  torch::NoGradGuard no_grad;
  const int64_t clips = std::min(kScalingClips, r.dataset_clips);
  std::vector<torch::Tensor> means;
  for (int64_t first = 0; first < clips; first += kEncodeBatch) {
    const auto batch =
        training_clips(r.seed + 7, first, std::min(kEncodeBatch, clips - first), r.world);
    means.push_back(vae.encode(video_batch(batch, r.world).to(r.device)).mean);
  }
  return 1.0 / torch::cat(means).std().item<double>();
}

fs::path state_dir(const fs::path& out) { return out / "training_state"; }

// Whether `name` still has steps to train: no weights yet (no state at all for a fine-tune, which
// has no weights of its own), or a training state short of `steps` (continued only when the run
// asks to resume).
bool needs_training(const fs::path& out, const std::string& name,
                    const std::optional<fs::path>& weights, int64_t steps, bool resume) {
  const auto saved = TrainingCheckpoint(state_dir(out), name).progress();
  const bool unfinished = saved && saved->step < steps;
  if (unfinished && !resume)
    throw std::runtime_error((state_dir(out) / name).string() + " holds a stage at step " +
                             std::to_string(saved->step) + " of " + std::to_string(steps) +
                             ": pass --resume to continue it (or delete it to start over)");
  return unfinished || (weights ? !fs::exists(*weights) : !saved);
}

TrainingSummary make_vae(const fs::path& out, const DemoRecipe& r, TrainingBudget& budget) {
  VaeShape shape = r.vae;
  shape.scaling_factor = 1.0;
  AutoencoderKLCogVideoX vae(VaeConfig::from_json(JsonConfig{vae_config_json(shape), "vae"}),
                             torch::TensorOptions(torch::kFloat).device(r.device), true);
  auto gen = at::detail::createCPUGenerator(r.seed + 1);
  randomise(vae, gen);
  const TrainingSummary summary = train_vae(vae, r.world, r.vae_training, state_dir(out), budget);
  shape.scaling_factor = measure_scaling_factor(vae, r);
  write_half(vae, out / "vae/diffusion_pytorch_model.safetensors");
  write_json(out / "vae/config.json", vae_config_json(shape));
  return summary;
}

// Fine-tunes the folder's VAE decoder (its encoder frozen) and writes it back in place.
TrainingSummary make_vae_decoder(const fs::path& out, const DemoRecipe& r, TrainingBudget& budget) {
  const auto vae =
      load_vae(out / "vae", torch::TensorOptions(torch::kFloat).device(r.device), true);
  const TrainingSummary summary =
      train_vae(*vae, r.world, r.decoder_training, state_dir(out), budget);
  write_half(*vae, out / "vae/diffusion_pytorch_model.safetensors");
  return summary;
}

LatentDataset build_dataset(const fs::path& out, const DemoRecipe& r) {
  const auto vae = load_vae(out / "vae", torch::kFloat, true);
  const auto t5 = load_t5_encoder(out / "text_encoder", torch::kFloat);
  const T5Tokenizer tokenizer(find_tokenizer_model(out / "tokenizer"));
  const int64_t length = r.transformer.max_text_seq_length;
  const TextEncoder text = [&](const std::vector<std::string>& captions) {
    return t5->forward(tokenizer.encode_batch(captions, length));
  };
  return build_latent_dataset(*vae, text, r.seed + 2, r.dataset_clips, r.world);
}

// Named for everything that shapes the clips, so that a stage with other data (another start-cue
// share, other speeds) builds its own dataset instead of reading a stale one.
fs::path dataset_cache(const fs::path& out, const DemoRecipe& r) {
  const WorldGeometry& w = r.world;
  std::ostringstream name;
  name << "dataset-" << w.width << "x" << w.height << "x" << w.frames << "-r" << w.radius << "-v"
       << w.slow << "," << w.fast << (w.wrap ? "-wrap" : "") << "-cue" << w.start_cue << "-n"
       << r.dataset_clips << "-seed" << r.seed << ".pt";
  return out / "work" / name.str();
}

// Cached in the work folder: encoding the clips takes minutes, and a resumed run needs the same.
LatentDataset make_dataset(const fs::path& out, const DemoRecipe& r) {
  const fs::path cache = dataset_cache(out, r);
  std::vector<torch::Tensor> parts;
  if (fs::exists(cache)) {
    torch::load(parts, cache.string());
  } else {
    const LatentDataset data = build_dataset(out, r);
    parts = {data.latents, data.embeddings, data.empty_embedding};
    fs::create_directories(cache.parent_path());
    torch::save(parts, cache.string());
  }
  if (parts.size() != 3 || parts[0].size(0) != r.dataset_clips)
    throw std::runtime_error(cache.string() + ": not this recipe's dataset; delete it to rebuild");
  return {parts[0], parts[1], parts[2]};
}

TrainingSummary make_transformer(const fs::path& out, const DemoRecipe& r, TrainingBudget& budget) {
  write_json(out / "transformer/config.json", transformer_config_json(r.transformer));
  CogVideoXTransformer3DModel transformer(
      TransformerConfig::from_json(JsonConfig::load(out / "transformer/config.json")),
      torch::TensorOptions(torch::kFloat).device(r.device));
  auto gen = at::detail::createCPUGenerator(r.seed + 3);
  randomise(transformer, gen);
  const LatentDataset data = make_dataset(out, r);
  const NoiseSchedule schedule(
      SchedulerConfig::from_json(JsonConfig{scheduler_config_json(), "scheduler"}));
  const TrainingSummary summary = train_transformer(transformer, data, schedule,
                                                    r.transformer_training, state_dir(out), budget);
  write_half(transformer, out / "transformer/diffusion_pytorch_model.safetensors");
  return summary;
}

json summary_json(const TrainingSummary& s) {
  return {{"steps", s.steps}, {"final_loss", s.final_loss}, {"seconds", s.seconds}};
}

// One row of the stage table: what this run trained, where and how long.
json stage_json(const std::string& component, const TrainingSummary& s, double seconds,
                const DemoRecipe& r, const TrainingStage& stage) {
  return {{"component", component},   {"from_step", s.first_step},
          {"to_step", s.steps},       {"finished", s.finished},
          {"loss", s.final_loss},     {"minutes", seconds / 60.0},
          {"device", r.device.str()}, {"start_cue", r.world.start_cue},
          {"threads", stage.threads}, {"cores", std::thread::hardware_concurrency()}};
}

class SummaryFile {
 public:
  explicit SummaryFile(fs::path file)
      : file_(std::move(file)),
        json_(fs::exists(file_) ? json::parse(std::ifstream(file_)) : json::object()) {}
  void record(const std::string& component, const TrainingSummary& s, const json& stage) {
    json_[component] = summary_json(s);
    json_["stages"].push_back(stage);
    write_json(file_, json_);
  }

 private:
  fs::path file_;
  json json_;
};

// Trains one component if it needs it (`weights`: the file that marks it done; none for a
// fine-tune, done when its state is); false when the budget stopped it short.
template <typename Make>
bool train_component(const fs::path& out, const std::string& name,
                     const std::optional<fs::path>& weights, int64_t steps, const DemoRecipe& r,
                     const TrainingStage& stage, TrainingBudget& budget, Make make) {
  if (!needs_training(out, name, weights, steps, stage.resume)) return true;
  const auto began = std::chrono::steady_clock::now();
  const TrainingSummary s = make(budget);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  SummaryFile(out / "training_summary.json")
      .record(name, s, stage_json(name, s, seconds, r, stage));
  return s.finished;
}

}  // namespace

DemoRecipe demo_recipe() {
  DemoRecipe r;
  r.vae.block_out_channels = {8, 16, 32, 64};
  r.vae.sample_height = r.world.height;
  r.vae.sample_width = r.world.width;
  r.t5 = T5Shape{64, 16, 128, 4, 2};
  r.transformer.layers = 4;
  r.transformer.heads = 4;
  r.transformer.head_dim = 32;
  r.transformer.text_embed_dim = r.t5.d_model;
  r.transformer.time_embed_dim = 128;
  r.transformer.max_text_seq_length = 24;
  r.transformer.sample_height = r.world.height / 8;
  r.transformer.sample_width = r.world.width / 8;
  r.transformer.sample_frames = r.world.frames;
  return r;
}

DemoRecipe demo_recipe_v2() {
  DemoRecipe r = demo_recipe();
  r.world.height = 64;
  r.world.width = 96;
  r.world.radius = 9.0;
  r.world.slow = 0.9;
  r.world.fast = 1.8;
  r.world.wrap = true;
  // Pilot (MODEL_CARD.md): {16, 32, 32, 64} channels streamed at 0.92x real time; these at 1.37x.
  r.vae.block_out_channels = {8, 16, 32, 64};
  r.vae.sample_height = r.world.height;
  r.vae.sample_width = r.world.width;
  r.vae_training.steps = 1200;  // 2.2 s per step on one thread: a stage that fits a session
  r.transformer.sample_height = r.world.height / 8;
  r.transformer.sample_width = r.world.width / 8;
  r.transformer_training.steps = 12000;  // ~80 min on one thread: a stage that fits a session
  return r;
}

void train_demo_model(const fs::path& out, const DemoRecipe& r, const TrainingStage& stage) {
  make_text_encoder(out, r);
  TrainingBudget budget(stage.stop_after_steps, stage.stop_after_minutes);
  const auto vae = [&](TrainingBudget& b) { return make_vae(out, r, b); };
  const auto decoder = [&](TrainingBudget& b) { return make_vae_decoder(out, r, b); };
  const auto transformer = [&](TrainingBudget& b) { return make_transformer(out, r, b); };
  const auto weights = [&](const char* name) {
    return std::optional(out / name / "diffusion_pytorch_model.safetensors");
  };
  if (!train_component(out, "vae", weights("vae"), r.vae_training.steps, r, stage, budget, vae))
    return;
  if (r.decoder_training.steps > 0 &&
      !train_component(out, "vae-decoder", std::nullopt, r.decoder_training.steps, r, stage, budget,
                       decoder))
    return;
  train_component(out, "transformer", weights("transformer"), r.transformer_training.steps, r,
                  stage, budget, transformer);
  write_json(out / "scheduler/scheduler_config.json", scheduler_config_json());
  write_world(out, r.world);
  write_json(out / "model_index.json", model_index_json());  // last: marks the folder complete
}

}  // namespace ditstream
