// Motion control: the wrapped translation, the steered x0, and one-step windows whose new frames
// are the reference frame moved k·(dx, dy), continuing from window to window.
#include "committed_latents.h"
#include "core/control/latent_motion.h"
#include "core/parallel/forward_call.h"
#include "core/stream/deferred_window.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(LatentMotion, TranslationWrapsAroundAndInterpolatesBetweenPixels) {
  const auto f = torch::randn({2, 4, 6, 9});
  EXPECT_TRUE(torch::equal(translate_wrapped(f, 2, -1), torch::roll(f, {-1, 2}, {2, 3})));
  EXPECT_TRUE(torch::equal(translate_wrapped(f, 9, 6), f));
  const auto half = (f + torch::roll(f, {1}, {3})) / 2;
  EXPECT_LT(max_diff(translate_wrapped(f, 0.5, 0), half), 1e-6);
  const auto back = translate_wrapped(translate_wrapped(f, 1.25, -2.5), -1.25, 2.5);
  EXPECT_LT(max_diff(back.mean(), f.mean()), 1e-5);  // mass kept; bilinear blurs a little
}

TEST(LatentMotion, SteersTheFramesAfterTheReferenceByMultiplesOfTheMotion) {
  const auto x0 = torch::randn({1, 5, 4, 6, 8});
  const auto out = steer_x0(x0, 2, {1.0, -1.0});
  EXPECT_TRUE(torch::equal(out.narrow(1, 0, 2), x0.narrow(1, 0, 2)));
  for (int64_t j = 2; j < 5; ++j)
    EXPECT_LT(max_diff(out.select(1, j),
                       translate_wrapped(x0.select(1, 1), double(j - 1), -double(j - 1))),
              1e-6);
  EXPECT_THROW(steer_x0(x0, 0, {1.0, 0.0}), std::runtime_error);
  EXPECT_TRUE((LatentMotion{0.0, 0.5}.moves()));
  EXPECT_FALSE(LatentMotion{}.moves());
  const LatentMotion half{1.0, 0.0};
  EXPECT_TRUE(half.steers(0, 1) && half.steers(3, 8) && !half.steers(4, 8));
  EXPECT_TRUE((LatentMotion{1.0, 0.0, 0.0}.steers(0, 20)));
  EXPECT_TRUE((LatentMotion{1.0, 0.0, 1.0}.steers(19, 20)));
}

// One DDIM step ends at the steered x0, so the new frames are exact translations (integer steps
// compose exactly).
TEST(LatentMotion, OneStepWindowsMoveTheirFramesFromFrameZero) {
  const auto components = testing::tiny_components();
  const WindowPipeline pipeline(components);
  const GuidedDenoiser denoiser(components, {6.0, false}, {});
  const auto cond = pipeline.encode_prompt("a panda playing guitar");
  const auto uncond = pipeline.encode_prompt("blurry");
  auto sampler = components->samplers->make("ddim", 1, {});
  constexpr int64_t kFrames = 13, kOverlap = 6;
  DeferredControls controls;
  controls.motion = {2.0, 1.0};
  const WindowInput first{pipeline.initial_latents(1, kFrames), cond, uncond};
  const auto run0 =
      denoise_deferred(denoiser, *sampler, first, kOverlap, nullptr, nullptr, {}, controls);
  const WindowInput second{pipeline.initial_latents(2, kFrames), cond, uncond};
  const auto run1 = denoise_deferred(denoiser, *sampler, second, kOverlap, &run0.provisional,
                                     nullptr, {}, controls);
  const auto check = [](const torch::Tensor& x, int64_t first) {
    for (int64_t j = first; j < kFrames; ++j) {
      const double k = double(j - first + 1);
      EXPECT_LT(max_diff(x.select(1, j), translate_wrapped(x.select(1, first - 1), 2 * k, k)), 1e-4)
          << "frame " << j;
    }
  };
  check(run0.latents, 1);
  // Later windows move every new frame from the blended frame 0 (the previous run's motion).
  for (int64_t j = kOverlap; j < kFrames; ++j)
    EXPECT_LT(max_diff(run1.latents.select(1, j),
                       translate_wrapped(run1.latents.select(1, 0), 2.0 * j, 1.0 * j)),
              1e-4)
        << "frame " << j;
  const auto still = denoise_deferred(denoiser, *sampler, first, kOverlap, nullptr, nullptr, {});
  EXPECT_GT(max_diff(still.latents, run0.latents), 1e-2);
}

