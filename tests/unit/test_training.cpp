// Training with core's own modules: the VAE encoder's shapes, losses that fall when a few steps
// are taken on a fixed batch, resumable checkpoints, and `ditstream train-demo` end to end.
#include "core/io/checkpoint.h"
#include "core/io/json_config.h"
#include "core/io/safetensors_shards.h"
#include "core/model/cogvideox/family.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/sampling/noise_schedule.h"
#include "core/stream/pipeline_components.h"
#include "core/training/model_recipe.h"
#include "core/training/shapes_data.h"
#include "core/training/training_loop.h"
#include "core/training/transformer_training.h"
#include "core/training/vae_training.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <fstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<AutoencoderKLCogVideoX> tiny_vae(uint64_t seed) {
  VaeShape shape;
  shape.scaling_factor = 1.0;
  auto vae = std::make_shared<AutoencoderKLCogVideoX>(
      VaeConfig::from_json(JsonConfig{vae_config_json(shape), "test"}), torch::kFloat, true);
  auto gen = at::detail::createCPUGenerator(seed);
  randomise(*vae, gen);
  return vae;
}

WorldGeometry small_world() {
  WorldGeometry g;
  g.frames = 9;
  return g;
}

TEST(VaeEncoder, CompressesEightTimesInSpaceAndFourInTime) {
  const auto vae = tiny_vae(1);
  torch::NoGradGuard no_grad;
  const auto posterior = vae->encode(torch::zeros({2, 3, 9, 48, 64}));
  EXPECT_EQ(posterior.mean.sizes(), torch::IntArrayRef({2, 16, 3, 6, 8}));
  EXPECT_EQ(posterior.logvar.sizes(), posterior.mean.sizes());
  EXPECT_THROW(vae->encode(torch::zeros({1, 4, 9, 48, 64})), std::runtime_error);
  AutoencoderKLCogVideoX decoder_only(vae->config(), torch::kFloat);
  EXPECT_THROW(decoder_only.encode(torch::zeros({1, 3, 9, 48, 64})), std::logic_error);
}

TEST(VaeTraining, LossFallsOnAFixedBatch) {
  const auto vae = tiny_vae(3);
  const auto video = video_batch(training_clips(5, 0, 2, small_world()), small_world());
  make_trainable(*vae);
  torch::optim::Adam optimizer(vae->parameters(), torch::optim::AdamOptions(3e-3));
  auto gen = at::detail::createCPUGenerator(1);
  double first = 0, last = 0;
  for (int step = 0; step < 12; ++step) {
    gen.set_current_seed(step);
    optimizer.zero_grad();
    const VaeLoss loss = vae_loss(*vae, video, VaeTrainingOptions{}, gen);
    loss.total.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.reconstruction.item<double>();
  }
  EXPECT_LT(last, 0.7 * first) << first << " -> " << last;
}

std::shared_ptr<CogVideoXTransformer3DModel> tiny_transformer(torch::Generator& gen) {
  TransformerShape shape;
  shape.sample_height = 6;
  shape.sample_width = 8;
  shape.sample_frames = 9;
  shape.max_text_seq_length = 8;
  auto model = std::make_shared<CogVideoXTransformer3DModel>(
      TransformerConfig::from_json(JsonConfig{transformer_config_json(shape), "test"}),
      torch::kFloat);
  randomise(*model, gen);
  return model;
}

NoiseSchedule demo_schedule() {
  return NoiseSchedule(SchedulerConfig::from_json(JsonConfig{scheduler_config_json(), "test"}));
}

TEST(TransformerTraining, VPredictionLossFallsOnAFixedBatch) {
  auto gen = at::detail::createCPUGenerator(4);
  const auto model = tiny_transformer(gen);
  const NoiseSchedule schedule = demo_schedule();
  const auto latents = torch::randn({4, 3, 16, 6, 8}, gen);
  const auto text = torch::randn({4, 8, 32}, gen);
  const auto t = torch::tensor({10, 300, 600, 999}, torch::kLong);
  const auto noise = torch::randn(latents.sizes(), gen);
  make_trainable(*model);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 15; ++step) {
    optimizer.zero_grad();
    const auto loss = v_prediction_loss(*model, latents, text, t, noise, schedule);
    loss.backward();
    optimizer.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.7 * first) << first << " -> " << last;
}

