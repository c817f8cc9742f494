// The endless generator (ditctrl-spec §8.3, options A and B) on the embedded tiny model: window 0
// equals WindowPipeline, contiguous frames equal to one chunked decode of the committed latents,
// option B's blend equals the offline formula, determinism, prompt changes with transitions,
// KV-sharing and blend-mode effects, bounded memory, cancellation.
#include "core/model/cogvideox/video_postprocess.h"
#include "core/model/video_frames.h"
#include "core/sampling/sampler.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

namespace ditstream {
namespace {

using BlendMode = StreamOptions::BlendMode;

StreamOptions quick(BlendMode mode = BlendMode::Deferred) {
  StreamOptions o;
  o.steps = 4;
  o.seed = 5;
  o.guidance.scale = 6.0;
  o.blend = mode;
  return o;
}

std::shared_ptr<PromptTimeline> timeline(const std::string& text = "a panda playing guitar") {
  auto t = std::make_shared<PromptTimeline>();
  t->add(prompt_entry(0, text, "blurry"));
  return t;
}

torch::Tensor stacked_frames(const std::vector<StreamFrame>& frames) {
  std::vector<torch::Tensor> rgb;
  for (const auto& f : frames) rgb.push_back(f.rgb);
  return torch::stack(rgb);
}

std::vector<StreamFrame> run(StreamGenerator& g, int64_t windows) {
  std::vector<StreamFrame> all;
  for (int64_t n = 0; n < windows; ++n)
    for (auto& f : g.next_window()) all.push_back(std::move(f));
  return all;
}

double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  double pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

TEST(WindowScheduler, InsertsTransitionsWithRisingBeta) {
  auto t = timeline();
  auto entry = prompt_entry(100, "b");
  entry.transition_windows = 2;
  const int64_t b = t->add(entry);
  WindowScheduler s(t, 1);
  std::vector<double> betas;
  std::vector<int64_t> ids;
  for (int64_t frame : {0, 50, 100, 150, 200, 250}) {
    const auto plan = s.plan(frame);
    EXPECT_EQ(s.plan(frame).beta, plan.beta);  // planning alone changes nothing
    s.advance(plan);
    betas.push_back(plan.beta);
    ids.push_back(plan.to.id);
  }
  EXPECT_EQ(betas, (std::vector<double>{1.0, 1.0, 1.0 / 3, 2.0 / 3, 1.0, 1.0}));
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 1, b, b, b, b}));
  EXPECT_THROW(WindowScheduler(std::make_shared<PromptTimeline>(), 1).plan(0), std::runtime_error);
}

class EachMode : public ::testing::TestWithParam<BlendMode> {};

INSTANTIATE_TEST_SUITE_P(StreamGenerator, EachMode,
                         ::testing::Values(BlendMode::Deferred, BlendMode::PrefixPinned),
                         [](const auto& info) {
                           return info.param == BlendMode::Deferred ? "Deferred" : "Pinned";
                         });

TEST_P(EachMode, WindowZeroEqualsWindowPipeline) {
  StreamGenerator g(testing::tiny_components(), quick(GetParam()), timeline());
  torch::Tensor committed;
  g.set_callbacks({{}, {}, {}, {}, [&](int64_t, const torch::Tensor& l) { committed = l; }});
  const auto frames = g.next_window();

  const WindowPipeline pipeline(testing::tiny_components());
  WindowOptions w;
  w.seed = 5;
  w.steps = 4;
  w.guidance = 6.0;
  w.sampler = "dpmpp-2m-sde";
  const auto latents = pipeline.denoise(pipeline.initial_latents(5, 13),
                                        pipeline.encode_prompt("a panda playing guitar"),
                                        pipeline.encode_prompt("blurry"), w);
  if (GetParam() == BlendMode::Deferred) {  // commits S = 7 latent frames -> 3 + 2 + 2 decoded
    EXPECT_TRUE(torch::equal(committed, latents.narrow(1, 0, 7)));
    const auto reference = to_uint8_rgb(pipeline.decode(latents).unsqueeze(0))[0];
    ASSERT_EQ(frames.size(), 25u);  // chunks [0,3), [3,5), [5,7) -> 9 + 8 + 8 frames
    EXPECT_TRUE(torch::equal(stacked_frames(frames), reference.narrow(0, 0, 25)));
    return;
  }
  EXPECT_TRUE(torch::equal(committed, latents));
  const auto reference = to_uint8_rgb(pipeline.decode(latents).unsqueeze(0))[0];
  ASSERT_EQ(frames.size(), 49u);
  EXPECT_TRUE(torch::equal(stacked_frames(frames), reference));
}

