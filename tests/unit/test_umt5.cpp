// UMT5 (the T5 encoder with model_type "umt5") against the wan-tiny-a goldens, Wan's prompt rules,
// and tokenizer folders whose special tokens come from their own files.

#include "core/io/json_config.h"
#include "core/io/safetensors.h"
#include "core/text/sentencepiece_model.h"
#include "core/text/t5_encoder.h"
#include "core/text/t5_tokenizer.h"
#include "core/text/wan_prompt.h"
#include "core/verify/wan_cases.h"
#include "test_support.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <iostream>

#include <unistd.h>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

fs::path wan_dir() { return fs::path(DITSTREAM_SHARED_DIR "/golden/wan-tiny-a"); }
fs::path tiny_spiece() { return testing::tiny_model_dir() / "tokenizer" / "spiece.model"; }

#define REQUIRE_WAN_GOLDENS()                                                             \
  do {                                                                                    \
    if (!fs::exists(wan_dir()))                                                           \
      GTEST_SKIP() << "Wan goldens not found: " << wan_dir() << " (../shared is absent)"; \
  } while (0)

std::string expect_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

void run_golden(const std::string& name) {
  const auto file = wan_dir() / "cases" / (name + ".safetensors");
  const SafetensorsFile tensors(file);
  const GoldenCase c{wan_dir(), file, name, &tensors, torch::kCPU};
  const auto checks = run_umt5_case(c);
  EXPECT_FALSE(checks.empty());
  for (const auto& check : checks) {
    std::cout << "  " << name << " " << check.name << ": " << check.metric << " " << check.error
              << " (limit " << check.limit << ")\n";
    EXPECT_TRUE(check.passed()) << check.name << ": " << check.error << " > " << check.limit;
  }
}

std::shared_ptr<T5EncoderModel> tiny_umt5() {
  return load_t5_encoder(wan_dir() / "text_encoder", torch::kFloat);
}

TEST(Umt5Golden, PaddedTo512WithZeroedTail) {
  REQUIRE_WAN_GOLDENS();
  run_golden("umt5_b2_len512");
}

TEST(Umt5Golden, DebugIntermediates) {
  REQUIRE_WAN_GOLDENS();
  run_golden("umt5_b2_len16_debug");
}

TEST(Umt5Model, EveryBlockOwnsARelativeBias) {
  REQUIRE_WAN_GOLDENS();
  const auto model = tiny_umt5();
  EXPECT_TRUE(model->config().bias_in_every_block());
  for (const auto& block : model->blocks)
    EXPECT_TRUE(block->self_attention->attention->relative_attention_bias);
  const auto trace = model->trace(torch::tensor({{5, 6, 7, 1}}, torch::kLong));
  ASSERT_EQ(trace.position_biases.size(), 2u);
  EXPECT_FALSE(torch::equal(trace.position_biases[0], trace.position_biases[1]));
  EXPECT_EQ(model->config().to_json().at("architectures")[0], "UMT5EncoderModel");
}

TEST(Umt5Model, OtherModelTypesAreRejected) {
  JsonConfig config{T5Config{}.to_json(), "text_encoder/config.json"};
  config.json["model_type"] = "mt5";
  const auto message = expect_error([&] { T5Config::from_json(config); });
  EXPECT_NE(message.find("text_encoder/config.json"), std::string::npos) << message;
  EXPECT_NE(message.find("model_type 'mt5'"), std::string::npos) << message;
}

// Expected values are Python's prompt_clean (html.unescape twice, re.sub(r"\s+", " "), strip).
TEST(WanPrompt, CleaningMatchesDiffusersWithoutFtfy) {
  const std::pair<std::string, std::string> cases[] = {
      {"A cat &amp; a dog", "A cat & a dog"},
      {"&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"},
      {"&quot;hi&quot; &apos;x&apos;", "\"hi\" 'x'"},
      {"&#65;&#x42;&#X43", "ABC"},
      {"caf&#233; &#x1F600;", "caf\u00e9 \U0001F600"},
      {"&#0;|&#xD800;|&#99999999999;", "\uFFFD|\uFFFD|\uFFFD"},
      {"&#128;&#150;", "\u20AC\u2013"},
      {"a&#11;b&#x7f;c", "abc"},
      {"&#0x41", "\uFFFDx41"},
      {"&#x;&#;", "&#x;&#;"},
      {"&amp;amp;", "&"},
      {"&amp;lt;b&amp;gt;", "<b>"},
      {"&amp;#65;", "A"},
      {"&amp;amp;amp;", "&amp;"},
      {"&ampx &notin &notin; x&lt", "&x \u00ACin \u2209 x<"},
      {"&hellip &hellip; &AMP;&COPY", "&hellip \u2026 &\u00A9"},
      {"&unknown; AT&T a & b", "&unknown; AT&T a & b"},
      {"&lang;&rang;", "\u27E8\u27E9"},
      {"  a \t\n b  ", "a b"},
      {"a\u00A0\u3000b\u2028c\u202Fd", "a b c d"},
      {"&nbsp;x&nbsp;&#13;", "x"},
      {"\x1c\x1d x \u0085y", "x y"},
      {"", ""},
  };
  for (const auto& [raw, cleaned] : cases) EXPECT_EQ(clean_wan_prompt(raw), cleaned) << raw;
}