std::vector<torch::Tensor> stream_latents(
    const StreamOptions& o, std::optional<std::array<double, 2>> own,
    std::shared_ptr<const PipelineComponents> model = testing::tiny_components(),
    int64_t windows = 2) {
  auto timeline = std::make_shared<PromptTimeline>();
  PromptEntry entry = prompt_entry(0, "a panda playing guitar", "blurry");
  entry.motion = own;
  timeline->add(entry);
  StreamGenerator g(std::move(model), o, timeline);
  return testing::committed_latents(g, windows);
}

// Frame j of a window starting at stream frame `first` starts from the field moved (first + j)
// steps, mixed with the window's own noise by variance shares.
TEST(LatentMotion, StartNoiseIsTheStreamFieldMovedWithTheMotion) {
  torch::manual_seed(3);
  const auto own = torch::randn({1, 4, 2, 6, 8});
  const auto field = torch::randn({2, 6, 8});
  LatentMotion m{1.0, -0.5};
  m.noise = 1.0;
  const auto moved = moved_start_noise(own, field, 6, m);
  for (int64_t j = 0; j < 4; ++j) {
    const int64_t g = 6 + j;
    EXPECT_TRUE(torch::equal(moved[0][j],
                             torch::roll(field, {std::llround(-0.5 * double(g)), g}, {-2, -1})))
        << "frame " << j;
  }
  m.noise = 0.0;
  EXPECT_TRUE(torch::equal(moved_start_noise(own, field, 6, m), own));
  m.noise = 0.25;
  const auto mixed = moved_start_noise(own, field, 0, m);
  EXPECT_LT(max_diff(mixed.select(1, 2), 0.5 * torch::roll(field, {-1, 2}, {-2, -1}) +
                                             std::sqrt(0.75) * own.select(1, 2)),
            1e-6);
  m.noise = 1.5;
  EXPECT_THROW(moved_start_noise(own, field, 0, m), std::invalid_argument);
}

TEST(LatentMotion, StreamMotionZeroIsNoMotionAndAPromptsOwnMotionWins) {
  StreamOptions o;
  o.steps = 2;
  o.sampler = "ddim";
  const auto plain = stream_latents(o, std::nullopt);
  o.motion = {0.0, 0.0};
  const auto zero = stream_latents(o, std::nullopt);
  for (size_t k = 0; k < plain.size(); ++k) EXPECT_TRUE(torch::equal(plain[k], zero[k]));
  o.motion = {1.0, 0.0};
  const auto moving = stream_latents(o, std::nullopt);
  EXPECT_GT(max_diff(moving[0], plain[0]), 1e-3);
  o.motion.noise = 0.9;  // the moved start noise changes the frames too
  EXPECT_GT(max_diff(stream_latents(o, std::nullopt)[0], moving[0]), 1e-3);
  o.motion.noise = LatentMotion{}.noise;
  const auto overridden = stream_latents(o, std::array<double, 2>{0.0, 0.0});
  for (size_t k = 0; k < plain.size(); ++k) EXPECT_TRUE(torch::equal(plain[k], overridden[k]));
  o.blend = StreamOptions::BlendMode::PrefixPinned;
  EXPECT_THROW(StreamGenerator(testing::tiny_components(), o, std::make_shared<PromptTimeline>()),
               std::runtime_error);
}

TEST(LatentMotion, TheWindowFrameFollowsTheMotionInWholePixels) {
  MotionFrame frame;
  const LatentMotion m{0.45, -0.25};
  EXPECT_EQ(frame.advance(m, 0), (std::array<int64_t, 2>{0, 0}));
  EXPECT_EQ(frame.advance(m, 4), (std::array<int64_t, 2>{-1, 2}));  // (-1.0, 1.8)
  EXPECT_EQ(frame.advance(m, 4), (std::array<int64_t, 2>{-1, 2}));  // (-2.0, 3.6)
  EXPECT_EQ(frame.advance(m, 4), (std::array<int64_t, 2>{-1, 1}));  // (-3.0, 5.4)
  EXPECT_EQ(frame.offset(), (std::array<int64_t, 2>{-3, 5}));
  LatentMotion fixed = m;
  fixed.reframe = false;
  EXPECT_EQ(frame.advance(fixed, 4), (std::array<int64_t, 2>{0, 0}));
  EXPECT_EQ(frame.offset(), (std::array<int64_t, 2>{-3, 5}));
  const auto f = torch::randn({1, 2, 3, 4, 6});
  EXPECT_TRUE(moved_by_pixels(f, {0, 0}).is_same(f));
  EXPECT_TRUE(torch::equal(moved_by_pixels(f, {-1, 2}), torch::roll(f, {-1, 2}, {3, 4})));
  EXPECT_TRUE(torch::equal(moved_by_pixels(moved_by_pixels(f, {1, 5}), opposite({1, 5})), f));
}

