#include "core/io/safetensors.h"
#include "core/model/wan/streaming_vae_decoder.h"
#include "core/model/wan/vae_config.h"
#include "core/model/wan/vae_decoder.h"
#include "core/verify/golden_case.h"
#include "core/verify/wan_cases.h"
#include "test_support.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using Handler = std::function<std::vector<TensorCheck>(const GoldenCase&)>;

fs::path wan_dir() { return testing::golden_dir() / "wan-tiny-a"; }
fs::path case_file(const std::string& name) {
  return wan_dir() / "cases" / (name + ".safetensors");
}

#define DITSTREAM_REQUIRE_WAN_GOLDENS()                                                   \
  do {                                                                                    \
    if (!fs::exists(wan_dir()))                                                           \
      GTEST_SKIP() << "Wan goldens not found: " << wan_dir() << " (../shared is absent)"; \
  } while (0)

// vae_decode_* and vae_encode_* cases in the folder, by stem.
std::vector<std::string> vae_case_names() {
  std::vector<std::string> names;
  if (!fs::is_directory(wan_dir() / "cases")) return names;
  for (const auto& entry : fs::directory_iterator(wan_dir() / "cases")) {
    const std::string stem = entry.path().stem().string();
    const bool vae = stem.rfind("vae_decode_", 0) == 0 || stem.rfind("vae_encode_", 0) == 0;
    if (vae && entry.path().extension() == ".safetensors") names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

class WanVaeGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(WanVaeGolden, MatchesReference) {
  DITSTREAM_REQUIRE_WAN_GOLDENS();
  const std::string name = GetParam();
  const SafetensorsFile tensors(case_file(name));
  const GoldenCase c{wan_dir(), case_file(name), name, &tensors, torch::kCPU};
  const Handler handler = name.rfind("vae_decode_", 0) == 0 ? Handler(run_wan_vae_decode_case)
                                                            : Handler(run_wan_vae_encode_case);
  const auto checks = handler(c);
  ASSERT_FALSE(checks.empty());
  for (const auto& check : checks) {
    std::cout << "  " << name << " " << check.name << ": " << check.metric << " " << check.error
              << " (limit " << check.limit << ")\n";
    EXPECT_TRUE(check.passed()) << check.name << " " << check.error << " > " << check.limit;
  }
}

INSTANTIATE_TEST_SUITE_P(WanTinyA, WanVaeGolden, ::testing::ValuesIn(vae_case_names()));
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(WanVaeGolden);

TEST(WanVaeGoldenSet, HasEveryVaeCase) {
  DITSTREAM_REQUIRE_WAN_GOLDENS();
  const auto names = vae_case_names();
  for (const char* expected :
       {"vae_decode_F1", "vae_decode_F2", "vae_decode_F5", "vae_decode_F5_split2_3",
        "vae_encode_T5_32x48", "vae_encode_T9_16x16"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

class WanVae : public ::testing::Test {
 protected:
  void SetUp() override {
    DITSTREAM_REQUIRE_WAN_GOLDENS();
    vae_ = load_wan_vae(wan_dir() / "vae", torch::TensorOptions().dtype(torch::kFloat32), true);
    latents_ = SafetensorsFile(case_file("vae_decode_F5")).tensor("latents");
  }

  void TearDown() override {
    if (!temp_.empty()) fs::remove_all(temp_);
  }

  // A fresh folder holding the tiny VAE's config.json as `config` (weights added by the test).
  fs::path vae_folder(const nlohmann::json& config) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    temp_ = fs::temp_directory_path() /
            ("ditstream_wan_vae_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(temp_);
    std::ofstream(temp_ / "config.json") << config.dump(2);
    return temp_;
  }

  nlohmann::json tiny_config() const {
    std::ifstream in(wan_dir() / "vae" / "config.json");
    return nlohmann::json::parse(in);
  }

  torch::NoGradGuard no_grad_;
  std::shared_ptr<AutoencoderKLWan> vae_;
  torch::Tensor latents_;
  fs::path temp_;
};

TEST_F(WanVae, HasTheReferenceCacheSlotCount) {
  // conv_in, 4 mid convs, 3 up blocks x 6 resnet convs (+1 time conv for the two upsample3d),
  // 6 more resnet convs, conv_out.
  EXPECT_EQ(vae_->decoder().cache_slots(), 32);
}

TEST_F(WanVae, OneFrameChunksEqualWholeDecode) {
  const torch::Tensor whole = wan_decode_latents(*vae_, latents_);
  ASSERT_EQ(whole.size(2), 17);
  WanStreamingDecoder decoder(vae_);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < latents_.size(2); ++i) {
    parts.push_back(decoder.decode(latents_.narrow(2, i, 1)));
    EXPECT_EQ(parts.back().size(2), i == 0 ? 1 : 4) << "call " << i;
  }
  EXPECT_EQ(decoder.latent_frames_decoded(), latents_.size(2));
  EXPECT_TRUE(torch::equal(torch::cat(parts, 2), whole));
}

TEST_F(WanVae, UnevenChunksAndResetEqualWholeDecode) {
  const torch::Tensor whole = wan_decode_latents(*vae_, latents_);
  WanStreamingDecoder decoder(vae_);
  decoder.decode(latents_.narrow(2, 0, 2));
  decoder.reset();
  std::vector<torch::Tensor> parts;
  for (const auto& [start, count] :
       std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {3, 0}, {3, 2}})
    parts.push_back(decoder.decode(latents_.narrow(2, start, count)));
  EXPECT_EQ(parts[0].size(2), 9);
  EXPECT_EQ(parts[1].size(2), 0);
  EXPECT_TRUE(torch::equal(torch::cat(parts, 2), whole));
}

TEST_F(WanVae, StateStaysBoundedOverSuccessiveCalls) {
  torch::manual_seed(7);
  const torch::Tensor latents = torch::randn({1, 16, 6, 4, 6});
  WanStreamingDecoder decoder(vae_);
  std::vector<int64_t> tensors, elements;
  for (int64_t i = 0; i < latents.size(2); ++i) {
    decoder.decode(latents.narrow(2, i, 1));
    tensors.push_back(decoder.state().cached_tensors());
    elements.push_back(decoder.state().cached_elements());
  }
  // From the second call on every slot holds its 2 frames ("Rep" slots included).
  EXPECT_EQ(tensors[1], vae_->decoder().cache_slots());
  for (size_t i = 2; i < tensors.size(); ++i) {
    EXPECT_EQ(tensors[i], tensors[1]) << "call " << i;
    EXPECT_EQ(elements[i], elements[1]) << "call " << i;
  }
  for (const auto& slot : decoder.state().slots) EXPECT_LE(slot.frames.size(2), 2);
}

TEST_F(WanVae, EncodeRejectsClipLengthsOutsideOnePlusFourK) {
  const auto message = error_of([&] { vae_->encode_moments(torch::zeros({1, 3, 4, 16, 16})); });
  EXPECT_NE(message.find("1 + 4k"), std::string::npos) << message;
}

TEST_F(WanVae, ConfigWithAWrongFieldFailsNamingIt) {
  const nlohmann::json good = tiny_config();
  const std::vector<std::pair<std::string, nlohmann::json>> bad{
      {"z_dim", "sixteen"},
      {"latents_std", std::vector<double>(15, 1.0)},
      {"temperal_downsample", std::vector<bool>{false, true}},
      {"is_residual", true}};
  for (const auto& [field, value] : bad) {
    nlohmann::json config = good;
    config[field] = value;
    const fs::path dir = vae_folder(config);
    const auto message = error_of([&] { WanVaeConfig::load(dir / "config.json"); });
    EXPECT_NE(message.find("'" + field + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("config.json"), std::string::npos) << message;
  }
}

TEST_F(WanVae, CheckpointMissingATensorFailsNamingIt) {
  const fs::path dir = vae_folder(tiny_config());
  const SafetensorsFile weights(wan_dir() / "vae" / "diffusion_pytorch_model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> kept;
  for (const auto& entry : weights.entries())
    if (entry.name != "decoder.up_blocks.1.upsamplers.0.time_conv.bias" &&
        entry.name != "encoder.down_blocks.5.time_conv.weight")
      kept.emplace_back(entry.name, weights.tensor(entry.name));
  write_safetensors(dir / "diffusion_pytorch_model.safetensors", kept);
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto decoder_error = error_of([&] { load_wan_vae(dir, options, false); });
  EXPECT_NE(decoder_error.find("decoder.up_blocks.1.upsamplers.0.time_conv.bias"),
            std::string::npos)
      << decoder_error;
  EXPECT_EQ(decoder_error.find("encoder."), std::string::npos) << decoder_error;
  const auto encoder_error = error_of([&] { load_wan_vae(dir, options, true); });
  EXPECT_NE(encoder_error.find("encoder.down_blocks.5.time_conv.weight"), std::string::npos)
      << encoder_error;
}

}  // namespace
}  // namespace ditstream
