#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/sampling/dpmpp_2m_sde_sampler.h"
#include "core/sampling/guidance.h"
#include "core/sampling/noise_schedule.h"
#include "core/sampling/sampler.h"
#include "core/sampling/scheduler_config.h"
#include "core/verify/golden_case.h"
#include "test_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace ditstream {
namespace {

using testing::golden_dir;
using testing::shared_dir;

std::filesystem::path reference_2b() { return shared_dir() / "reference" / "cogvideox-2b"; }

NoiseSchedule schedule_2b() { return NoiseSchedule(SchedulerConfig{}); }

// ---------------------------------------------------------------------------------------------
// Golden cases from the real diffusers schedulers.

TEST(SchedulerGolden, RunSamplerReplaysTheDdimTrajectory) {
  const auto file =
      golden_dir() / "cogvideox-tiny-a" / "cases" / "scheduler_ddim_10steps.safetensors";
  DITSTREAM_REQUIRE_PATH(file);
  const SafetensorsFile f(file);
  const auto schedule = schedule_2b();
  auto sampler = make_sampler("ddim", schedule, 10);
  const auto outputs = f.tensor("model_outputs");
  std::vector<double> seen;
  const auto out =
      run_sampler(*sampler, f.tensor("sample_in"), [&](const torch::Tensor&, double t, int64_t i) {
        seen.push_back(t);
        return outputs[i];
      });
  EXPECT_EQ(seen, sampler->timesteps());
  const auto check = check_rel("final", out, f.tensor("latents_after_step")[9], 1e-5);
  EXPECT_TRUE(check.passed()) << check.error;
}

// The DPM cases were drawn from torch.Generator().manual_seed(seed) on CPU; seeded_noise must
// reproduce that stream draw for draw.
TEST(SchedulerGolden, SeededNoiseReproducesTheStoredDraws) {
  const auto file =
      golden_dir() / "cogvideox-tiny-a" / "cases" / "scheduler_dpm_10steps.safetensors";
  DITSTREAM_REQUIRE_PATH(file);
  const SafetensorsFile f(file);
  auto noise = seeded_noise(1244);
  const auto like = f.tensor("sample_in");
  const auto counts = f.tensor("num_noise_draws");
  for (int64_t i = 0; i < counts.size(0); ++i) {
    EXPECT_TRUE(torch::equal(noise(like), f.tensor("noise_draw0")[i])) << "step " << i;
    if (counts[i].item<int64_t>() > 1) {
      EXPECT_TRUE(torch::equal(noise(like), f.tensor("noise_draw1")[i])) << "step " << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The full-size 2B schedule.

struct TableRow {
  int64_t step, t, prev_t;
  double alpha_t, alpha_prev, c_sample, c_x0, dynamic_scale;
};

std::vector<TableRow> read_table(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<TableRow> rows;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    TableRow r{};
    fields >> r.step >> r.t >> r.prev_t >> r.alpha_t >> r.alpha_prev >> r.c_sample >> r.c_x0 >>
        r.dynamic_scale;
    rows.push_back(r);
  }
  return rows;
}

TEST(Schedule2b, Ddim50TableMatches) {
  const auto path = reference_2b() / "cogvideox2b_ddim50_schedule.tsv";
  DITSTREAM_REQUIRE_PATH(path);
  const auto rows = read_table(path);
  ASSERT_EQ(rows.size(), 50u);
  const auto schedule = schedule_2b();
  const auto timesteps = schedule.timesteps(50);
  double worst_alpha = 0, worst_coef = 0, worst_scale = 0;
  for (const auto& r : rows) {
    const int64_t prev = schedule.prev_timestep(r.t, 50);
    ASSERT_EQ(timesteps[r.step], r.t);
    ASSERT_EQ(prev, r.prev_t);
    const double a_t = schedule.alpha_bar(r.t), a_p = schedule.alpha_bar(prev);
    const double c_s = std::sqrt((1 - a_p) / (1 - a_t));
    const double c_0 = std::sqrt(a_p) - std::sqrt(a_t) * c_s;
    worst_alpha = std::max({worst_alpha, std::abs(a_t - r.alpha_t), std::abs(a_p - r.alpha_prev)});
    worst_coef = std::max({worst_coef, std::abs(c_s - r.c_sample), std::abs(c_0 - r.c_x0)});
    worst_scale =
        std::max(worst_scale, std::abs(guidance_scale(6.0, true, r.t, 50) - r.dynamic_scale));
  }
  std::cout << "2B table: alpha abs " << worst_alpha << ", coefficient abs " << worst_coef
            << ", dynamic cfg abs " << worst_scale << "\n";
  EXPECT_LE(worst_alpha, 1e-12);
  EXPECT_LE(worst_coef, 1e-12);
  EXPECT_LE(worst_scale, 1e-9);  // stored with 10 significant digits
}

TEST(Schedule2b, AlphaSpotValues) {
  const auto path = reference_2b() / "cogvideox2b_golden_values.json";
  DITSTREAM_REQUIRE_PATH(path);
  const auto json = JsonConfig::load(path);
  const auto expected = json.get<std::vector<double>>("alphas_cumprod[0,19,499,979,999]");
  const auto schedule = schedule_2b();
  const std::vector<int64_t> at = {0, 19, 499, 979, 999};
  for (size_t k = 0; k < at.size(); ++k)
    EXPECT_NEAR(schedule.alpha_bar(at[k]), expected[k], 1e-12) << "t = " << at[k];
  EXPECT_EQ(schedule.alpha_bar(999), 0.0);
  EXPECT_EQ(schedule.alpha_bar(-1), 1.0);
}

TEST(Schedule2b, TrailingTimesteps) {
  const auto schedule = schedule_2b();
  EXPECT_EQ(schedule.timesteps(7), (std::vector<int64_t>{999, 856, 713, 570, 428, 285, 142}));
  EXPECT_EQ(schedule.prev_timestep(142, 7), 0);
  // 1000/16 = 62.5: numpy rounds the .5 values half to even.
  EXPECT_EQ(schedule.timesteps(16), (std::vector<int64_t>{999, 937, 874, 811, 749, 687, 624, 561,
                                                          499, 437, 374, 311, 249, 187, 124, 61}));
  EXPECT_THROW(schedule.timesteps(61), std::runtime_error);  // numpy yields 62 entries
  EXPECT_THROW(schedule.timesteps(0), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Guidance.

TEST(Guidance, DitctrlDynamicCfgTable) {
  // ditctrl-spec §2.4 (4 decimals): step i -> s.
  const std::vector<std::pair<int64_t, double>> table = {
      {0, 2.2915}, {1, 2.5435}, {2, 6.9744}, {6, 1.0376}, {10, 1.0048}, {35, 6.9999}, {49, 1.1234}};
  const auto timesteps = ditctrl_timesteps(1000, 50);
  for (const auto& [i, s] : table) {
    EXPECT_NEAR(ditctrl_guidance_scale(6.0, 5.0, timesteps[i], 50), s, 5e-5) << "step " << i;
    EXPECT_NEAR(ditctrl_guidance_scale(6.0, 5.0, timesteps[i], 50),
                guidance_scale(6.0, true, timesteps[i], 50), 1e-14);
  }
  EXPECT_EQ(guidance_scale(6.0, false, 999, 50), 6.0);
}

TEST(Guidance, CombinesInFp32) {
  const auto u = torch::tensor({1.0, 2.0}).to(torch::kBFloat16);
  const auto c = torch::tensor({2.0, 0.0}).to(torch::kBFloat16);
  const auto g = apply_guidance(u, c, 6.0);
  EXPECT_EQ(g.scalar_type(), torch::kFloat32);
  EXPECT_FLOAT_EQ(g[0].item<float>(), 7.0f);
  EXPECT_FLOAT_EQ(g[1].item<float>(), -10.0f);
}

// ---------------------------------------------------------------------------------------------
// DiTCtrl's DPM++(2M) SDE, against the formulas of ditctrl-spec §2.5-2.6 evaluated here in double.

std::vector<double> spec_subset_alphas(const NoiseSchedule& s, const std::vector<int64_t>& ts) {
  const auto& shifted = s.shifted_alphas_cumprod();
  const double first = std::sqrt(shifted[ts.back()]), last = std::sqrt(shifted[ts.front()]);
  std::vector<double> a;
  for (int64_t t : ts) a.push_back((std::sqrt(shifted[t]) - last) * first / (first - last));
  a.push_back(1.0);
  return a;
}

TEST(DpmPp2mSde, SubsetAlphasAndDenoiserQuantisation) {
  const auto schedule = schedule_2b();
  DpmPp2mSdeSampler sampler(schedule, 50, [](const torch::Tensor& x) { return x; });
  const auto& a = sampler.sampler_alphas();
  ASSERT_EQ(a.size(), 51u);
  EXPECT_EQ(a[0], 0.0);
  EXPECT_EQ(a[50], 1.0);
  // calc/sched.py (6 decimals).
  EXPECT_NEAR(a[38], 0.640657, 6e-7);
  EXPECT_NEAR(a[42], 0.76272, 6e-7);
  EXPECT_NEAR(a[49], 0.97394, 6e-7);
  const auto spec = spec_subset_alphas(schedule, ditctrl_timesteps(1000, 50));
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], spec[i], 1e-15) << i;
  // The last eight steps (t = 159 .. 19) quantise to table index t - 1, the others to t.
  for (int64_t i = 0; i < 50; ++i) {
    const auto t = static_cast<int64_t>(sampler.timesteps()[i]);
    const int64_t index = i >= 42 ? t - 1 : t;
    EXPECT_NEAR(sampler.denoiser_alphas()[i], std::sqrt(schedule.alpha_bar(index)), 1e-15) << i;
  }
}

struct ScriptedNoise {
  int64_t count = 0;
  double scale = 1.0;
  torch::Tensor operator()(const torch::Tensor& like) {
    ++count;
    auto base = torch::arange(like.numel(), like.options()).reshape(like.sizes());
    return scale * torch::sin(base * 1.3 + static_cast<double>(count));
  }
};

// x_{i+1} = m1 x_i - m2 D' + mn z (ditctrl-spec §2.6), state of 4 elements, in double.
std::vector<double> spec_trajectory(const NoiseSchedule& schedule, int64_t n, std::vector<double> x,
                                    double noise_scale) {
  DpmPp2mSdeSampler probe(schedule, n, [](const torch::Tensor& v) { return v; });
  const auto& a = probe.sampler_alphas();
  const auto sigma = [&](int64_t j) { return std::sqrt(1 - a[j] * a[j]); };
  const auto lambda = [&](int64_t j) { return std::log(a[j] / sigma(j)); };
  std::vector<double> old(x.size());
  int64_t draws = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double aq = probe.denoiser_alphas()[i];
    std::vector<double> d(x.size());
    for (size_t k = 0; k < x.size(); ++k)
      d[k] = aq * x[k] - std::sqrt(1 - aq * aq) * std::cos(0.7 * k + i);  // v = cos(0.7k + i)
    if (i == n - 1) return d;
    const double h = lambda(i + 1) - lambda(i);
    const double m1 = sigma(i + 1) / sigma(i) * std::exp(-h);
    const double m2 = a[i + 1] * (std::exp(-2 * h) - 1);
    const double mn = sigma(i + 1) * std::sqrt(1 - std::exp(-2 * h));
    const double r = i == 0 ? 0 : (lambda(i) - lambda(i - 1)) / h;
    draws += i == 0 ? 1 : 2;
    for (size_t k = 0; k < x.size(); ++k) {
      const double dp = i == 0 ? d[k] : (1 + 1 / (2 * r)) * d[k] - 1 / (2 * r) * old[k];
      const double z = noise_scale * std::sin(1.3 * k + draws);
      x[k] = m1 * x[k] - m2 * dp + mn * z;
    }
    old = d;
  }
  return x;
}

torch::Tensor run_dpmpp(const NoiseSchedule& schedule, int64_t n, const torch::Tensor& x0,
                        ScriptedNoise& noise) {
  DpmPp2mSdeSampler sampler(schedule, n,
                            [&noise](const torch::Tensor& like) { return noise(like); });
  auto x = x0;
  for (int64_t i = 0; i < n; ++i) {
    const auto v = torch::cos(0.7 * torch::arange(4, x.options()) + static_cast<double>(i));
    x = sampler.step(v, i, x);
    if (i == n - 1) {
      EXPECT_TRUE(torch::equal(x, sampler.pred_original()));
    }
  }
  return x;
}

TEST(DpmPp2mSde, MatchesTheSpecFormulaInDouble) {
  const auto schedule = schedule_2b();
  const std::vector<double> start = {0.3, -1.2, 0.8, 2.0};
  for (const int64_t n : {3, 5, 50}) {
    ScriptedNoise noise;
    const auto x = run_dpmpp(schedule, n, torch::tensor(start, torch::kFloat64), noise);
    const auto expected = torch::tensor(spec_trajectory(schedule, n, start, 1.0), torch::kFloat64);
    const double err = (x - expected).abs().max().item<double>();
    std::cout << "dpmpp-2m-sde N=" << n << " fp64 abs error " << err << "\n";
    EXPECT_LE(err, 1e-12) << "N = " << n;
    EXPECT_EQ(noise.count, 1 + 2 * (n - 2))
        << "draws: 1 at step 0, 2 per middle step, 0 at the end";

    ScriptedNoise noise32;
    const auto x32 = run_dpmpp(schedule, n, torch::tensor(start, torch::kFloat32), noise32);
    EXPECT_EQ(x32.scalar_type(), torch::kFloat32);
    EXPECT_LE((x32.to(torch::kFloat64) - expected).abs().max().item<double>(), 1e-5);
  }
}

TEST(DpmPp2mSde, ZeroNoiseIsDeterministic) {
  const auto schedule = schedule_2b();
  const auto start = torch::tensor({0.3, -1.2, 0.8, 2.0}, torch::kFloat64);
  ScriptedNoise a{0, 0.0}, b{0, 0.0};
  const auto first = run_dpmpp(schedule, 10, start, a);
  const auto second = run_dpmpp(schedule, 10, start, b);
  EXPECT_TRUE(torch::equal(first, second));
  const auto expected =
      torch::tensor(spec_trajectory(schedule, 10, {0.3, -1.2, 0.8, 2.0}, 0.0), torch::kFloat64);
  EXPECT_LE((first - expected).abs().max().item<double>(), 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Loop driver, factory and config errors.

TEST(RunSampler, CancellationStopsBetweenSteps) {
  const auto schedule = schedule_2b();
  auto sampler = make_sampler("ddim", schedule, 10);
  int64_t calls = 0;
  bool cancel = false;
  SamplingHooks hooks;
  hooks.on_step = [&](int64_t step, int64_t n) {
    EXPECT_EQ(n, 10);
    if (step == 2) cancel = true;
  };
  hooks.cancelled = [&] { return cancel; };
  const auto denoise = [&](const torch::Tensor& x, int64_t, int64_t) {
    ++calls;
    return torch::zeros_like(x, torch::kFloat32);
  };
  try {
    run_sampler(*sampler, torch::ones({2, 3}, torch::kBFloat16), denoise, hooks);
    FAIL() << "expected SamplingCancelled";
  } catch (const SamplingCancelled& e) {
    EXPECT_EQ(e.completed_steps(), 3);
  }
  EXPECT_EQ(calls, 3);
}

TEST(RunSampler, KeepsTheLatentDtype) {
  const auto schedule = schedule_2b();
  auto sampler = make_sampler("dpm", schedule, 5, seeded_noise(7));
  const auto out = run_sampler(*sampler, torch::ones({2, 3}, torch::kBFloat16),
                               [](const torch::Tensor& x, int64_t, int64_t) {
                                 EXPECT_EQ(x.scalar_type(), torch::kBFloat16);
                                 return torch::zeros(x.sizes(), torch::kFloat32);
                               });
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
}

TEST(Sampler, StepsMustComeInOrder) {
  const auto schedule = schedule_2b();
  auto sampler = make_sampler("ddim", schedule, 10);
  const auto x = torch::zeros({2});
  sampler->step(x, 0, x);
  EXPECT_THROW(sampler->step(x, 2, x), std::runtime_error);
  EXPECT_THROW(sampler->step(x, 10, x), std::runtime_error);
}

// Blending predictions made at different samples (stream option B) relies on to_x0 being the
// x0 each sampler's step computes, and on to_model_output inverting it.
TEST(Sampler, ParametrisationIsTheStepsX0AndInverts) {
  const auto schedule = schedule_2b();
  for (const std::string name : {"ddim", "dpm", "dpmpp-2m-sde"}) {
    auto sampler = make_sampler(name, schedule, 10, seeded_noise(3));
    const auto x = torch::randn({2, 3, 4}), v = torch::randn({2, 3, 4});
    for (int64_t step : {0, 1, 2}) {
      sampler->step(v, step, x);
      const auto x0 = sampler->to_x0(v, step, x);
      EXPECT_TRUE(torch::allclose(sampler->pred_original(), x0, 0, 1e-6)) << name << step;
      EXPECT_TRUE(torch::allclose(sampler->to_model_output(x0, step, x), v, 0, 1e-5))
          << name << step;
    }
  }
}

void expect_error_mentions(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an error mentioning " << text;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(Sampler, UnknownNameAndMissingNoiseThrow) {
  const auto schedule = schedule_2b();
  expect_error_mentions([&] { make_sampler("euler", schedule, 10); }, "euler");
  expect_error_mentions([&] { make_sampler("dpm", schedule, 10); }, "NoiseFn");
}

JsonConfig config_with(const std::string& key, const nlohmann::json& value) {
  JsonConfig c{SchedulerConfig{}.to_json(), "test/scheduler_config.json"};
  if (value.is_null())
    c.json.erase(key);
  else
    c.json[key] = value;
  return c;
}

TEST(SchedulerConfigJson, RejectsUnsupportedFieldsByName) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"beta_schedule", "linear"},
           {"prediction_type", "epsilon"},
           {"timestep_spacing", "leading"},
           {"_class_name", "DDIMScheduler"},
           {"trained_betas", nlohmann::json::array({0.1, 0.2})}}) {
    expect_error_mentions([&] { SchedulerConfig::from_json(config_with(key, value)); }, key);
  }
  // Absent keys take diffusers' constructor defaults ("epsilon", "leading"): rejected too.
  expect_error_mentions(
      [&] { SchedulerConfig::from_json(config_with("prediction_type", nullptr)); },
      "prediction_type");
  expect_error_mentions([&] { SchedulerConfig::from_json(config_with("beta_schedule", 3)); },
                        "beta_schedule");
}

TEST(SchedulerConfigJson, RoundTripsAndReadsTheGoldenConfig) {
  const auto path = golden_dir() / "cogvideox-tiny-a" / "scheduler" / "scheduler_config.json";
  DITSTREAM_REQUIRE_PATH(path);
  const auto c = SchedulerConfig::from_json(JsonConfig::load(path));
  EXPECT_EQ(c.to_json(), SchedulerConfig{}.to_json());
  const auto again = SchedulerConfig::from_json(JsonConfig{c.to_json(), "round trip"});
  EXPECT_EQ(again.to_json(), c.to_json());
}

}  // namespace
}  // namespace ditstream
