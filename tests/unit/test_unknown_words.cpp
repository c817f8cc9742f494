// Words a tokenizer has no pieces for: the shapes-demo model knows its caption grammar only.
#include "core/text/t5_tokenizer.h"
#include "core/text/unknown_words.h"
#include "test_support.h"

#include <gtest/gtest.h>

namespace ditstream {
namespace {

using Words = std::vector<std::string>;

TEST(UnknownWords, TheDemoModelKnowsItsCaptionsOnly) {
  const std::filesystem::path demo = DITSTREAM_DEMO_MODEL;
  DITSTREAM_REQUIRE_PATH(demo / "tokenizer/spiece.model");
  const auto tokenizer = T5Tokenizer::from_folder(demo / "tokenizer");
  EXPECT_EQ(unknown_words(tokenizer, "a red circle moving right slowly on a blue background"),
            Words{});
  EXPECT_EQ(unknown_words(tokenizer, "a red fox running through a snowy forest, a grey owl"),
            (Words{"fox", "running", "through", "snowy", "forest", "grey", "owl"}));
  EXPECT_EQ(unknown_words_warning(tokenizer, "a red fox, a red owl.", "shapes-demo"),
            "2 of 6 words unknown to model shapes-demo: fox, owl");
  EXPECT_EQ(unknown_words_warning(tokenizer, "a blue square", "shapes-demo"), "");
}

TEST(UnknownWords, PunctuationAroundAWordIsNotPartOfIt) {
  const auto tokenizer = T5Tokenizer::from_folder(testing::tiny_model_dir() / "tokenizer");
  EXPECT_EQ(unknown_words(tokenizer, "\"a panda,\" (playing)! ..."), Words{});
  EXPECT_EQ(unknown_words(tokenizer, "a \xe7\x8b\x90 and \xe7\x8b\x90"), Words{"\xe7\x8b\x90"});
}

}  // namespace
}  // namespace ditstream