TEST(WanPrompt, RowsPastTheLengthAreExactlyZero) {
  const auto hidden = torch::randn({2, 6, 4}) + 1.0;
  const auto mask = torch::tensor({{1, 1, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 0}}, torch::kLong);
  const auto out = ditstream::zero_rows_past_length(hidden, mask);
  EXPECT_TRUE(torch::equal(out[0].narrow(0, 0, 2), hidden[0].narrow(0, 0, 2)));
  EXPECT_TRUE(torch::equal(out[1].narrow(0, 0, 5), hidden[1].narrow(0, 0, 5)));
  EXPECT_TRUE(torch::equal(out[0].narrow(0, 2, 4), torch::zeros({4, 4})));
  EXPECT_TRUE(torch::equal(out[1].narrow(0, 5, 1), torch::zeros({1, 4})));
  EXPECT_FALSE(torch::signbit(out).logical_and(out.eq(0)).any().item<bool>());  // +0, not -0
}

TEST(WanPrompt, EncoderRowsPastTheLengthAreExactlyZero) {
  REQUIRE_WAN_GOLDENS();
  const auto model = tiny_umt5();
  auto ids = torch::zeros({2, 16}, torch::kLong);
  auto mask = torch::zeros({2, 16}, torch::kLong);
  ids[0].narrow(0, 0, 3).copy_(torch::tensor({17, 42, 1}));
  ids[1].narrow(0, 0, 7).copy_(torch::tensor({9, 8, 7, 6, 5, 4, 1}));
  mask[0].narrow(0, 0, 3).fill_(1);
  mask[1].narrow(0, 0, 7).fill_(1);
  const auto embeds = ditstream::encode_wan_prompts(*model, {ids, mask});
  const auto full = model->forward(ids, mask);
  EXPECT_TRUE(torch::equal(embeds[0].narrow(0, 3, 13), torch::zeros({13, 32})));
  EXPECT_TRUE(torch::equal(embeds[1].narrow(0, 7, 9), torch::zeros({9, 32})));
  EXPECT_TRUE(torch::equal(embeds[0].narrow(0, 0, 3), full[0].narrow(0, 0, 3)));
  EXPECT_TRUE(torch::equal(embeds[1].narrow(0, 0, 7), full[1].narrow(0, 0, 7)));
  // The mask matters: without it the valid rows see the padding.
  EXPECT_FALSE(torch::allclose(full[0].narrow(0, 0, 3), model->forward(ids)[0].narrow(0, 0, 3)));
}

// A tokenizer/ folder in a fresh temporary directory, with the tiny test model's spiece.model.
class TokenizerFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ditstream_umt5_tokenizer_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void install_spiece() { fs::copy_file(tiny_spiece(), dir_ / "spiece.model"); }
  void write(const std::string& file, const nlohmann::json& j) {
    std::ofstream(dir_ / file) << j.dump(2);
  }
  std::string piece(int id) const { return load_sentencepiece(tiny_spiece())->id_to_piece(id); }

  fs::path dir_;
};

TEST_F(TokenizerFolder, OnlyTokenizerJsonAsksForSpieceModel) {
  write("tokenizer.json", {{"version", "1.0"}});
  const auto message = expect_error([&] { T5Tokenizer::from_folder(dir_); });
  EXPECT_NE(message.find(dir_.string()), std::string::npos) << message;
  EXPECT_NE(message.find("add spiece.model"), std::string::npos) << message;
  EXPECT_NE(message.find("google/umt5-xxl"), std::string::npos) << message;
}