TEST(StreamGenerator, FramesAreContiguousAndEqualOneChunkedDecode) {
  StreamGenerator g(testing::tiny_components(), quick(BlendMode::PrefixPinned), timeline());
  std::vector<torch::Tensor> committed;
  g.set_callbacks(
      {{}, {}, {}, {}, [&](int64_t, const torch::Tensor& l) { committed.push_back(l); }});
  std::vector<StreamFrame> all;
  std::vector<size_t> counts;
  for (int n = 0; n < 4; ++n) {
    auto frames = g.next_window();
    counts.push_back(frames.size());
    for (auto& f : frames) all.push_back(std::move(f));
    if (n == 2) {  // L = 27 latent frames: the reference decode's first chunk is 3, as here
      const WindowPipeline pipeline(testing::tiny_components());
      const auto reference =
          to_uint8_rgb(pipeline.decode(torch::cat(committed, 1)).unsqueeze(0))[0];
      EXPECT_TRUE(torch::equal(stacked_frames(all), reference));
    }
  }
  // S = 7 is odd and the decoder works in pairs, so windows alternate 4(S-1) and 4(S+1) frames.
  EXPECT_EQ(counts, (std::vector<size_t>{49, 24, 32, 24}));
  const auto tail = g.finish();
  // The held-back frame decodes as a one-frame chunk, which the causal VAE expands to 1 frame.
  EXPECT_EQ(tail.size(), 1u);
  EXPECT_EQ(g.frames_emitted(), 4 * (13 + 3 * 7 - 1) - 2);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].index, static_cast<int64_t>(i));
  EXPECT_EQ(tail.front().index, static_cast<int64_t>(all.size()));
  EXPECT_THROW(g.next_window(), std::runtime_error);
}

TEST(StreamGenerator, DeferredFramesEqualOneChunkedDecodeOfEverythingCommitted) {
  StreamGenerator g(testing::tiny_components(), quick(), timeline());
  std::vector<torch::Tensor> committed;
  g.set_callbacks(
      {{}, {}, {}, {}, [&](int64_t, const torch::Tensor& l) { committed.push_back(l); }});
  auto all = run(g, 3);
  for (auto& f : g.finish()) all.push_back(std::move(f));  // commits the 6 provisional frames
  const auto latents = torch::cat(committed, 1);
  ASSERT_EQ(latents.size(1), 3 * 7 + 6);
  const WindowPipeline pipeline(testing::tiny_components());
  EXPECT_TRUE(
      torch::equal(stacked_frames(all), to_uint8_rgb(pipeline.decode(latents).unsqueeze(0))[0]));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].index, static_cast<int64_t>(i));
}

TEST(StreamGenerator, SameSeedSameFramesOtherSeedOtherFrames) {
  StreamGenerator a(testing::tiny_components(), quick(), timeline());
  StreamGenerator b(testing::tiny_components(), quick(), timeline());
  auto other_options = quick();
  other_options.seed = 6;
  StreamGenerator c(testing::tiny_components(), other_options, timeline());
  const auto fa = stacked_frames(run(a, 3));
  EXPECT_TRUE(torch::equal(fa, stacked_frames(run(b, 3))));
  EXPECT_FALSE(torch::equal(fa, stacked_frames(run(c, 3))));
}

