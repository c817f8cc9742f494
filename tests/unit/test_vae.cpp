#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/model/cogvideox/streaming_vae_decoder.h"
#include "core/model/cogvideox/vae_config.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/cogvideox/video_postprocess.h"
#include "core/model/video_frames.h"
#include "core/verify/golden_case.h"
#include "test_support.h"

#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace ditstream {
namespace {

using testing::golden_dir;
using testing::shared_dir;

std::filesystem::path tiny_a_vae() { return golden_dir() / "cogvideox-tiny-a" / "vae"; }

torch::Tensor case_tensor(const std::string& model, const std::string& file,
                          const std::string& name) {
  return SafetensorsFile(golden_dir() / model / "cases" / file).tensor(name);
}

class VaeStreaming : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(tiny_a_vae())) GTEST_SKIP() << "fixture not found";
    vae_ = load_vae(tiny_a_vae(), torch::TensorOptions().dtype(torch::kFloat32));
    latents_ = case_tensor("cogvideox-tiny-a", "vae_decode_F13.safetensors", "latents");
  }

  torch::Tensor stream(const torch::Tensor& z, const std::vector<int64_t>& pieces,
                       int64_t first_chunk) {
    StreamingVaeDecoder decoder(vae_, first_chunk);
    std::vector<torch::Tensor> out;
    int64_t start = 0;
    for (const int64_t n : pieces) {
      out.push_back(decoder.push(z.narrow(2, start, n)));
      start += n;
      EXPECT_EQ(decoder.pending_frames() + consumed(out), start);
    }
    out.push_back(decoder.flush());
    EXPECT_EQ(decoder.pending_frames(), 0);
    return torch::cat(out, 2);
  }

  // Latent frames already decoded, from the pixel frames returned so far.
  int64_t consumed(const std::vector<torch::Tensor>& out) const {
    int64_t pixels = 0;
    for (const auto& t : out) pixels += t.size(2);
    if (pixels == 0) return 0;
    const int64_t r = vae_->config().temporal_compression_ratio;
    return pixels % r == 1 ? 1 + (pixels - 1) / r : pixels / r;
  }

  torch::NoGradGuard no_grad_;
  std::shared_ptr<AutoencoderKLCogVideoX> vae_;
  torch::Tensor latents_;
};

TEST_F(VaeStreaming, FrameByFrameEqualsDecodeLatents) {
  const torch::Tensor reference = decode_latents(*vae_, latents_);
  const torch::Tensor z = latents_to_decoder_input(vae_->config(), latents_);
  ASSERT_EQ(reference.size(2), 49);
  EXPECT_TRUE(torch::equal(stream(z, std::vector<int64_t>(13, 1), 3), reference));
}

TEST_F(VaeStreaming, UnevenPiecesEqualDecodeLatents) {
  const torch::Tensor reference = decode_latents(*vae_, latents_);
  const torch::Tensor z = latents_to_decoder_input(vae_->config(), latents_);
  EXPECT_TRUE(torch::equal(stream(z, {2, 4, 0, 1, 6}, 3), reference));
  EXPECT_TRUE(torch::equal(stream(z, {13}, 3), reference));
}

TEST_F(VaeStreaming, EvenFrameCountUsesFirstChunkOfTwo) {
  const torch::Tensor even = latents_.narrow(1, 0, 12);
  const torch::Tensor reference = decode_latents(*vae_, even);
  const torch::Tensor z = latents_to_decoder_input(vae_->config(), even);
  ASSERT_EQ(reference.size(2), 48);
  EXPECT_TRUE(torch::equal(stream(z, {1, 3, 5, 3}, 2), reference));
}

TEST_F(VaeStreaming, FramesComeOutAsSoonAsAChunkIsComplete) {
  const torch::Tensor z = latents_to_decoder_input(vae_->config(), latents_);
  StreamingVaeDecoder decoder(vae_, 3);
  EXPECT_EQ(decoder.push(z.narrow(2, 0, 2)).size(2), 0);
  const torch::Tensor first = decoder.push(z.narrow(2, 2, 2));
  EXPECT_EQ(first.sizes(), (std::vector<int64_t>{1, 3, 9, 32, 48}));
  EXPECT_EQ(decoder.pending_frames(), 1);
  EXPECT_EQ(decoder.push(z.narrow(2, 4, 1)).size(2), 8);
  EXPECT_EQ(decoder.flush().size(2), 0);
  decoder.push(z.narrow(2, 0, 1));
  decoder.reset();
  EXPECT_EQ(decoder.pending_frames(), 0);
}

TEST(VaePostprocess, FramesAndUint8) {
  const torch::Tensor decoded =
      torch::tensor({-3.0, -1.0, 0.0, 0.001, 1.0, 2.0}).view({1, 3, 1, 1, 2});
  const torch::Tensor frames = postprocess_video(decoded);
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, 1, 3, 1, 2}));
  EXPECT_TRUE(
      torch::equal(frames.flatten(), torch::tensor({0.0f, 0.0f, 0.5f, 0.5005f, 1.0f, 1.0f})));
  const torch::Tensor rgb = to_uint8_rgb(frames);
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{1, 1, 1, 2, 3}));
  // pixel 0 = channels (0, 0.5, 1), pixel 1 = (0, 0.5005, 1); 127.5 rounds half to even.
  EXPECT_TRUE(
      torch::equal(rgb.flatten(), torch::tensor({0, 128, 255, 0, 128, 255}, torch::kUInt8)));
}

