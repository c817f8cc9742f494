// StreamSession without GStreamer, on the tiny model: the generation thread fills the queue to
// its bound and waits, flush and close return at once, a live prompt lands at the frame the
// admission rule reports, a bad model folder is an error naming it.
#include "core/session/model_location.h"
#include "core/session/stream_session.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace ditstream {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct QuietListener : GenerationListener {
  void on_window(const WindowReport&) override {}
  void on_transition(const TransitionReport&) override {}
  void on_prompt_dropped(int64_t, const std::string&) override {}
  void on_prompt_warning(const std::string& warning) override { warnings.push_back(warning); }
  double guidance_at(int64_t) override { return 6.0; }
  std::vector<std::string> warnings;
};

SessionSettings tiny_settings(unsigned lookahead) {
  SessionSettings s;
  s.model = testing::tiny_model_dir().string();
  s.prompt = "a panda playing guitar";
  s.steps = 2;
  s.lookahead = lookahead;
  return s;
}

const LoadedModel& tiny_model() {
  static const LoadedModel model = load_model(tiny_settings(1));
  return model;
}

// Opens the tiny model's stream with `settings` and starts generating.
void start_tiny(StreamSession& session, const SessionSettings& settings) {
  session.frames().reset(settings.lookahead);
  session.open(tiny_model(), settings, {}, 8, 1);
  session.start(0);
}

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

TEST(StreamSession, FillsTheQueueToItsBoundAndWaits) {
  QuietListener listener;
  StreamSession session(listener);
  const auto settings = tiny_settings(20);
  start_tiny(session, settings);
  size_t size = 0;
  for (int i = 0; i < 600 && size < settings.lookahead; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    size = session.frames().size();
  }
  ASSERT_GE(size, settings.lookahead);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(session.frames().size(), size) << "generation went on past the bound";
  EXPECT_LT(size, settings.lookahead + 49u);  // at most one window beyond it
}

// Window 1 done and drained, window 2 is denoising (60 steps) while the queue is empty: a flush
// wakes the waiting consumer, and close cancels window 2 between transformer blocks.
TEST(StreamSession, FlushAndCloseReturnWithin100Milliseconds) {
  QuietListener listener;
  StreamSession session(listener);
  auto settings = tiny_settings(200);
  settings.steps = 60;
  start_tiny(session, settings);
  GeneratedFrame frame;
  ASSERT_EQ(session.frames().pop(frame), FrameQueue::PopStatus::Frame);
  while (session.frames().size() > 0) session.frames().pop(frame);
  Clock::time_point flushed;
  std::thread flusher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    flushed = Clock::now();
    session.frames().set_flushing(true);
  });
  EXPECT_EQ(session.frames().pop(frame), FrameQueue::PopStatus::Flushing);
  const auto woke = Clock::now();
  flusher.join();
  const double woke_ms = std::chrono::duration<double, std::milli>(woke - flushed).count();
  EXPECT_LT(woke_ms, 100);
  const auto closing = Clock::now();
  session.close();  // cancels between transformer blocks: a tiny-model block is milliseconds
  const double close_ms = milliseconds_since(closing);
  std::cout << "flush woke the consumer after " << woke_ms << " ms, close took " << close_ms
            << " ms\n";
  EXPECT_LT(close_ms, 100);
  EXPECT_FALSE(session.is_open());
}

TEST(StreamSession, LivePromptLandsAtTheFrameTheRuleReports) {
  QuietListener listener;
  StreamSession session(listener);
  const auto settings = tiny_settings(8);
  start_tiny(session, settings);
  GeneratedFrame frame;
  ASSERT_EQ(session.frames().pop(frame), FrameQueue::PopStatus::Frame);
  EXPECT_EQ(frame.window, 0);
  EXPECT_EQ(*frame.prompt, settings.prompt);
  PromptEntry entry;
  entry.text = "a steam train";
  entry.frame = frame.index + 3;  // inside a window that may already be planned
  const auto added = session.add_prompt(entry);
  ASSERT_TRUE(added.has_value());
  EXPECT_GE(added->frame, entry.frame);
  int64_t first_new = -1;
  while (first_new < 0 && session.frames().pop(frame) == FrameQueue::PopStatus::Frame)
    if (frame.prompt_id == added->id) first_new = frame.index;
  EXPECT_EQ(first_new, added->frame);
  // A later request in the same window lands at the same frame.
  entry.frame = added->frame - 1;
  entry.text = "a white horse";
  const auto again = session.add_prompt(entry);
  ASSERT_TRUE(again.has_value());
  EXPECT_GE(again->frame, added->frame);
}