TEST(StreamGenerator, PromptFromAnotherThreadStartsTransitionsAtItsFrame) {
  auto t = timeline();
  auto options = quick();
  options.transition_windows = 2;
  StreamGenerator g(testing::tiny_components(), options, t);
  const int64_t stated = g.first_new_frame(3) - 2;  // inside window 2's frames
  ASSERT_LT(g.first_new_frame(2), stated);
  std::vector<std::pair<int64_t, int64_t>> started, ended;
  StreamCallbacks callbacks;
  callbacks.on_transition_started = [&](int64_t a, int64_t b) { started.emplace_back(a, b); };
  callbacks.on_transition_ended = [&](int64_t a, int64_t b) { ended.emplace_back(a, b); };
  g.set_callbacks(callbacks);
  run(g, 2);
  int64_t new_id = 0;
  std::thread writer([&] { new_id = t->add(prompt_entry(stated, "a steam train", "blurry")); });
  auto frames = g.next_window();  // window 2 runs while the writer may be adding
  writer.join();
  for (int n = 3; n < 6; ++n)
    for (auto& f : g.next_window()) frames.push_back(std::move(f));
  // A frame carries the plan of the window that committed its latent frame: windows 3 and 4 are
  // the transitions (beta 1/3, 2/3), window 5 the new prompt.
  const std::vector<double> weights{1.0, 1.0, 1.0, 1.0 / 3, 2.0 / 3, 1.0};
  for (const auto& f : frames) {
    int64_t window = 5;
    while (g.first_new_frame(window) > f.index) --window;
    ASSERT_GE(window, 1);  // window 2 may emit window 1's last latent frame
    EXPECT_EQ(f.prompt_id, window < 3 ? 1 : new_id) << "frame " << f.index;
    EXPECT_DOUBLE_EQ(f.transition_weight, weights[window]) << "frame " << f.index;
    if (f.prompt_id == new_id) {
      EXPECT_GE(f.index, stated);
    }
  }
  EXPECT_EQ(started, (std::vector<std::pair<int64_t, int64_t>>{{1, new_id}}));
  EXPECT_EQ(ended, started);
}

TEST(StreamGenerator, KvSharingChangesTheFirstWindowAfterAPromptChange) {
  auto t = timeline();
  auto off = quick();
  off.kv_sharing = false;
  StreamGenerator shared(testing::tiny_components(), quick(), t);
  StreamGenerator plain(testing::tiny_components(), off, t);
  t->add(prompt_entry(shared.first_new_frame(1), "a steam train", "blurry"));
  EXPECT_TRUE(
      torch::equal(stacked_frames(shared.next_window()), stacked_frames(plain.next_window())));
  const auto a = shared.next_window();
  const auto b = plain.next_window();
  EXPECT_DOUBLE_EQ(a.front().transition_weight, 0.5);
  const auto diff =
      (stacked_frames(a).to(torch::kFloat) - stacked_frames(b).to(torch::kFloat)).abs().mean();
  EXPECT_GT(diff.item<double>(), 0.0);
}

TEST(StreamGenerator, BlendOffDiffersFromPrefixPinned) {
  auto off = quick(BlendMode::Off);
  StreamGenerator pinned(testing::tiny_components(), quick(BlendMode::PrefixPinned), timeline());
  StreamGenerator unpinned(testing::tiny_components(), off, timeline());
  EXPECT_TRUE(
      torch::equal(stacked_frames(pinned.next_window()), stacked_frames(unpinned.next_window())));
  EXPECT_FALSE(
      torch::equal(stacked_frames(pinned.next_window()), stacked_frames(unpinned.next_window())));
}

TEST(StreamGenerator, ReportsStageTimesPerWindow) {
  StreamGenerator g(testing::tiny_components(), quick(), timeline());
  g.next_window();
  const auto first = g.last_window_times();
  EXPECT_GT(first.seconds(Stage::TextEncode), 0.0);
  EXPECT_EQ(first.seconds(Stage::KvSharing), 0.0);  // window 0 has no source window
  EXPECT_EQ(first.seconds(Stage::Blending), 0.0);
  g.next_window();
  const auto& second = g.last_window_times();
  EXPECT_GT(second.seconds(Stage::KvSharing), 0.0);
  EXPECT_GT(second.seconds(Stage::Blending), 0.0);
  EXPECT_GE(second.seconds(Stage::Denoise),
            second.seconds(Stage::KvSharing) + second.seconds(Stage::Blending));
  EXPECT_GT(second.seconds(Stage::Decode), 0.0);
  EXPECT_GT(second.seconds(Stage::Convert), 0.0);
}