JsonConfig config_2b() {
  nlohmann::json j = VaeConfig{}.to_json();
  j["_diffusers_version"] = "0.30.0.dev0";
  return {j, "2b vae config"};
}

std::vector<std::pair<std::string, std::vector<int64_t>>> reference_decoder_keys() {
  std::ifstream in(shared_dir() / "reference/cogvideox-2b/cogvideox2b_vae_keys.txt");
  std::vector<std::pair<std::string, std::vector<int64_t>>> keys;
  std::string line;
  const std::regex number("[0-9]+");
  while (std::getline(in, line)) {
    if (line.rfind("decoder.", 0) != 0) continue;
    const auto tab = line.find('\t');
    const std::string shape = line.substr(tab + 1);
    std::vector<int64_t> dims;
    for (std::sregex_iterator it(shape.begin(), shape.end(), number), end; it != end; ++it)
      dims.push_back(std::stoll(it->str()));
    keys.emplace_back(line.substr(0, tab), dims);
  }
  return keys;
}

TEST(VaeLayout, FullSize2BDecoderMatchesReferenceKeys) {
  DITSTREAM_REQUIRE_PATH(shared_dir() / "reference/cogvideox-2b/cogvideox2b_vae_keys.txt");
  const VaeConfig config = VaeConfig::from_json(config_2b());
  EXPECT_EQ(config.scaling_factor, 1.15258426);
  AutoencoderKLCogVideoX vae(config, torch::TensorOptions().device(torch::kMeta));
  std::map<std::string, std::vector<int64_t>> model;
  int64_t params = 0;
  for (const auto& p : vae.named_parameters()) {
    model[p.key()] = p.value().sizes().vec();
    params += p.value().numel();
  }
  const auto reference = reference_decoder_keys();
  ASSERT_EQ(reference.size(), 308u);
  EXPECT_EQ(model.size(), 308u);
  EXPECT_EQ(params, 123368451);
  for (const auto& [name, shape] : reference) {
    ASSERT_TRUE(model.count(name)) << name;
    EXPECT_EQ(model[name], shape) << name;
  }
  EXPECT_EQ(vae.decoder().cache_slots(), 38);
  EXPECT_EQ(config.spatial_compression(), 8);
  EXPECT_EQ(config.chunk_output_frames(3), 9);
  EXPECT_EQ(config.chunk_output_frames(2), 8);
}

TEST(VaeConfigJson, RoundTripsAndRejectsUnsupportedFields) {
  DITSTREAM_REQUIRE_PATH(tiny_a_vae());
  const JsonConfig file = JsonConfig::load(tiny_a_vae() / "config.json");
  const VaeConfig config = VaeConfig::from_json(file);
  EXPECT_EQ(config.block_out_channels, (std::vector<int64_t>{8, 16, 16, 24}));
  const nlohmann::json written = config.to_json();
  for (const auto& [key, value] : written.items()) EXPECT_EQ(file.json.at(key), value) << key;
  JsonConfig older = file;  // configs written before these keys existed
  for (const char* key : {"latents_mean", "latents_std", "invert_scale_latents", "shift_factor"})
    older.json.erase(key);
  EXPECT_EQ(VaeConfig::from_json(older).to_json(), written);
  JsonConfig shifted = file;
  shifted.json["shift_factor"] = 0.5;
  EXPECT_THROW(VaeConfig::from_json(shifted), std::runtime_error);
  JsonConfig quant = file;
  quant.json["use_post_quant_conv"] = true;
  EXPECT_THROW(VaeConfig::from_json(quant), std::runtime_error);
}

TEST(VaeLoading, MissingDecoderTensorIsNamed) {
  DITSTREAM_REQUIRE_PATH(tiny_a_vae());
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ditstream_vae_missing_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(tiny_a_vae() / "config.json", dir / "config.json",
                             std::filesystem::copy_options::overwrite_existing);
  const std::string dropped = "decoder.up_blocks.1.resnets.0.conv_shortcut.weight";
  const SafetensorsFile source(tiny_a_vae() / "diffusion_pytorch_model.safetensors");
  std::vector<std::pair<std::string, torch::Tensor>> kept;
  for (const auto& entry : source.entries())
    if (entry.name != dropped) kept.emplace_back(entry.name, source.tensor(entry.name));
  write_safetensors(dir / "diffusion_pytorch_model.safetensors", kept);
  std::string message;
  try {
    load_vae(dir, torch::TensorOptions().dtype(torch::kFloat32));
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  std::filesystem::remove_all(dir);
  EXPECT_NE(message.find(dropped), std::string::npos) << message;
}

}  // namespace
}  // namespace ditstream