TEST_F(TokenizerFolder, SpecialTokensComeFromTheFiles) {
  DITSTREAM_REQUIRE_PATH(tiny_spiece());
  install_spiece();
  const auto pad = piece(5);
  write("tokenizer_config.json", {{"extra_ids", 3}, {"tokenizer_class", "T5Tokenizer"}});
  write("special_tokens_map.json",
        {{"pad_token", {{"content", pad}, {"lstrip", false}}},
         {"eos_token", "</s>"},
         {"unk_token", "<unk>"},
         {"additional_special_tokens", {"<extra_id_0>", "<extra_id_1>", "<extra_id_2>"}}});
  const auto tokenizer = T5Tokenizer::from_folder(dir_);
  const int64_t pieces = tokenizer.piece_count();
  EXPECT_EQ(tokenizer.special_tokens().pad_id, 5);
  EXPECT_EQ(tokenizer.special_tokens().eos_id, 1);
  EXPECT_EQ(tokenizer.special_tokens().unk_id, 2);
  EXPECT_EQ(tokenizer.vocab_size(), pieces + 3);
  EXPECT_EQ(tokenizer.encode("<extra_id_0><extra_id_2></s>"),
            (std::vector<int64_t>{pieces + 2, pieces, 1}));
  EXPECT_EQ(tokenizer.encode_for_t5("", 4), (std::vector<int64_t>{1, 5, 5, 5}));
  // Not T5's 100 sentinels: <extra_id_3> is ordinary text.
  for (const int64_t id : tokenizer.encode("<extra_id_3>")) EXPECT_LT(id, pieces);
}

TEST_F(TokenizerFolder, AddedTokensDecoderGivesExplicitIds) {
  DITSTREAM_REQUIRE_PATH(tiny_spiece());
  install_spiece();
  write("tokenizer_config.json", {{"added_tokens_decoder",
                                   {{"0", {{"content", "<pad>"}}},
                                    {"1", {{"content", "</s>"}}},
                                    {"2", {{"content", "<unk>"}}},
                                    {"300", {{"content", "<extra_id_0>"}}},
                                    {"299", {{"content", "<extra_id_1>"}}}}}});
  const auto tokenizer = T5Tokenizer::from_folder(dir_);
  EXPECT_EQ(tokenizer.encode("<extra_id_1><extra_id_0>"), (std::vector<int64_t>{299, 300}));
  EXPECT_EQ(tokenizer.vocab_size(), 301);
}

TEST_F(TokenizerFolder, WithoutDeclaredSentinelsOnlyTheModelsPiecesCount) {
  DITSTREAM_REQUIRE_PATH(tiny_spiece());
  install_spiece();
  const auto tokenizer = T5Tokenizer::from_folder(dir_);
  EXPECT_EQ(tokenizer.special_tokens().literals,
            (std::map<std::string, int64_t>{{"<pad>", 0}, {"</s>", 1}, {"<unk>", 2}}));
  EXPECT_EQ(tokenizer.vocab_size(), tokenizer.piece_count());
}

TEST_F(TokenizerFolder, UnresolvableTokensNameTheFile) {
  DITSTREAM_REQUIRE_PATH(tiny_spiece());
  install_spiece();
  write("special_tokens_map.json", {{"pad_token", "<no such piece>"}});
  auto message = expect_error([&] { T5Tokenizer::from_folder(dir_); });
  EXPECT_NE(message.find("special_tokens_map.json: pad_token"), std::string::npos) << message;
  EXPECT_NE(message.find("<no such piece>"), std::string::npos) << message;
  fs::remove(dir_ / "special_tokens_map.json");
  write("tokenizer_config.json",
        {{"extra_ids", 4}, {"additional_special_tokens", {"<extra_id_0>", "<extra_id_1>"}}});
  message = expect_error([&] { T5Tokenizer::from_folder(dir_); });
  EXPECT_NE(message.find("tokenizer_config.json: extra_ids 4"), std::string::npos) << message;
}

TEST_F(TokenizerFolder, WanTokensAreCleanedTruncatedAndMasked) {
  DITSTREAM_REQUIRE_PATH(tiny_spiece());
  install_spiece();
  const auto tokenizer = T5Tokenizer::from_folder(dir_);
  std::string long_prompt;
  for (int i = 0; i < 1000; ++i) long_prompt += "a ";
  const auto tokens =
      ditstream::tokenize_wan_prompts(tokenizer, {"  a &amp;amp;\n b ", "", long_prompt});
  EXPECT_EQ(tokens.input_ids.sizes(), (std::vector<int64_t>{3, kWanTextLength}));
  EXPECT_TRUE(torch::equal(tokens.input_ids[0],
                           torch::tensor(tokenizer.encode_for_t5("a & b", kWanTextLength))));
  const auto lengths = tokens.attention_mask.sum(1);
  EXPECT_EQ(lengths[0].item<int64_t>(), static_cast<int64_t>(tokenizer.encode("a & b").size()) + 1);
  EXPECT_EQ(lengths[1].item<int64_t>(), 1);
  EXPECT_EQ(tokens.input_ids[1][0].item<int64_t>(), 1);
  EXPECT_EQ(lengths[2].item<int64_t>(), kWanTextLength);
  EXPECT_EQ(tokens.input_ids[2][kWanTextLength - 1].item<int64_t>(), 1);
}

}  // namespace
}  // namespace ditstream