TEST(StreamGenerator, RejectsOversizedOverlap) {
  auto overlap = quick();
  overlap.overlap = 13;
  EXPECT_THROW(StreamGenerator(testing::tiny_components(), overlap, timeline()),
               std::runtime_error);
}

TEST(StreamGenerator, CancelledWindowCanBeGeneratedAgain) {
  StreamGenerator reference(testing::tiny_components(), quick(), timeline());
  const auto expected = stacked_frames(run(reference, 2));
  StreamGenerator g(testing::tiny_components(), quick(), timeline());
  auto frames = g.next_window();
  int64_t steps = 0;
  WindowCallbacks cancel;
  cancel.on_step = [&](int64_t, int64_t) { ++steps; };
  cancel.cancelled = [&] { return steps == 2; };
  EXPECT_THROW(g.next_window(cancel), SamplingCancelled);
  EXPECT_EQ(g.windows_generated(), 1);
  for (auto& f : g.next_window()) frames.push_back(std::move(f));
  EXPECT_TRUE(torch::equal(stacked_frames(frames), expected));
}

// The endurance check: 200 windows with a prompt change every 5 (transitions included).
// Two sampler steps keep it to a few minutes on two cores; carried state does not depend on it.
// With anchor memory on: every fifth window re-anchors on a new prompt.
TEST(StreamGenerator, MemoryStaysBoundedOverTwoHundredWindows) {
  constexpr int64_t kWindows = 200, kWarmUp = 20;
  auto t = timeline();
  auto options = quick();
  options.steps = 2;
  options.anchor.mode = AnchorMode::FirstFrame;
  StreamGenerator g(testing::tiny_components(), options, t);
  for (int64_t k = 1; k < kWindows / 5; ++k)
    t->add(prompt_entry(g.first_new_frame(5 * k), "prompt number " + std::to_string(k)));
  bool transition = false;
  StreamCallbacks callbacks;
  callbacks.on_window_started = [&](int64_t, const WindowPlan& p) {
    transition = p.is_transition();
  };
  g.set_callbacks(callbacks);
  double warm = 0, peak = 0, seconds[2] = {0, 0};
  int64_t frames = 0, windows[2] = {0, 0};
  for (int64_t n = 0; n < kWindows; ++n) {
    const auto start = std::chrono::steady_clock::now();
    frames += static_cast<int64_t>(g.next_window().size());
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    seconds[transition] += took.count();
    ++windows[transition];
    if (n + 1 == kWarmUp) warm = resident_mb();
    if (n >= kWarmUp) peak = std::max(peak, resident_mb());
  }
  std::cout << "resident after window " << kWarmUp << ": " << warm << " MB, peak after: " << peak
            << " MB, at " << kWindows << ": " << resident_mb() << " MB; s/window plain "
            << seconds[0] / windows[0] << ", transition " << seconds[1] / windows[1] << "\n";
  EXPECT_LT(peak - warm, 30.0);
  EXPECT_EQ(frames, g.frames_emitted());
  // 1400 latent frames committed; the decoder holds the last one back (it decodes in pairs).
  EXPECT_EQ(frames, 1 + 4 * (kWindows * 7 - 2));
}

}  // namespace
}  // namespace ditstream

namespace ditstream {
namespace {

// Decoding window n while window n+1 denoises (the CUDA default) gives the same frames with the
// same labels, one next_window() later; finish() returns the rest.
TEST(StreamGenerator, OverlappedDecodeGivesTheSameFramesOneWindowLater) {
  StreamGenerator plain(testing::tiny_components(), quick(), timeline());
  auto reference = run(plain, 3);
  for (auto& f : plain.finish()) reference.push_back(std::move(f));
  auto o = quick();
  o.overlap_decode = true;
  StreamGenerator overlapped(testing::tiny_components(), o, timeline());
  EXPECT_TRUE(overlapped.next_window().empty());
  auto frames = run(overlapped, 2);
  for (auto& f : overlapped.finish()) frames.push_back(std::move(f));
  ASSERT_EQ(frames.size(), reference.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, reference[i].index);
    EXPECT_EQ(frames[i].prompt_id, reference[i].prompt_id);
    EXPECT_TRUE(torch::equal(frames[i].rgb, reference[i].rgb)) << "frame " << i;
  }
}

}  // namespace
}  // namespace ditstream
