// WanTransformer3DModel against the wan-tiny-a goldens (real diffusers code), plus config, loader,
// attention-hook and per-token timestep checks on a seeded random tiny model.

#include "core/io/json_config.h"
#include "core/io/module_loader.h"
#include "core/io/safetensors.h"
#include "core/model/wan/rope.h"
#include "core/model/wan/transformer.h"
#include "core/model/wan/transformer_config.h"
#include "core/verify/wan_cases.h"
#include "test_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>

#include <unistd.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

fs::path wan_dir() { return testing::shared_dir() / "golden" / "wan-tiny-a"; }

std::vector<fs::path> transformer_case_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(wan_dir() / "cases")) {
    const auto name = entry.path().filename().string();
    if (name.rfind("transformer_", 0) == 0 && entry.path().extension() == ".safetensors")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

GoldenCase golden_case(const fs::path& file, const SafetensorsFile& tensors) {
  GoldenCase c;
  c.model_dir = wan_dir();
  c.file = file;
  c.name = file.stem().string();
  c.tensors = &tensors;
  return c;
}

double rel_error(const torch::Tensor& port, const torch::Tensor& ref) {
  const auto p = port.to(torch::kDouble), r = ref.to(torch::kDouble);
  return ((p - r).abs().max() / r.abs().max()).item<double>();
}

void expect_rel(const std::string& what, const torch::Tensor& port, const torch::Tensor& ref,
                double limit) {
  const double error = ditstream::rel_error(port, ref);
  std::cout << what << "  rel " << error << " (limit " << limit << ")\n";
  EXPECT_LE(error, limit) << what;
}

TEST(WanTransformerGolden, AllTransformerCasesPass) {
  if (!fs::exists(wan_dir()))
    GTEST_SKIP() << "fixture not found: " << wan_dir() << " (../shared is absent here)";
  const auto files = transformer_case_files();
  ASSERT_GE(files.size(), 4u);
  for (const auto& file : files) {
    const SafetensorsFile tensors(file);
    for (const auto& check : run_wan_transformer_case(golden_case(file, tensors))) {
      std::cout << file.stem().string() << "  " << check.name << "  " << check.metric << " "
                << check.error << " (limit " << check.limit << ")\n";
      EXPECT_TRUE(check.passed()) << file.stem() << ": " << check.name << " " << check.error;
    }
  }
}

// Test-only KV cache on the attention hook: each call prepends the layer's earlier K/V.
class ChunkCacheControl : public AttentionControl {
 public:
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override {
    if (site.kind == AttentionKind::Cross) return attention(q, k, v);
    auto& [keys, values] = cache[site.layer];
    keys = keys.defined() ? torch::cat({keys, k}, 2) : k;
    values = values.defined() ? torch::cat({values, v}, 2) : v;
    return attention(q, keys, values);
  }
  std::map<int64_t, std::pair<torch::Tensor, torch::Tensor>> cache;  // (B, heads, S, hd)
};

// causal_F4_*: the full forward (per-token (1, S) timesteps in the perframe case) and a chunkwise
// run through the hook with RoPE frame offsets reproduce the reference.
TEST(WanTransformerGolden, CausalCasesPerTokenTimestepAndFrameOffset) {
  DITSTREAM_REQUIRE_PATH(wan_dir() / "cases");
  torch::NoGradGuard no_grad;
  const auto model = WanTransformer3DModel::load(wan_dir() / "transformer", torch::kFloat32);
  for (const std::string name : {"causal_F4_block1_t500", "causal_F4_block1_perframe"}) {
    const SafetensorsFile t(wan_dir() / "cases" / (name + ".safetensors"));
    const auto x = t.tensor("hidden_states"), text = t.tensor("encoder_hidden_states");
    const auto full = model->forward(x, t.tensor("timestep"), text);
    ditstream::expect_rel(name + " output_full_attention", full, t.tensor("output_full_attention"),
                          1e-4);
    ChunkCacheControl cache;
    AttentionContext ctx;
    ctx.control = &cache;
    std::vector<torch::Tensor> chunks;
    for (int64_t f = 0; f < x.size(2); ++f) {
      WanForwardOptions options;
      options.frame_offset = f;
      chunks.push_back(model->forward(x.slice(2, f, f + 1),
                                      t.tensor("timestep_per_frame").slice(0, f, f + 1), text, ctx,
                                      options));
    }
    ditstream::expect_rel(name + " output_chunkwise", torch::cat(chunks, 2),
                          t.tensor("output_chunkwise"), 1e-4);
    for (int64_t layer = 0; layer < 2; ++layer) {
      const auto prefix = "kv_layer" + std::to_string(layer);
      const auto& [keys, values] = cache.cache.at(layer);
      ditstream::expect_rel(name + " " + prefix + "_key", keys.transpose(1, 2),
                            t.tensor(prefix + "_key"), 1e-5);
      ditstream::expect_rel(name + " " + prefix + "_value", values.transpose(1, 2),
                            t.tensor(prefix + "_value"), 1e-5);
    }
  }
}

WanTransformerConfig tiny_config() {
  WanTransformerConfig c;
  c.num_attention_heads = 2;
  c.attention_head_dim = 16;
  c.text_dim = 32;
  c.freq_dim = 32;
  c.ffn_dim = 64;
  c.num_layers = 3;
  return c;
}

std::shared_ptr<WanTransformer3DModel> random_model() {
  torch::NoGradGuard no_grad;
  torch::manual_seed(7);
  auto model = std::make_shared<WanTransformer3DModel>(tiny_config(), torch::kFloat32);
  for (auto& p : model->parameters()) p.normal_(0.0, 0.3);
  return model;
}

struct TinyInputs {
  torch::Tensor x, timestep, text;
};

TinyInputs tiny_inputs() {
  torch::manual_seed(11);
  return {torch::randn({2, 16, 3, 4, 6}), torch::tensor({900, 125}, torch::kInt64),
          torch::randn({2, 20, 32})};
}

class ScopedDir {
 public:
  ScopedDir()
      : path(fs::temp_directory_path() /
             ("ditstream_wan_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScopedDir() { fs::remove_all(path); }
  fs::path path;
};

std::string load_error(const fs::path& config_json) {
  try {
    WanTransformerConfig::from_json(JsonConfig::load(config_json));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(WanTransformerConfig, RejectsI2VAndOtherQkNorms) {
  const ScopedDir dir;
  const auto file = dir.path / "config.json";
  const std::vector<std::pair<std::string, nlohmann::json>> edits{
      {"image_dim", 1280}, {"added_kv_proj_dim", 5120}, {"qk_norm", "rms_norm"}};
  for (const auto& [field, value] : edits) {
    auto json = tiny_config().to_json();
    json[field] = value;
    std::ofstream(file) << json.dump(2);
    const auto message = load_error(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("'" + field + "'"), std::string::npos) << message;
  }
  std::ofstream(file) << tiny_config().to_json().dump(2);
  EXPECT_EQ(load_error(file), "");
}

// Writes config.json and the weights, leaving out `skip`.
void write_model(const fs::path& dir, WanTransformer3DModel& model, const std::string& skip) {
  std::ofstream(dir / "config.json") << model.config().to_json().dump(2);
  auto state = module_state(model);
  state.erase(
      std::remove_if(state.begin(), state.end(), [&](const auto& e) { return e.first == skip; }),
      state.end());
  write_safetensors(dir / "diffusion_pytorch_model.safetensors", state);
}

TEST(WanTransformerLoad, RoundTripsAndNamesAMissingTensor) {
  torch::NoGradGuard no_grad;
  const ScopedDir dir;
  const auto model = random_model();
  const auto in = tiny_inputs();
  write_model(dir.path, *model, "");
  const auto loaded = WanTransformer3DModel::load(dir.path, torch::kFloat32);
  EXPECT_TRUE(torch::equal(loaded->forward(in.x, in.timestep, in.text),
                           model->forward(in.x, in.timestep, in.text)));
  const std::string missing = "blocks.1.attn2.norm_k.weight";
  write_model(dir.path, *model, missing);
  try {
    WanTransformer3DModel::load(dir.path, torch::kFloat32);
    FAIL() << "loading without " << missing << " succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

class CountingControl : public AttentionControl {
 public:
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override {
    sites.push_back(site);
    key_lengths.push_back(k.size(2));
    return attention(q, k, v);
  }
  std::vector<AttentionSite> sites;
  std::vector<int64_t> key_lengths;
};

// Per block: the self-attention (video keys only), then the cross-attention (the text's keys).
TEST(WanTransformerHook, CalledForEachBlocksSelfThenCrossAttention) {
  torch::NoGradGuard no_grad;
  const auto model = random_model();
  const auto in = tiny_inputs();
  CountingControl control;
  AttentionContext ctx;
  ctx.control = &control;
  ctx.step = 5;
  const auto hooked = model->forward(in.x, in.timestep, in.text, ctx);
  const int64_t layers = model->config().num_layers, tokens = 3 * 2 * 3;
  ASSERT_EQ(control.sites.size(), static_cast<size_t>(2 * layers));
  for (int64_t i = 0; i < 2 * layers; ++i) {
    const bool cross = i % 2 == 1;
    EXPECT_EQ(control.sites[i].layer, i / 2);
    EXPECT_EQ(control.sites[i].step, 5);
    EXPECT_EQ(control.sites[i].text_len, 0);
    EXPECT_EQ(control.sites[i].kind, cross ? AttentionKind::Cross : AttentionKind::Self);
    EXPECT_EQ(control.key_lengths[i], cross ? in.text.size(1) : tokens);
  }
  EXPECT_TRUE(torch::equal(hooked, model->forward(in.x, in.timestep, in.text)));
  model->forward(in.x, in.timestep, in.text, ctx);
  EXPECT_EQ(control.sites.size(), static_cast<size_t>(4 * layers));
}

TEST(WanTransformerTimestep, PerTokenEqualToPerSampleWhenUniform) {
  torch::NoGradGuard no_grad;
  const auto model = random_model();
  const auto in = tiny_inputs();
  const auto per_token = in.timestep.unsqueeze(1).expand({2, 18}).contiguous();
  const auto a = model->forward(in.x, in.timestep, in.text);
  const auto b = model->forward(in.x, per_token, in.text);
  EXPECT_LT(ditstream::rel_error(b, a), 1e-6);
  EXPECT_THROW(model->forward(in.x, per_token.slice(1, 0, 17), in.text), std::runtime_error);
}

TEST(WanTransformerRope, FrameOffsetSelectsLaterRows) {
  const auto all = ditstream::wan_rope_tables(16, 5, 2, 3, 0, 1024);
  const auto tail = ditstream::wan_rope_tables(16, 2, 2, 3, 3, 1024);
  EXPECT_TRUE(torch::equal(tail.cos, all.cos.slice(0, 3 * 6)));
  EXPECT_TRUE(torch::equal(tail.sin, all.sin.slice(0, 3 * 6)));
  EXPECT_THROW(ditstream::wan_rope_tables(16, 2, 2, 3, 1023, 1024), std::runtime_error);
  const auto split = ditstream::wan_rope_split(128);
  EXPECT_EQ(split.t, 44);
  EXPECT_EQ(split.h, 42);
  EXPECT_EQ(split.w, 42);
}

// bf16 weights follow diffusers' dtype path: time_embedder, scale_shift_tables and norm2 stay fp32.
TEST(WanTransformerPrecision, Bf16KeepsFp32ModulesAndRuns) {
  torch::NoGradGuard no_grad;
  WanTransformer3DModel model(tiny_config(), torch::kBFloat16);
  for (const auto& p : model.named_parameters()) {
    const auto& key = p.key();
    const bool fp32 = key.find("time_embedder") != std::string::npos ||
                      key.find("scale_shift_table") != std::string::npos ||
                      key.find("norm2") != std::string::npos;
    EXPECT_EQ(p.value().scalar_type(), fp32 ? torch::kFloat32 : torch::kBFloat16) << key;
  }
  const auto reference = random_model();
  const auto state = module_state(*reference);
  for (const auto& [name, tensor] : state)
    model.named_parameters()[name].set_data(
        tensor.to(model.named_parameters()[name].scalar_type()));
  const auto in = tiny_inputs();
  const auto out = model.forward(in.x, in.timestep, in.text);
  EXPECT_EQ(out.scalar_type(), torch::kBFloat16);
  EXPECT_LT(ditstream::rel_error(out, reference->forward(in.x, in.timestep, in.text)), 0.1);
}

}  // namespace
}  // namespace ditstream
