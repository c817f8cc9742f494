// Prompt schedules: text and JSON files, inline strings, and their errors.
#include "core/stream/prompt_file.h"

#include <gtest/gtest.h>

namespace ditstream {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(PromptFile, TextLinesWithSubjectsAndComments) {
  const auto p = parse_prompt_text(
      "# a schedule\n0: a red fox in the snow / fox\n\n6.5: a white wolf, howling / wolf, moon\n",
      "f.txt");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].entry.text, "a red fox in the snow");
  EXPECT_EQ(p[0].entry.subject_words, (std::vector<std::string>{"fox"}));
  EXPECT_DOUBLE_EQ(p[1].start_seconds, 6.5);
  EXPECT_EQ(p[1].entry.text, "a white wolf, howling");
  EXPECT_EQ(p[1].entry.subject_words, (std::vector<std::string>{"wolf", "moon"}));
  const auto entries = to_entries(p, 8, 1);
  EXPECT_EQ(entries[1].frame, 52);
}

TEST(PromptFile, Json) {
  const auto p = parse_prompt_json(
      R"([{"start": 0, "prompt": "a"}, {"start": 2, "prompt": "b", "subjects": ["x"],)"
      R"( "transition_windows": 3, "negative_prompt": "blur", "switch": "ditctrl",)"
      R"( "motion": "0.5,-1"}])",
      "f.json");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].entry.transition_windows, 3);
  EXPECT_EQ(p[1].entry.negative_prompt, "blur");
  EXPECT_EQ(p[1].entry.switch_method, "ditctrl");
  EXPECT_EQ(p[0].entry.switch_method, "");
  EXPECT_EQ(p[1].entry.motion, (std::array<double, 2>{0.5, -1.0}));
  EXPECT_FALSE(p[0].entry.motion);
  EXPECT_EQ(to_entries(p, 30000, 1001)[1].frame, 60);
  EXPECT_THROW(parse_prompt_json(R"([{"prompt": "a", "motion": "1"}])", "f.json"),
               std::runtime_error);
}

TEST(PromptFile, MotionIsDxCommaDy) {
  EXPECT_EQ(parse_motion("2,-0.25"), (std::array<double, 2>{2.0, -0.25}));
  EXPECT_EQ(parse_motion(" 1 , 0 "), (std::array<double, 2>{1.0, 0.0}));
  EXPECT_FALSE(parse_motion(""));
  for (const char* bad : {"1", "1;2", "1,2,3", "left", "1,nan", "1,2x"})
    EXPECT_THROW(parse_motion(bad), std::invalid_argument) << bad;
}

TEST(PromptFile, InlineWithEscapedSemicolon) {
  const auto p = parse_inline_schedule("0:a cat\\; sleeping;4:a dog");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].entry.text, "a cat; sleeping");
  EXPECT_EQ(p[1].entry.text, "a dog");
}

TEST(PromptFile, PlainLinesFollowTheLineBefore) {
  const auto p = parse_prompt_text(
      "a red circle\n10: a blue square / square\na green "
      "triangle\n",
      "f.txt");
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].start_seconds, 0.0);
  EXPECT_EQ(p[0].entry.text, "a red circle");
  EXPECT_EQ(p[1].start_seconds, 10.0);
  EXPECT_EQ(p[2].start_seconds, 10.0 + kPlainLineSeconds);
  EXPECT_EQ(p[2].entry.text, "a green triangle");
  const auto inline_items = parse_inline_schedule("a cat;a dog");
  ASSERT_EQ(inline_items.size(), 2u);
  EXPECT_EQ(inline_items[1].start_seconds, kPlainLineSeconds);
}

TEST(PromptFile, ErrorsNameTheLine) {
  EXPECT_NE(error_of([] { parse_prompt_text("0: ok\nsoon: late\n", "f.txt"); }).find("f.txt:2"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_prompt_text("soon: x\n", "f.txt"); }).find("not a number"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_prompt_json(R"([{"start": 1}])", "f.json"); }).find("prompt 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { load_prompt_file("/nonexistent.txt"); }).find("/nonexistent.txt"),
            std::string::npos);
}

}  // namespace
}  // namespace ditstream