// At t = 999 (zero terminal SNR) the input is the noise and the target is -latents.
TEST(TransformerTraining, MotionWeightAddsTheErrorsDeviationOverFrames) {
  auto gen = at::detail::createCPUGenerator(5);
  const auto model = tiny_transformer(gen);
  const auto latents = torch::randn({2, 3, 16, 6, 8}, gen);
  const auto text = torch::randn({2, 8, 32}, gen);
  const auto noise = torch::randn(latents.sizes(), gen);
  const auto t = torch::tensor({999, 999}, torch::kLong);
  torch::NoGradGuard no_grad;
  const auto error = model->forward(noise, text, t) + latents;
  const double plain = error.square().mean().item<double>();
  const double motion = (error - error.mean(1, true)).square().mean().item<double>();
  ASSERT_GT(motion, 0.1 * plain);
  const NoiseSchedule schedule = demo_schedule();
  const auto loss = [&](double w) {
    return v_prediction_loss(*model, latents, text, t, noise, schedule, w).item<double>();
  };
  EXPECT_NEAR(loss(0.0), plain, 1e-5 * plain);
  EXPECT_NEAR(loss(3.0), plain + 3.0 * motion, 1e-5 * plain);
}

TEST(TrainingCheckpoint, ResumesWeightsAndOptimizer) {
  const fs::path dir = fs::temp_directory_path() / "ditstream-checkpoint-test";
  fs::remove_all(dir);
  const auto a = tiny_vae(5), b = tiny_vae(6);
  torch::optim::Adam opt_a(a->parameters()), opt_b(b->parameters());
  const TrainingCheckpoint checkpoint(dir, "vae");
  EXPECT_FALSE(checkpoint.load(*b, opt_b).has_value());
  checkpoint.save(*a, opt_a, {17, 0.25, 3.0, 1e-3, {{17, 0.25}}});
  const auto progress = checkpoint.load(*b, opt_b);
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->step, 17);
  EXPECT_DOUBLE_EQ(progress->loss, 0.25);
  const auto restored = b->named_parameters();
  for (const auto& item : a->named_parameters())
    EXPECT_TRUE(torch::equal(item.value(), restored[item.key()])) << item.key();
  fs::remove_all(dir);
}

TEST(SafetensorsShards, SplitUnderTheLimitAndReadBackWhole) {
  const fs::path dir = fs::temp_directory_path() / "ditstream-shards-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (int i = 0; i < 5; ++i) tensors.emplace_back("t" + std::to_string(i), torch::randn({250}));
  write_safetensors_shards(dir, "weights", tensors, 2600);  // two tensors (1000 bytes each) a file
  EXPECT_TRUE(fs::exists(dir / "weights-00003-of-00003.safetensors"));
  const Checkpoint c = Checkpoint::open(dir, "weights");
  ASSERT_EQ(c.names().size(), 5u);
  for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(c.tensor(name), t)) << name;
  EXPECT_THROW(write_safetensors_shards(dir, "big", tensors, 1200), std::invalid_argument);
  fs::remove_all(dir);
}

TEST(TrainDemoCommand, WritesALoadableModelAndResumes) {
  const fs::path dir = fs::temp_directory_path() / "ditstream-train-demo-test";
  fs::remove_all(dir);
  const std::string command = std::string(DITSTREAM_CLI) + " train-demo " + dir.string() +
                              " --vae-steps 2 --transformer-steps 3 --clips 8 --batch 2 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto summary = nlohmann::json::parse(std::ifstream(dir / "training_summary.json"));
  EXPECT_EQ(summary["vae"]["steps"], 2);
  EXPECT_EQ(summary["transformer"]["steps"], 3);
  const auto components = load_pipeline_components(dir, RuntimeOptions{});
  EXPECT_EQ(components->geometry().latent_height, 6);
  const auto& vae = dynamic_cast<const CogVideoXVideoVae&>(*components->vae).model()->config();
  EXPECT_EQ(vae.block_out_channels, (std::vector<int64_t>{8, 16, 32, 64}));
  EXPECT_NE(vae.scaling_factor, 1.0);
  // Complete components are kept: a second run trains nothing and changes no weight.
  const auto before = fs::last_write_time(dir / "transformer/diffusion_pytorch_model.safetensors");
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(fs::last_write_time(dir / "transformer/diffusion_pytorch_model.safetensors"), before);
  fs::remove_all(dir);
}

