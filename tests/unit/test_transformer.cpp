#include "core/io/json_config.h"
#include "core/model/attention.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/transformer_config.h"
#include "core/model/positional_embeddings.h"
#include "core/verify/golden_case.h"
#include "test_support.h"

#include <torch/torch.h>

#include <fstream>
#include <map>
#include <sstream>

namespace ditstream {
namespace {

using testing::golden_dir;
using testing::shared_dir;

const char* const kTinyModels[] = {"cogvideox-tiny-a", "cogvideox-tiny-b", "cogvideox-tiny-rope"};

std::filesystem::path reference_dir() { return shared_dir() / "reference" / "cogvideox-2b"; }

nlohmann::json golden_values() {
  std::ifstream in(reference_dir() / "cogvideox2b_golden_values.json");
  return nlohmann::json::parse(in);
}

void expect_near_all(const torch::Tensor& port, const std::vector<double>& ref,
                     const std::string& what) {
  ASSERT_EQ(port.numel(), static_cast<int64_t>(ref.size())) << what;
  const auto p = port.to(torch::kFloat64).contiguous();
  for (size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(p[static_cast<int64_t>(i)].item<double>(), ref[i], 1e-6) << what << "[" << i << "]";
}

TEST(Transformer, SincosTableMatches2BSpotValues) {
  DITSTREAM_REQUIRE_PATH(reference_dir());
  const auto values = golden_values();
  const auto table = sincos_table_3d(1920, 13, 30, 45, 1.875, 1.0);
  ASSERT_EQ(table.scalar_type(), torch::kFloat64);
  EXPECT_EQ(table.size(0), values["pos_embed_shape"][0].get<int64_t>());
  EXPECT_EQ(table.size(1), values["pos_embed_shape"][1].get<int64_t>());
  const double sum = table.sum().item<double>(), abs_sum = table.abs().sum().item<double>();
  std::cout << "pos_embed sum error " << std::abs(sum - values["pos_embed_sum"].get<double>())
            << ", abs_sum error " << std::abs(abs_sum - values["pos_embed_abs_sum"].get<double>())
            << "\n";
  EXPECT_NEAR(sum, values["pos_embed_sum"].get<double>(), 1e-6);
  EXPECT_NEAR(abs_sum, values["pos_embed_abs_sum"].get<double>(), 1e-6);
  const auto spot = [&](int64_t token, int64_t dim, const char* key) {
    expect_near_all(table[token].slice(0, dim, dim + 4), values[key].get<std::vector<double>>(),
                    key);
  };
  spot(0, 240, "pos_embed[token=0,240:244] (t_cos part, =1)");
  spot(1, 480, "pos_embed[token=1,480:484] (f0,h0,w1: w_sin part)");
  spot(45, 1200, "pos_embed[token=45,1200:1204] (f0,h1,w0: h_sin part)");
  spot(1350, 0, "pos_embed[token=1350,0:4] (f1,h0,w0: t_sin part)");
}

TEST(Transformer, TimestepSinusoidMatches2BSpotValues) {
  DITSTREAM_REQUIRE_PATH(reference_dir());
  const auto values = golden_values();
  const auto e = timestep_sinusoid(torch::tensor({int64_t{999}}), 1920, true, 0.0)[0];
  ASSERT_EQ(e.scalar_type(), torch::kFloat32);
  expect_near_all(e.slice(0, 0, 4), values["timestep_embed(t=999)[:4] (cos part)"], "cos part");
  expect_near_all(e.slice(0, 960, 964), values["timestep_embed(t=999)[960:964] (sin part)"],
                  "sin part");
}

TransformerConfig config_2b() {
  TransformerConfig c;  // spec §1.2, written out rather than relying on the defaults
  c.num_attention_heads = 30;
  c.attention_head_dim = 64;
  c.num_layers = 30;
  c.in_channels = c.out_channels = 16;
  c.patch_size = 2;
  c.text_embed_dim = 4096;
  c.time_embed_dim = 512;
  c.max_text_seq_length = 226;
  c.sample_height = 60;
  c.sample_width = 90;
  c.sample_frames = 49;
  c.temporal_compression_ratio = 4;
  c.spatial_interpolation_scale = 1.875;
  c.temporal_interpolation_scale = 1.0;
  c.flip_sin_to_cos = true;
  c.freq_shift = 0;
  c.attention_bias = true;
  c.norm_elementwise_affine = true;
  c.norm_eps = 1e-5;
  c.use_rotary_positional_embeddings = false;
  return c;
}

// cogvideox2b_transformer_keys.txt: "name<TAB>(d0, d1, ...)" per line after a '#' header.
std::map<std::string, std::vector<int64_t>> reference_keys() {
  std::ifstream in(reference_dir() / "cogvideox2b_transformer_keys.txt");
  std::map<std::string, std::vector<int64_t>> keys;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    std::vector<int64_t> shape;
    std::string dims = line.substr(tab + 1);
    for (char& ch : dims)
      if (ch == '(' || ch == ')' || ch == ',') ch = ' ';
    std::istringstream s(dims);
    for (int64_t d; s >> d;) shape.push_back(d);
    keys[line.substr(0, tab)] = shape;
  }
  return keys;
}

TEST(Transformer, Full2BModelOnMetaHasTheCheckpointLayout) {
  DITSTREAM_REQUIRE_PATH(reference_dir());
  const auto keys = reference_keys();
  ASSERT_EQ(keys.size(), 736u);
  CogVideoXTransformer3DModel model(
      config_2b(), torch::TensorOptions().device(torch::kMeta).dtype(torch::kFloat16));
  std::map<std::string, std::vector<int64_t>> ours;
  int64_t params = 0;
  for (const auto& p : model.named_parameters(true)) {
    ours[p.key()] = p.value().sizes().vec();
    params += p.value().numel();
  }
  EXPECT_TRUE(model.named_buffers(true).is_empty());
  EXPECT_EQ(ours, keys);
  EXPECT_EQ(ours.size(), 736u);
  EXPECT_EQ(params, 1693783872);
}

// One model across latent sizes: the cached positional inputs must follow the input size.
TEST(Transformer, OneModelServesEveryLatentSize) {
  for (const char* name : {"cogvideox-tiny-a", "cogvideox-tiny-rope"}) {
    const auto model_dir = golden_dir() / name;
    DITSTREAM_REQUIRE_PATH(model_dir);
    torch::NoGradGuard no_grad;
    const auto model = load_transformer(model_dir / "transformer", torch::dtype(torch::kFloat32));
    for (const char* c : {"transformer_F3_t979_259", "transformer_F3_t739_739_h6w10",
                          "transformer_F1_t500_500", "transformer_F3_t979_259"}) {
      const SafetensorsFile t(model_dir / "cases" / (std::string(c) + ".safetensors"));
      const auto out = model->forward(t.tensor("hidden_states"), t.tensor("encoder_hidden_states"),
                                      t.tensor("timestep"));
      const auto check = check_rel("output", out, t.tensor("output"), 1e-4);
      EXPECT_TRUE(check.passed()) << name << "/" << c << ": " << check.error;
    }
  }
}

class RecordingControl : public AttentionControl {
 public:
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override {
    sites.push_back(site);
    return attention(q, k, v);
  }
  std::vector<AttentionSite> sites;
};

TEST(Transformer, ControlHookSeesEveryLayerAndIdentityIsBitExact) {
  for (const char* name : {"cogvideox-tiny-b", "cogvideox-tiny-rope"}) {
    const auto model_dir = golden_dir() / name;
    DITSTREAM_REQUIRE_PATH(model_dir);
    torch::NoGradGuard no_grad;
    const auto model = load_transformer(model_dir / "transformer", torch::dtype(torch::kFloat32));
    const SafetensorsFile t(model_dir / "cases" / "transformer_F3_t979_259.safetensors");
    const auto x = t.tensor("hidden_states"), c = t.tensor("encoder_hidden_states");
    const auto ts = t.tensor("timestep");
    RecordingControl control;
    AttentionContext ctx;
    ctx.control = &control;
    ctx.step = 7;
    ctx.roles = {BatchRole::Uncond, BatchRole::Cond};
    const auto plain = model->forward(x, c, ts);
    const auto hooked = model->forward(x, c, ts, ctx);
    EXPECT_TRUE(torch::equal(plain, hooked)) << name;
    ASSERT_EQ(control.sites.size(), static_cast<size_t>(model->config().num_layers)) << name;
    for (size_t i = 0; i < control.sites.size(); ++i) {
      EXPECT_EQ(control.sites[i].layer, static_cast<int64_t>(i));
      EXPECT_EQ(control.sites[i].step, 7);
      EXPECT_EQ(control.sites[i].text_len, 226);
      ASSERT_NE(control.sites[i].roles, nullptr);
      EXPECT_EQ(*control.sites[i].roles, ctx.roles);
    }
  }
}

TEST(Attention, QueryChunkingMatchesOneShotAndReference) {
  torch::manual_seed(3);
  const auto q = torch::randn({2, 3, 37, 16}), k = torch::randn({2, 3, 37, 16});
  const auto v = torch::randn({2, 3, 37, 16});
  const auto one_shot = attention_query_chunked(q, k, v, int64_t{1} << 30);
  const auto chunked = attention_query_chunked(q, k, v, 2 * 3 * 37 * 5);  // chunks of 5 queries
  const auto reference = torch::softmax(
      torch::matmul(q.to(torch::kFloat64), k.to(torch::kFloat64).transpose(-2, -1)) / 4.0, -1);
  const auto expected = torch::matmul(reference, v.to(torch::kFloat64));
  const double chunk_error = (chunked - one_shot).abs().max().item<double>();
  const double error = (one_shot.to(torch::kFloat64) - expected).abs().max().item<double>();
  std::cout << "chunked vs one-shot " << chunk_error << ", one-shot vs fp64 " << error << "\n";
  EXPECT_LT(chunk_error, 1e-6);
  EXPECT_LT(error, 1e-5);
  EXPECT_TRUE(torch::allclose(full_attention(q, k, v), one_shot, 1e-5, 1e-6));
}

JsonConfig tiny_config() {
  JsonConfig json =
      JsonConfig::load(golden_dir() / "cogvideox-tiny-a" / "transformer" / "config.json");
  return json;
}

void expect_rejected(const std::string& field, const nlohmann::json& value) {
  JsonConfig json = tiny_config();
  json.json[field] = value;
  try {
    TransformerConfig::from_json(json);
    ADD_FAILURE() << field << " = " << value.dump() << " was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

TEST(TransformerConfig, RejectsUnsupportedFieldsNamingThem) {
  DITSTREAM_REQUIRE_PATH(golden_dir() / "cogvideox-tiny-a");
  expect_rejected("patch_size_t", 2);
  expect_rejected("ofs_embed_dim", 512);
  expect_rejected("use_learned_positional_embeddings", true);
  expect_rejected("activation_fn", "gelu");
  expect_rejected("num_attention_heads", "two");
}

TEST(TransformerConfig, RoundTripsTheDiffusersFile) {
  DITSTREAM_REQUIRE_PATH(golden_dir() / "cogvideox-tiny-rope");
  for (const char* model : kTinyModels) {
    const auto json = JsonConfig::load(golden_dir() / model / "transformer" / "config.json");
    const auto config = TransformerConfig::from_json(json);
    auto written = config.to_json();
    for (const auto& [key, value] : json.json.items()) {
      if (key == "_diffusers_version") continue;
      ASSERT_TRUE(written.contains(key)) << model << ": " << key;
      EXPECT_EQ(written[key], value) << model << ": " << key;
    }
    EXPECT_EQ(config.latent_frames(), 13);
  }
}

}  // namespace
}  // namespace ditstream