TEST(StreamSession, RefusesPromptsItCannotUseNamingTheField) {
  QuietListener listener;
  StreamSession session(listener);
  auto settings = tiny_settings(8);
  settings.kv_sharing = KvSharingMode::MaskGuided;
  session.open(tiny_model(), settings, {}, 8, 1);
  PromptEntry entry;
  entry.text = "a panda";
  entry.subject_words = {"zebra"};
  EXPECT_THROW(session.add_prompt(entry), std::invalid_argument);
  EXPECT_FALSE(StreamSession(listener).add_prompt(entry).has_value());  // not open
}

TEST(StreamSession, PromptsWithWordsTheModelLacksAreTakenWithAWarning) {
  QuietListener listener;
  StreamSession session(listener);
  auto settings = tiny_settings(8);
  settings.prompt = "a panda \xe7\x8b\x90 playing";  // U+72D0 encodes to <unk> in the tiny model
  session.frames().reset(settings.lookahead);
  session.open(tiny_model(), settings, {}, 8, 1);
  ASSERT_EQ(listener.warnings.size(), 1u);
  EXPECT_EQ(listener.warnings[0], "1 of 4 words unknown to model tiny: \xe7\x8b\x90");
  PromptEntry known;
  known.text = "a panda playing guitar";
  ASSERT_TRUE(session.add_prompt(known).has_value());
  EXPECT_EQ(listener.warnings.size(), 1u);
  PromptEntry unknown = known;
  unknown.text = "\xe7\x8b\x90, a panda \xe7\x8b\x90.";
  ASSERT_TRUE(session.add_prompt(unknown).has_value());  // taken all the same
  ASSERT_EQ(listener.warnings.size(), 2u);
  EXPECT_EQ(listener.warnings[1], "1 of 4 words unknown to model tiny: \xe7\x8b\x90");
}

TEST(StreamSession, BadModelFoldersAreErrorsNamingTheFile) {
  auto settings = tiny_settings(8);
  settings.model = "/nonexistent/model";
  try {
    load_model(settings);
    FAIL() << "no error";
  } catch (const ResourceError& e) {
    EXPECT_TRUE(e.missing);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model"), std::string::npos);
  }
  const auto broken = fs::temp_directory_path() / "ditstream_session_broken";
  fs::remove_all(broken);
  fs::copy(testing::tiny_model_dir(), broken, fs::copy_options::recursive);
  std::ofstream(broken / "transformer/config.json") << "{ not json";
  settings.model = broken.string();
  try {
    load_model(settings);
    FAIL() << "no error";
  } catch (const ResourceError& e) {
    EXPECT_FALSE(e.missing);
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
  settings.model = (broken / "model_index.json").string();
  try {
    load_model(settings);
    FAIL() << "no error";
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("model_index.json' is a file, not a model folder"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(broken);
}

TEST(StreamSession, TheDefaultModelComesFromTheEnvironmentFirst) {
  const std::string tiny = testing::tiny_model_dir().string();
  ASSERT_EQ(setenv("DITSTREAM_MODEL", tiny.c_str(), 1), 0);
  EXPECT_EQ(resolve_model_folder(""), tiny);
  EXPECT_EQ(resolve_model_folder("/given"), "/given");
  ASSERT_EQ(unsetenv("DITSTREAM_MODEL"), 0);
  if (fs::is_directory(DITSTREAM_DEMO_MODEL))  // the build tree's (this build is not installed)
    EXPECT_EQ(resolve_model_folder(""), DITSTREAM_DEMO_MODEL);
  else
    EXPECT_THROW(resolve_model_folder(""), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