// Every fp32 tensor of a component's training state.
std::map<std::string, torch::Tensor> state_weights(const fs::path& dir, const std::string& name) {
  const Checkpoint c = Checkpoint::open(dir / "training_state" / name, "weights");
  std::map<std::string, torch::Tensor> out;
  for (const auto& key : c.names()) out[key] = c.tensor(key);
  return out;
}

void expect_identical(const std::map<std::string, torch::Tensor>& a,
                      const std::map<std::string, torch::Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, t] : a) EXPECT_TRUE(torch::equal(t, b.at(key))) << key;
}

int train_demo(const fs::path& dir, const std::string& extra) {
  const std::string command = std::string(DITSTREAM_CLI) + " train-demo " + dir.string() +
                              " --vae-steps 3 --transformer-steps 3 --clips 8 --batch 2" +
                              " --threads 1 " + extra + " 2>&1";
  return std::system(command.c_str());
}

// Stages of 2 steps (the VAE's last step and the transformer's first share the second) end
// bit-identical to one run: the state holds everything, every draw comes from (seed, step).
TEST(TrainDemoCommand, ResumedStagesEndBitIdenticalToOneRun) {
  const fs::path whole = fs::temp_directory_path() / "ditstream-train-whole";
  const fs::path staged = fs::temp_directory_path() / "ditstream-train-staged";
  fs::remove_all(whole), fs::remove_all(staged);
  ASSERT_EQ(train_demo(whole, ""), 0);
  ASSERT_EQ(train_demo(staged, "--stop-after-steps 2"), 0);
  EXPECT_TRUE(fs::exists(staged / "vae/diffusion_pytorch_model.safetensors"));  // stage's fp16
  EXPECT_FALSE(fs::exists(staged / "transformer"));
  EXPECT_NE(train_demo(staged, "--stop-after-steps 2"), 0);  // a state to go on: needs --resume
  ASSERT_EQ(train_demo(staged, "--resume --stop-after-steps 2"), 0);
  ASSERT_EQ(train_demo(staged, "--resume"), 0);
  expect_identical(state_weights(whole, "vae"), state_weights(staged, "vae"));
  expect_identical(state_weights(whole, "transformer"), state_weights(staged, "transformer"));
  const auto summary = nlohmann::json::parse(std::ifstream(staged / "training_summary.json"));
  ASSERT_EQ(summary["stages"].size(), 4u);
  EXPECT_EQ(summary["stages"][1]["component"], "vae");
  EXPECT_EQ(summary["stages"][1]["from_step"], 2);
  EXPECT_EQ(summary["stages"][2]["to_step"], 1);
  EXPECT_EQ(summary["stages"][3]["finished"], true);
  for (const auto& file : fs::recursive_directory_iterator(staged / "training_state")) {
    if (!file.is_regular_file()) continue;
    EXPECT_LT(file.file_size(), 5'000'000u) << file.path();
  }
  fs::remove_all(whole), fs::remove_all(staged);
}

std::map<std::string, torch::Tensor> vae_weights(const fs::path& dir) {
  const Checkpoint c = Checkpoint::open(dir / "vae", "diffusion_pytorch_model");
  std::map<std::string, torch::Tensor> out;  // copies: the file is mapped and rewritten in place
  for (const auto& key : c.names()) out[key] = c.tensor(key).clone();
  return out;
}

