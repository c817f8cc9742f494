// Flow-matching samplers (Wan2.1's UniPC and FlowMatchEuler): the wan-tiny-a scheduler goldens,
// exactness on the true velocity, config reading and reset.
#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/sampling/flow_euler_sampler.h"
#include "core/sampling/flow_schedule.h"
#include "core/sampling/unipc_sampler.h"
#include "core/verify/wan_cases.h"
#include "test_support.h"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <iostream>
#include <tuple>

namespace ditstream {
namespace {

std::filesystem::path wan_tiny_dir() { return testing::golden_dir() / "wan-tiny-a"; }

JsonConfig config_json(nlohmann::json json) {
  return {std::move(json), "test/scheduler_config.json"};
}

nlohmann::json wan_unipc_json() {
  return {{"_class_name", "UniPCMultistepScheduler"},
          {"flow_shift", 3.0},
          {"prediction_type", "flow_prediction"},
          {"use_flow_sigmas", true},
          {"solver_order", 2},
          {"solver_type", "bh2"},
          {"disable_corrector", nlohmann::json::array()}};
}

torch::Tensor gaussian(std::vector<int64_t> shape, uint64_t seed) {
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return torch::randn(shape, generator, torch::kFloat);
}

// ---------------------------------------------------------------------------------------------
// Golden cases (diffusers 0.40 schedulers, cases/README.md).

class FlowSchedulerGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(FlowSchedulerGolden, MatchesReference) {
  if (!std::filesystem::exists(wan_tiny_dir())) {
    GTEST_SKIP() << "golden folder not found: " << wan_tiny_dir() << " (../shared is absent here)";
  }
  GoldenCase c;
  c.model_dir = wan_tiny_dir();
  c.name = GetParam();
  c.file = c.model_dir / "cases" / (c.name + ".safetensors");
  const SafetensorsFile f(c.file);
  c.tensors = &f;
  for (const auto& check : ditstream::run_flow_scheduler_case(c)) {
    std::cout << "  " << c.name << " " << check.name << ": " << check.metric << " " << check.error
              << " (limit " << check.limit << ")\n";
    EXPECT_TRUE(check.passed()) << check.name << " error " << check.error << " > " << check.limit;
  }
}

INSTANTIATE_TEST_SUITE_P(WanTinyA, FlowSchedulerGolden,
                         ::testing::Values("scheduler_unipc_4steps", "scheduler_unipc_10steps",
                                           "scheduler_unipc_50steps", "scheduler_euler_4steps",
                                           "scheduler_euler_10steps", "scheduler_euler_50steps"));

TEST(FlowSchedule, TimestepsFollowTheReadmeTables) {
  const auto unipc = unipc_flow_schedule(4, 3.0, 1000);
  EXPECT_EQ(unipc.timesteps, (std::vector<double>{999, 900, 750, 500}));
  EXPECT_EQ(unipc.sigmas.back(), 0.0f);
  const auto euler = euler_flow_schedule(4, 3.0, 1000);
  EXPECT_EQ(euler.sigmas.front(), 1.0f);
  EXPECT_NEAR(euler.timesteps[3], 8.928572, 1e-4);  // the low end is shifted twice
}

// ---------------------------------------------------------------------------------------------
// With v = ε − x0 exactly, both samplers stay on x_σ = (1 − σ)·x0 + σ·ε and end at x0.

void expect_reaches_x0(const std::string& name, int64_t steps,
                       UniPCVariant variant = UniPCVariant::kBh2) {
  const auto x0 = gaussian({1, 16, 2, 3, 4}, 7);
  const auto noise = gaussian({1, 16, 2, 3, 4}, 8);
  FlowSchedulerConfig config;
  config.shift = 3.0;
  config.unipc.variant = variant;
  auto sampler = make_flow_sampler(name, config, steps);
  std::vector<double> seen;
  const auto out =
      ditstream::run_sampler(*sampler, noise, [&](const torch::Tensor&, double t, int64_t) {
        seen.push_back(t);
        return noise - x0;
      });
  EXPECT_EQ(seen, sampler->timesteps()) << name;
  EXPECT_LT((out - x0).abs().max().item<double>(), 1e-5) << name << " " << steps << " steps";
  EXPECT_LT((sampler->pred_original() - x0).abs().max().item<double>(), 1e-5) << name;
}

TEST(FlowSampler, UniPCReachesX0OnTheTrueVelocity) {
  for (int64_t steps : {1, 2, 4, 10, 50}) expect_reaches_x0("unipc", steps);
  expect_reaches_x0("unipc", 10, UniPCVariant::kBh1);  // finite at σ = 0, unlike the reference
}

TEST(FlowSampler, EulerReachesX0OnTheTrueVelocity) {
  for (int64_t steps : {1, 2, 4, 10, 50}) expect_reaches_x0("euler", steps);
}

// Data ~ N(0, s²) has the exact flow x_σ = r(σ)·z, r² = (1 − σ)²s² + σ², v = x·(σ − (1 − σ)s²)/r²:
// a curved path on which the solver order shows.
double gaussian_flow_error(const std::string& name, const FlowSchedulerConfig& config,
                           int64_t steps) {
  constexpr double s2 = 0.25;
  const auto r2 = [&](double sigma) { return (1 - sigma) * (1 - sigma) * s2 + sigma * sigma; };
  auto sampler = make_flow_sampler(name, config, steps);
  const auto sigma = [&](int64_t i) { return sampler->parametrisation(i).output_scale; };
  const auto z = gaussian({1, 4, 4, 4}, 5).to(torch::kFloat64);
  const auto velocity = [&](const torch::Tensor& x, double, int64_t i) {
    return x * ((sigma(i) - (1 - sigma(i)) * s2) / r2(sigma(i)));
  };
  const auto out = ditstream::run_sampler(*sampler, z * std::sqrt(r2(sigma(0))), velocity);
  return (out - std::sqrt(s2) * z).abs().max().item<double>();
}

FlowSchedulerConfig unipc_config(int64_t order, UniPCVariant variant, double shift) {
  FlowSchedulerConfig config;
  config.shift = shift;
  config.unipc.solver_order = order;
  config.unipc.variant = variant;
  return config;
}

TEST(FlowSampler, UniPCVariantsBeatEulerOnACurvedFlow) {
  const double euler = gaussian_flow_error("euler", FlowSchedulerConfig{}, 40);
  EXPECT_NEAR(gaussian_flow_error("euler", FlowSchedulerConfig{}, 20), 2 * euler, 0.1 * euler);
  for (auto variant : {UniPCVariant::kBh1, UniPCVariant::kBh2}) {
    for (int64_t order : {2, 3}) {
      EXPECT_LT(gaussian_flow_error("unipc", unipc_config(order, variant, 1.0), 40), euler / 5)
          << "order " << order;
    }
  }
}

// bh1 and order 3 have no golden: x after steps 3 and 6 of 8 (shift 3, v = 0.8·x − 0.3·cos(i + j))
// from a float64 emulation of diffusers' UniPC step on fp32 sigmas.
TEST(FlowSampler, UniPCVariantsMatchAnEmulationOfTheReference) {
  const std::vector<std::tuple<int64_t, UniPCVariant, std::vector<double>>> cases = {
      {2,
       UniPCVariant::kBh2,
       {0.53806534, -1.01975886, 0.239909445, 0.494115363, -0.622964795, 0.152081073}},
      {2,
       UniPCVariant::kBh1,
       {0.513557829, -1.07775991, 0.214620607, 0.501770658, -0.674228945, 0.111074801}},
      {3,
       UniPCVariant::kBh2,
       {0.539061063, -1.0140001, 0.246297952, 0.503439408, -0.62599878, 0.140368806}},
      {3,
       UniPCVariant::kBh1,
       {0.51623503, -1.07222534, 0.218063952, 0.507127825, -0.68031188, 0.0982675883}}};
  for (const auto& [order, variant, expected] : cases) {
    auto sampler = make_flow_sampler("unipc", unipc_config(order, variant, 3.0), 8);
    auto x = torch::tensor({0.7, -1.2, 0.3}, torch::kFloat64);
    std::vector<torch::Tensor> kept;
    for (int64_t i = 0; i < 7; ++i) {
      const auto v = 0.8 * x - 0.3 * torch::cos(torch::arange(3, torch::kFloat64) + double(i));
      x = sampler->step(v, i, x);
      if (i == 3 || i == 6) kept.push_back(x);
    }
    const auto diff = torch::cat(kept) - torch::tensor(expected, torch::kFloat64);
    EXPECT_LT(diff.abs().max().item<double>(), 1e-6) << "order " << order;
  }
}

TEST(FlowSampler, UnknownNameIsRejected) {
  EXPECT_THROW(make_flow_sampler("heun", FlowSchedulerConfig{}, 4), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Config reading.

TEST(FlowSchedulerConfig, EulerShiftComesFromTheConfig) {
  const auto config = FlowSchedulerConfig::from_json(
      config_json({{"_class_name", "FlowMatchEulerDiscreteScheduler"},
                   {"shift", 5.0},
                   {"num_train_timesteps", 1000}}));
  EXPECT_FALSE(config.is_unipc());
  EXPECT_EQ(config.shift, 5.0);
  const auto sampler = make_flow_sampler("euler", config, 4);
  const auto& sigmas = dynamic_cast<const FlowEulerSampler&>(*sampler).sigmas();
  EXPECT_EQ(sigmas, euler_flow_schedule(4, 5.0, 1000).sigmas);
  EXPECT_NE(sigmas, euler_flow_schedule(4, 3.0, 1000).sigmas);
}

TEST(FlowSchedulerConfig, UniPCShiftAndSolverComeFromTheConfig) {
  auto json = wan_unipc_json();
  json["flow_shift"] = 5.0;
  json["solver_type"] = "bh1";
  json["disable_corrector"] = {0, 2};
  const auto config = FlowSchedulerConfig::from_json(config_json(json));
  EXPECT_TRUE(config.is_unipc());
  EXPECT_EQ(config.shift, 5.0);
  EXPECT_EQ(config.unipc.variant, UniPCVariant::kBh1);
  EXPECT_EQ(config.unipc.disable_corrector, (std::vector<int64_t>{0, 2}));
}

TEST(FlowSchedulerConfig, UnsupportedFieldsAreRejectedByName) {
  const std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"use_dynamic_shifting", true},   {"thresholding", true},
      {"solver_type", "midpoint"},      {"prediction_type", "epsilon"},
      {"use_flow_sigmas", false},       {"final_sigmas_type", "sigma_min"},
      {"use_karras_sigmas", true},      {"shift_terminal", 0.1},
      {"_class_name", "DDIMScheduler"}, {"lower_order_final", false}};
  for (const auto& [field, value] : bad) {
    auto json = wan_unipc_json();
    json[field] = value;
    try {
      FlowSchedulerConfig::from_json(config_json(json));
      ADD_FAILURE() << field << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("'" + field + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("test/scheduler_config.json"), std::string::npos);
    }
  }
}

TEST(FlowSchedulerConfig, MissingPredictionTypeMeansEpsilonAndIsRejected) {
  auto json = wan_unipc_json();
  json.erase("prediction_type");
  EXPECT_THROW(FlowSchedulerConfig::from_json(config_json(json)), std::runtime_error);
}

TEST(FlowSchedulerConfig, WanFolderConfigLoads) {
  DITSTREAM_REQUIRE_PATH(wan_tiny_dir());
  const auto config = FlowSchedulerConfig::load(wan_tiny_dir() / "scheduler");
  EXPECT_TRUE(config.is_unipc());
  EXPECT_EQ(config.shift, 3.0);
  EXPECT_EQ(config.unipc.solver_order, 2);
  EXPECT_EQ(config.unipc.variant, UniPCVariant::kBh2);
}

// ---------------------------------------------------------------------------------------------
// reset() and a second trajectory.

std::vector<torch::Tensor> trajectory(Sampler& sampler, int64_t steps) {
  auto x = gaussian({1, 16, 2, 2, 2}, 11);
  std::vector<torch::Tensor> out;
  for (int64_t i = 0; i < steps; ++i) {
    x = sampler.step(gaussian({1, 16, 2, 2, 2}, 100 + i), i, x);
    out.push_back(x);
  }
  return out;
}

void expect_reset_repeats(const std::string& name) {
  auto config = FlowSchedulerConfig{};
  config.shift = 3.0;
  auto sampler = make_flow_sampler(name, config, 6);
  const auto first = trajectory(*sampler, 6);
  sampler->reset();
  trajectory(*sampler, 3);  // an abandoned partial run
  sampler->reset();
  const auto second = trajectory(*sampler, 6);
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_TRUE(torch::equal(first[i], second[i])) << name << " step " << i;
}

TEST(FlowSampler, ResetThenSecondTrajectoryIsIdentical) {
  expect_reset_repeats("unipc");
  expect_reset_repeats("euler");
}

TEST(FlowSampler, UniPCOrdersWarmUpAndLowerTheFinalStep) {
  auto sampler = make_flow_sampler("unipc", FlowSchedulerConfig{}, 4);
  auto& unipc = dynamic_cast<UniPCSampler&>(*sampler);
  std::vector<int64_t> orders;
  auto x = gaussian({1, 4, 2, 2}, 3);
  for (int64_t i = 0; i < 4; ++i) {
    x = unipc.step(gaussian({1, 4, 2, 2}, 30 + i), i, x);
    orders.push_back(unipc.predictor_order());
  }
  EXPECT_EQ(orders, (std::vector<int64_t>{1, 2, 2, 1}));
}

// The sample step 1 starts from after the corrector, given step 0's prediction.
torch::Tensor corrected_at_step1(const FlowSchedulerConfig& config) {
  auto sampler = make_flow_sampler("unipc", config, 3);
  auto& unipc = dynamic_cast<UniPCSampler&>(*sampler);
  const auto x = unipc.step(gaussian({1, 4, 2, 2}, 40), 0, gaussian({1, 4, 2, 2}, 3));
  unipc.step(gaussian({1, 4, 2, 2}, 41), 1, x);
  return unipc.corrected_sample() - x;
}

TEST(FlowSampler, DisabledCorrectorLeavesTheSampleAlone) {
  FlowSchedulerConfig config;
  EXPECT_GT(corrected_at_step1(config).abs().max().item<double>(), 1e-3);
  config.unipc.disable_corrector = {0};
  EXPECT_EQ(corrected_at_step1(config).abs().max().item<double>(), 0.0);
}

}  // namespace
}  // namespace ditstream
