// T5Tokenizer against tokenizer_cases.json (ids CogVideoX feeds to T5) with the real spiece.model.

#include "core/text/t5_tokenizer.h"
#include "test_support.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

namespace ditstream {
namespace {

std::filesystem::path tokenizer_dir() { return testing::shared_dir() / "data" / "t5-tokenizer"; }

nlohmann::json load_cases() {
  std::ifstream in(tokenizer_dir() / "tokenizer_cases.json");
  return nlohmann::json::parse(in);
}

const T5Tokenizer& tokenizer() {
  static const T5Tokenizer instance(find_tokenizer_model(tokenizer_dir()));
  return instance;
}

std::vector<int64_t> joined(std::vector<std::vector<int64_t>> parts) {
  std::vector<int64_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string expect_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(T5Tokenizer, EveryCaseMatchesExactly) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "tokenizer_cases.json");
  const auto cases = load_cases();
  ASSERT_EQ(cases.at("max_length").get<int64_t>(), 226);
  ASSERT_EQ(cases.at("cases").size(), 27u);
  for (const auto& c : cases.at("cases")) {
    const auto text = c.at("text").get<std::string>();
    SCOPED_TRACE(c.at("name").get<std::string>());
    EXPECT_EQ(tokenizer().encode(text), c.at("sentencepiece_ids").get<std::vector<int64_t>>());
    const auto ids = tokenizer().encode_for_t5(text);
    EXPECT_EQ(ids.size(), 226u);
    EXPECT_EQ(ids, c.at("input_ids").get<std::vector<int64_t>>());
    EXPECT_EQ(tokenizer().truncated(text), c.at("truncated").get<bool>());
  }
}

TEST(T5Tokenizer, BatchStacksRows) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "tokenizer_cases.json");
  std::vector<std::string> texts;
  std::vector<torch::Tensor> rows;
  const auto cases = load_cases();
  for (const auto& c : cases.at("cases")) {
    texts.push_back(c.at("text").get<std::string>());
    rows.push_back(torch::tensor(c.at("input_ids").get<std::vector<int64_t>>(), torch::kLong));
  }
  const auto batch = tokenizer().encode_batch(texts);
  EXPECT_EQ(batch.scalar_type(), torch::kLong);
  EXPECT_EQ(batch.sizes(), (std::vector<int64_t>{static_cast<int64_t>(texts.size()), 226}));
  EXPECT_TRUE(torch::equal(batch, torch::stack(rows)));
}

TEST(T5Tokenizer, EmptyPromptIsEosThenPadding) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "spiece.model");
  std::vector<int64_t> expected(226, T5Tokenizer::kPadId);
  expected[0] = T5Tokenizer::kEosId;
  EXPECT_EQ(tokenizer().encode_for_t5(""), expected);
  EXPECT_TRUE(tokenizer().encode("").empty());
  EXPECT_FALSE(tokenizer().truncated(""));
}

TEST(T5Tokenizer, LongTextKeeps225IdsAndEos) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "spiece.model");
  std::string text;
  for (int i = 0; i < 400; ++i) text += "word" + std::to_string(i) + " ";
  const auto plain = tokenizer().encode(text);
  ASSERT_GT(plain.size(), 226u);
  const auto ids = tokenizer().encode_for_t5(text);
  ASSERT_EQ(ids.size(), 226u);
  EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.begin() + 225),
            std::vector<int64_t>(plain.begin(), plain.begin() + 225));
  EXPECT_EQ(ids[225], T5Tokenizer::kEosId);
  EXPECT_TRUE(tokenizer().truncated(text));
  const auto short_ids = tokenizer().encode_for_t5(text, 8);
  EXPECT_EQ(short_ids, joined({{plain.begin(), plain.begin() + 7}, {T5Tokenizer::kEosId}}));
}

TEST(T5Tokenizer, VocabularySizes) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "spiece.model");
  EXPECT_EQ(tokenizer().piece_count(), 32000);
  EXPECT_EQ(tokenizer().vocab_size(), 32100);
}

// transformers' published ids for "<pad> Today is <unk> nice day </s>" (no second EOS).
TEST(T5Tokenizer, SpecialTokenLiterals) {
  DITSTREAM_REQUIRE_PATH(tokenizer_dir() / "spiece.model");
  const std::vector<int64_t> published{0, 1960, 19, 2, 1245, 239, 1};
  const std::string text = "<pad> Today is <unk> nice day </s>";
  EXPECT_EQ(tokenizer().encode(text), published);
  auto padded = published;
  padded.resize(226, 0);
  EXPECT_EQ(tokenizer().encode_for_t5(text), padded);

  const auto& t = tokenizer();
  EXPECT_EQ(t.encode("a <extra_id_0> b<extra_id_99>c"),
            joined({t.encode("a"), {32099}, t.encode("b"), {32000}, t.encode("c")}));
  EXPECT_EQ(t.encode("x<extra_id_5>  "), joined({t.encode("x"), {32094}}));
  // Near-misses are ordinary text: no pad/EOS ids and no extra ids.
  for (const std::string plain :
       {"<extra_id_100>", "<extra_id_05>", "<extra_id_>", "<PAD>", "</s"}) {
    const auto ids = t.encode(plain);
    EXPECT_FALSE(ids.empty()) << plain;
    for (const int64_t id : ids) EXPECT_TRUE(id >= 2 && id < 32000) << plain << ": " << id;
  }
}

TEST(T5Tokenizer, MissingModelNamesTheFile) {
  const auto missing =
      std::filesystem::temp_directory_path() / "ditstream_no_such_dir" / "spiece.model";
  EXPECT_NE(expect_error([&] { T5Tokenizer t(missing); }).find(missing.string()),
            std::string::npos);
  const auto dir = missing.parent_path();
  EXPECT_NE(expect_error([&] { find_tokenizer_model(dir); }).find("spiece.model"),
            std::string::npos);
}

TEST(T5Tokenizer, CorruptModelNamesTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "ditstream_corrupt_spiece.model";
  std::ofstream(path) << "this is not a sentencepiece model";
  const auto message = expect_error([&] { T5Tokenizer t(path); });
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ditstream