// Reframing moves what a window starts from and carries into a frame that followed the motion,
// and its result back: window 0 is unchanged, later windows change.
TEST(LatentMotion, ReframingMovesLaterWindowsOnly) {
  StreamOptions o;
  o.steps = 2;
  o.sampler = "ddim";
  o.motion = {0.5, 0.0};
  const auto framed = stream_latents(o, std::nullopt);
  o.motion.reframe = false;
  const auto fixed = stream_latents(o, std::nullopt);
  EXPECT_TRUE(torch::equal(framed[0], fixed[0]));
  EXPECT_GT(max_diff(framed[1], fixed[1]), 1e-3);
}

// A model that treats every latent pixel alike: its prediction is a function of each latent
// value alone, so moving its input on the torus moves its output the same way.
class PixelwiseForward : public ForwardExecutor {
 public:
  torch::Tensor run(const ForwardCall& call) const override {
    auto x = call.latents.to(torch::kFloat);
    if (call.fork.active()) x = x.index_select(0, torch::tensor(call.fork.rows));
    return 0.5 * torch::tanh(x);
  }
  torch::Tensor run_chunk(const ChunkCall&, RollingKvCache&) const override {
    throw std::logic_error("PixelwiseForward: windowed streams only");
  }
};

// To such a model reframing is invisible: every window's inputs moved into its frame and the
// result moved back give the unreframed stream up to rounding. An input left unmoved, or a
// result not moved back, would show (the windows' content is far from uniform).
TEST(LatentMotion, ReframingIsInvisibleToAModelThatTreatsEveryPixelAlike) {
  auto pixelwise = std::make_shared<PipelineComponents>(*testing::tiny_components());
  pixelwise->forwards = std::make_shared<PixelwiseForward>();
  StreamOptions o;
  o.steps = 2;
  o.sampler = "ddim";
  o.motion = {0.5, -0.25};
  const auto framed = stream_latents(o, std::nullopt, pixelwise, 4);
  o.motion.reframe = false;
  const auto fixed = stream_latents(o, std::nullopt, pixelwise, 4);
  ASSERT_EQ(framed.size(), fixed.size());
  for (size_t k = 0; k < framed.size(); ++k) {
    EXPECT_LT(max_diff(framed[k], fixed[k]), 1e-5) << "window " << k;
    EXPECT_GT(max_diff(moved_by_pixels(framed[k], {0, 1}), framed[k]), 0.1) << "window " << k;
  }
}

TEST(LatentMotion, MovingTheProvisionalFramesMovesEveryCarriedTensor) {
  ProvisionalFrames p;
  p.noise = torch::randn({1, 2, 3, 4, 6});
  p.fixed = {torch::randn({1, 2, 3, 4, 6})};
  p.plain = {torch::randn({1, 2, 3, 4, 6})};
  p.committed = {torch::Tensor(), torch::randn({1, 1, 3, 4, 6})};
  p.cond = torch::randn({1, 5, 8});
  const ProvisionalFrames before = p;
  move_provisional(p, {1, -2});
  const auto moved = [](const torch::Tensor& t) { return torch::roll(t, {1, -2}, {-2, -1}); };
  EXPECT_TRUE(torch::equal(p.noise, moved(before.noise)));
  EXPECT_TRUE(torch::equal(p.fixed[0], moved(before.fixed[0])));
  EXPECT_TRUE(torch::equal(p.plain[0], moved(before.plain[0])));
  EXPECT_FALSE(p.committed[0].defined());
  EXPECT_TRUE(torch::equal(p.committed[1], moved(before.committed[1])));
  EXPECT_TRUE(p.cond.is_same(before.cond));
}

}  // namespace
}  // namespace ditstream
