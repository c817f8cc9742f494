// T5EncoderModel against the t5-tiny fixtures (real transformers T5 code), plus loader checks.

#include "core/io/safetensors.h"
#include "core/model/layers.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"
#include "test_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include <unistd.h>

namespace ditstream {
namespace {

std::filesystem::path model_dir() { return testing::golden_dir() / "t5-tiny"; }
std::filesystem::path case_path(const std::string& name) {
  return model_dir() / "cases" / (name + ".safetensors");
}

std::shared_ptr<T5EncoderModel> model(torch::Dtype dtype) {
  static std::map<torch::Dtype, std::shared_ptr<T5EncoderModel>> cache;
  auto& slot = cache[dtype];
  if (!slot) slot = load_t5_encoder(model_dir(), torch::TensorOptions().dtype(dtype));
  return slot;
}

class T5Golden : public ::testing::Test {
 protected:
  void SetUp() override { DITSTREAM_REQUIRE_PATH(model_dir() / "cases"); }
};

// The fixtures' input ids are what the tokenizer makes of the prompts in their metadata.
TEST_F(T5Golden, InputIdsMatchTokenizer) {
  const auto spiece = testing::shared_dir() / "data" / "t5-tokenizer" / "spiece.model";
  DITSTREAM_REQUIRE_PATH(spiece);
  const T5Tokenizer tokenizer(spiece);
  for (const std::string name : {"fp32_b4", "fp32_b1_empty", "fp32_b1_panda", "bf16_b2_cfg"}) {
    const SafetensorsFile file(case_path(name));
    const auto prompts =
        nlohmann::json::parse(file.metadata().at("prompts")).get<std::vector<std::string>>();
    EXPECT_TRUE(torch::equal(tokenizer.encode_batch(prompts), file.tensor("input_ids"))) << name;
  }
}

// Loader checks on rewritten copies of the tiny checkpoint in a temporary folder.
class T5Loader : public ::testing::Test {
 protected:
  void SetUp() override {
    DITSTREAM_REQUIRE_PATH(model_dir() / "model.safetensors");
    dir_ = std::filesystem::temp_directory_path() /
           ("ditstream_t5_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const auto config = T5Config::from_json(JsonConfig::load(model_dir() / "config.json"));
    std::ofstream(dir_ / "config.json") << config.to_json().dump(2);
    const SafetensorsFile source(model_dir() / "model.safetensors");
    for (const auto& e : source.entries()) tensors_.emplace_back(e.name, source.tensor(e.name));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  torch::Tensor reference_output() {
    torch::NoGradGuard no_grad;
    return model(torch::kFloat)->forward(ids());
  }
  torch::Tensor output_of_copy() {
    torch::NoGradGuard no_grad;
    return load_t5_encoder(dir_, torch::kFloat)->forward(ids());
  }
  static torch::Tensor ids() { return SafetensorsFile(case_path("fp32_b4")).tensor("input_ids"); }

  std::filesystem::path dir_;
  std::vector<std::pair<std::string, torch::Tensor>> tensors_;
};

TEST_F(T5Loader, ShardedCopyGivesIdenticalOutput) {
  nlohmann::json weight_map;
  std::vector<std::pair<std::string, torch::Tensor>> shards[2];
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const int shard = i < tensors_.size() / 2 ? 0 : 1;
    shards[shard].push_back(tensors_[i]);
    weight_map[tensors_[i].first] =
        "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
  }
  for (int s = 0; s < 2; ++s)
    write_safetensors(dir_ / ("model-0000" + std::to_string(s + 1) + "-of-00002.safetensors"),
                      shards[s], {{"format", "pt"}});
  std::ofstream(dir_ / "model.safetensors.index.json")
      << nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", weight_map}}.dump(2);
  EXPECT_TRUE(torch::equal(output_of_copy(), reference_output()));
}

TEST_F(T5Loader, TiedAliasIsAccepted) {
  const auto shared = std::find_if(tensors_.begin(), tensors_.end(),
                                   [](const auto& t) { return t.first == "shared.weight"; });
  ASSERT_NE(shared, tensors_.end());
  tensors_.emplace_back("encoder.embed_tokens.weight", shared->second);
  write_safetensors(dir_ / "model.safetensors", tensors_, {{"format", "pt"}});
  EXPECT_TRUE(torch::equal(output_of_copy(), reference_output()));
}

TEST_F(T5Loader, WrongShapeIsNamed) {
  const std::string bad = "encoder.block.1.layer.1.DenseReluDense.wi_1.weight";
  for (auto& [name, tensor] : tensors_)
    if (name == bad) tensor = tensor.narrow(0, 0, 100).contiguous();
  write_safetensors(dir_ / "model.safetensors", tensors_, {{"format", "pt"}});
  try {
    load_t5_encoder(dir_, torch::kFloat);
    FAIL() << "loading a wrong-shaped tensor succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
}

TEST_F(T5Loader, Fp16KeepsWoInFp32) {
  write_safetensors(dir_ / "model.safetensors", tensors_, {{"format", "pt"}});
  const auto half = load_t5_encoder(dir_, torch::kHalf);
  EXPECT_EQ(half->dtype(), torch::kHalf);
  const SafetensorsFile source(model_dir() / "model.safetensors");
  for (size_t i = 0; i < half->blocks.size(); ++i) {
    const auto& ffn = *half->blocks[i]->feed_forward->dense;
    EXPECT_EQ(ffn.wi_0->weight.scalar_type(), torch::kHalf);
    const auto key = "encoder.block." + std::to_string(i) + ".layer.1.DenseReluDense.wo.weight";
    EXPECT_TRUE(torch::equal(ffn.wo->weight, source.tensor(key))) << key;
  }
}

// `ditstream info` checks weights against the model on the meta device.
TEST_F(T5Loader, MetaTargetChecksNamesAndShapesOnly) {
  const auto meta = load_t5_encoder(model_dir(), torch::TensorOptions().device(torch::kMeta));
  for (const auto& p : meta->named_parameters()) EXPECT_TRUE(p.value().is_meta()) << p.key();
  EXPECT_EQ(meta->named_parameters().size(), 30u);
}

TEST(T5ConfigTest, RoundTripsTheTransformersKeys) {
  DITSTREAM_REQUIRE_PATH(model_dir() / "config.json");
  const auto file = JsonConfig::load(model_dir() / "config.json");
  auto expected = file.json;
  expected.erase("transformers_version");  // nominal in the fixture; not written by the port
  EXPECT_EQ(T5Config::from_json(file).to_json(), expected);
}

TEST(T5ConfigTest, RejectsOtherFeedForward) {
  JsonConfig config{T5Config{}.to_json(), "text_encoder/config.json"};
  config.json["feed_forward_proj"] = "relu";
  try {
    T5Config::from_json(config);
    FAIL() << "relu accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("text_encoder/config.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("feed_forward_proj"), std::string::npos);
  }
}

TEST(T5ConfigTest, ParameterNamesEqualTheCheckpointKeys) {
  T5Config config;
  config.num_layers = 2;
  config.d_model = 8, config.d_kv = 2, config.num_heads = 4, config.d_ff = 16,
  config.vocab_size = 10;
  T5EncoderModel m(config, torch::TensorOptions().device(torch::kMeta));
  std::vector<std::string> names;
  for (const auto& p : m.named_parameters()) names.push_back(p.key());
  EXPECT_EQ(names.size(), 1u + 2 * 9 + 1 + 1);
  const std::set<std::string> got(names.begin(), names.end());
  for (const std::string key :
       {"shared.weight", "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
        "encoder.block.1.layer.0.SelfAttention.o.weight",
        "encoder.block.1.layer.0.layer_norm.weight",
        "encoder.block.1.layer.1.DenseReluDense.wi_0.weight",
        "encoder.block.1.layer.1.DenseReluDense.wo.weight",
        "encoder.block.1.layer.1.layer_norm.weight", "encoder.final_layer_norm.weight"})
    EXPECT_TRUE(got.count(key)) << key;
  EXPECT_FALSE(got.count("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"));
}

}  // namespace
}  // namespace ditstream