// --decoder-steps fine-tunes the finished VAE's decoder alone: the encoder's weights (hence the
// transformer's latents) and the transformer stay as they were; stages of it resume exactly and a
// finished one is not trained again.
TEST(TrainDemoCommand, DecoderFineTuneKeepsTheEncoderAndResumes) {
  const fs::path whole = fs::temp_directory_path() / "ditstream-train-decoder-whole";
  const fs::path staged = fs::temp_directory_path() / "ditstream-train-decoder-staged";
  fs::remove_all(whole), fs::remove_all(staged);
  ASSERT_EQ(train_demo(whole, ""), 0);
  const auto before = vae_weights(whole);
  const auto transformer = whole / "transformer/diffusion_pytorch_model.safetensors";
  const auto transformer_time = fs::last_write_time(transformer);
  fs::copy(whole, staged, fs::copy_options::recursive);
  ASSERT_EQ(train_demo(whole, "--decoder-steps 2"), 0);
  const auto after = vae_weights(whole);
  ASSERT_EQ(before.size(), after.size());
  int64_t changed = 0;
  for (const auto& [key, t] : before) {
    const bool same = torch::equal(t, after.at(key));
    if (key.rfind("decoder.", 0) != 0) EXPECT_TRUE(same) << key;
    changed += !same;
  }
  EXPECT_GT(changed, 0);
  EXPECT_EQ(fs::last_write_time(transformer), transformer_time);
  ASSERT_EQ(train_demo(staged, "--decoder-steps 2 --stop-after-steps 1"), 0);
  ASSERT_EQ(train_demo(staged, "--decoder-steps 2 --resume"), 0);
  expect_identical(state_weights(whole, "vae-decoder"), state_weights(staged, "vae-decoder"));
  ASSERT_EQ(train_demo(whole, "--decoder-steps 2"), 0);  // finished: nothing to train
  const auto summary = nlohmann::json::parse(std::ifstream(whole / "training_summary.json"));
  ASSERT_EQ(summary["stages"].size(), 3u);  // vae, transformer, vae-decoder
  EXPECT_EQ(summary["stages"][2]["component"], "vae-decoder");
  EXPECT_EQ(summary["vae-decoder"]["steps"], 2);
  fs::remove_all(whole), fs::remove_all(staged);
}

// The v2 recipe (the endless 96x64 world): a loadable folder whose shapes_world.json is the
// world it trained on (here with --speeds), so benchmarks render that world again; --rotary
// makes its transformer a RoPE one; the start-cue share is in the stage table and the dataset's
// name.
TEST(TrainDemoCommand, V2RecipeRecordsItsEndlessWorld) {
  const fs::path dir = fs::temp_directory_path() / "ditstream-train-demo-v2-test";
  fs::remove_all(dir);
  const std::string command = std::string(DITSTREAM_CLI) + " train-demo " + dir.string() +
                              " --recipe v2 --vae-steps 1 --transformer-steps 1 --clips 4 "
                              "--batch 2 --speeds 1.2,2.4 --rotary --start-cue 0.5 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto components = load_pipeline_components(dir, RuntimeOptions{});
  EXPECT_EQ(components->geometry().latent_height, 8);
  EXPECT_EQ(components->geometry().latent_width, 12);
  WorldGeometry size;
  size.height = 64;
  size.width = 96;
  const WorldGeometry world = read_world(dir, size);
  EXPECT_TRUE(world.wrap);
  EXPECT_EQ(world.radius, 9.0);
  EXPECT_EQ(world.slow, 1.2);
  EXPECT_EQ(world.fast, 2.4);
  const auto config = nlohmann::json::parse(std::ifstream(dir / "transformer/config.json"));
  EXPECT_TRUE(config.at("use_rotary_positional_embeddings").get<bool>());
  EXPECT_FALSE(read_world(dir / "missing", size).wrap);  // no file: the v1 world
  // The stage row and the cached dataset's name both say which start-cue share the data had.
  const auto summary = nlohmann::json::parse(std::ifstream(dir / "training_summary.json"));
  EXPECT_EQ(summary["stages"].back()["start_cue"], 0.5);
  std::vector<std::string> cached;
  for (const auto& f : fs::directory_iterator(dir / "work"))
    if (f.path().extension() == ".pt") cached.push_back(f.path().filename().string());
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_NE(cached[0].find("-wrap-cue0.5-n4-"), std::string::npos) << cached[0];
  EXPECT_NE(
      std::system((std::string(DITSTREAM_CLI) + " train-demo " + dir.string() + " --recipe v3 2>&1")
                      .c_str()),
      0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ditstream
