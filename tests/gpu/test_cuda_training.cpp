// train-demo's two trainers on CUDA against the CPU (label gpu; skipped without a CUDA device):
// batches and noise are drawn on the CPU from (seed, step), so a few steps on either device start
// from the same weights, see the same data and end within fp32 tolerance of each other.
#include "core/io/json_config.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/sampling/noise_schedule.h"
#include "core/training/model_recipe.h"
#include "core/training/transformer_training.h"
#include "core/training/vae_training.h"
#include "cuda_test.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

torch::TensorOptions on(const std::string& device) {
  return torch::TensorOptions(torch::kFloat).device(torch::Device(device));
}

std::vector<torch::Tensor> weights(torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p.detach().cpu().clone());
  return out;
}

double mean_distance(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double sum = 0, count = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sum += (a[i] - b[i]).abs().sum().item<double>();
    count += static_cast<double>(a[i].numel());
  }
  return sum / count;
}

// Adam turns tiny gradient differences into whole-step differences where a gradient is near 0,
// so the measure is on average: the devices' weights differ by under 1 % of what training moved.
void expect_same_training(const std::vector<torch::Tensor>& initial, torch::nn::Module& cpu,
                          torch::nn::Module& gpu) {
  const auto moved = mean_distance(initial, weights(cpu));
  ASSERT_GT(moved, 0.0);
  EXPECT_LT(mean_distance(weights(cpu), weights(gpu)), 0.01 * moved);
}

class CudaTraining : public testing::CudaTest<> {
 protected:
  void SetUp() override {
    CudaTest::SetUp();
    work_ = fs::temp_directory_path() / "ditstream_cuda_training";
    fs::remove_all(work_);
  }
  void TearDown() override { fs::remove_all(work_); }
  fs::path work_;
};

std::shared_ptr<AutoencoderKLCogVideoX> vae_on(const std::string& device) {
  VaeShape shape;
  shape.scaling_factor = 1.0;
  auto vae = std::make_shared<AutoencoderKLCogVideoX>(
      VaeConfig::from_json(JsonConfig{vae_config_json(shape), "test"}), on(device), true);
  auto gen = at::detail::createCPUGenerator(3);
  randomise(*vae, gen);
  return vae;
}

TEST_F(CudaTraining, VaeStepsMatchCpu) {
  VaeTrainingOptions o;
  o.steps = 3;
  o.batch = 2;
  o.clip_frames = 9;
  o.checkpoint_every = 100;
  WorldGeometry world;
  auto cpu = vae_on("cpu"), gpu = vae_on("cuda");
  const auto initial = weights(*cpu);
  TrainingBudget unlimited;
  const auto cpu_run = train_vae(*cpu, world, o, work_ / "cpu", unlimited);
  const auto gpu_run = train_vae(*gpu, world, o, work_ / "cuda", unlimited);
  EXPECT_EQ(gpu_run.steps, 3);
  EXPECT_NEAR(gpu_run.final_loss, cpu_run.final_loss, 1e-3 * cpu_run.final_loss);
  expect_same_training(initial, *cpu, *gpu);
}

std::shared_ptr<CogVideoXTransformer3DModel> transformer_on(const std::string& device) {
  TransformerShape shape;
  shape.sample_height = 6;
  shape.sample_width = 8;
  shape.sample_frames = 9;
  shape.max_text_seq_length = 8;
  auto model = std::make_shared<CogVideoXTransformer3DModel>(
      TransformerConfig::from_json(JsonConfig{transformer_config_json(shape), "test"}), on(device));
  auto gen = at::detail::createCPUGenerator(4);
  randomise(*model, gen);
  return model;
}

TEST_F(CudaTraining, TransformerStepsMatchCpu) {
  auto gen = at::detail::createCPUGenerator(5);
  const LatentDataset data{torch::randn({6, 3, 16, 6, 8}, gen), torch::randn({6, 8, 32}, gen),
                           torch::zeros({1, 8, 32})};
  const NoiseSchedule schedule(
      SchedulerConfig::from_json(JsonConfig{scheduler_config_json(), "test"}));
  TransformerTrainingOptions o;
  o.steps = 4;
  o.batch = 3;
  o.warmup = 1;
  o.checkpoint_every = 100;
  auto cpu = transformer_on("cpu"), gpu = transformer_on("cuda");
  const auto initial = weights(*cpu);
  TrainingBudget unlimited;
  const auto cpu_run = train_transformer(*cpu, data, schedule, o, work_ / "cpu", unlimited);
  const auto gpu_run = train_transformer(*gpu, data, schedule, o, work_ / "cuda", unlimited);
  EXPECT_NEAR(gpu_run.final_loss, cpu_run.final_loss, 1e-3 * cpu_run.final_loss);
  expect_same_training(initial, *cpu, *gpu);
}

}  // namespace
}  // namespace ditstream
