// The prompt timeline: lookup by frame, replacement, pruning, and appends from another thread.
#include "core/stream/prompt_timeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ditstream {
namespace {

TEST(PromptTimeline, LooksUpTheEntryInEffect) {
  PromptTimeline t;
  EXPECT_FALSE(t.at(0).has_value());
  const auto a = t.add(prompt_entry(0, "a"));
  const auto b = t.add(prompt_entry(49, "b"));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  EXPECT_EQ(t.at(0)->text, "a");
  EXPECT_EQ(t.at(48)->text, "a");
  EXPECT_EQ(t.at(49)->text, "b");
  EXPECT_EQ(t.at(1000)->id, b);
  ASSERT_EQ(t.after(10).size(), 1u);
  EXPECT_EQ(t.after(10)[0].text, "b");
}

TEST(PromptTimeline, LastOneForAFrameWins) {
  PromptTimeline t;
  t.add(prompt_entry(10, "first"));
  const auto id = t.add(prompt_entry(10, "second"));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.at(10)->text, "second");
  EXPECT_EQ(t.at(10)->id, id);
}

TEST(PromptTimeline, PruningKeepsTheEntryInEffect) {
  PromptTimeline t;
  for (int64_t f : {0, 10, 20, 30}) t.add(prompt_entry(f, std::to_string(f)));
  t.prune_before(25);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.at(25)->text, "20");
  EXPECT_EQ(t.at(35)->text, "30");
  t.prune_before(5);  // nothing older than the entry in effect left
  EXPECT_EQ(t.size(), 2u);
}

TEST(PromptTimeline, RejectsNegativeFrames) {
  EXPECT_THROW(PromptTimeline().add(prompt_entry(-1, "x")), std::runtime_error);
}

TEST(PromptTimeline, AppendsFromAnotherThreadAreSeen) {
  PromptTimeline t;
  t.add(prompt_entry(0, "start"));
  std::atomic<bool> added{false};
  std::thread control([&] {
    for (int i = 1; i <= 200; ++i) t.add(prompt_entry(i * 7, "p" + std::to_string(i)));
    added = true;
  });
  int64_t frame = 0;
  while (!added) t.at(frame++ % 1400);  // reader runs concurrently with the writer
  control.join();
  EXPECT_EQ(t.size(), 201u);
  EXPECT_EQ(t.at(700)->text, "p100");
  EXPECT_EQ(t.at(703)->text, "p100");
}

}  // namespace
}  // namespace ditstream
