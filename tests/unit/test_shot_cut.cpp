// Shot cuts on the windowed stream: a cut prompt comes in at a window boundary with no
// transition window and no blending across it, its frames are labelled as a cut, and its first
// window reads the previous shot as context.
#include "core/stream/stream_generator.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace ditstream {
namespace {

struct CutRun {
  std::vector<torch::Tensor> committed;  // per window
  std::vector<StreamFrame> frames;
  int64_t transitions = 0;  // transition windows planned
  int64_t cut_prompt = 0;
  int64_t boundary = 0;          // window 2's first new frame
  std::vector<double> blending;  // per window: seconds blending with the previous run
};

CutRun stream(bool cut, int64_t transition_windows,
              const std::string& first_shot = "a red fox running in the snow") {
  auto timeline = std::make_shared<PromptTimeline>();
  StreamOptions o;
  o.steps = 4;
  o.sampler = "ddim";
  o.seed = 5;
  StreamGenerator g(testing::tiny_components(), o, timeline);
  timeline->add(prompt_entry(0, first_shot));
  auto next = prompt_entry(g.first_new_frame(2), "a white horse running in the snow");
  next.transition_windows = transition_windows;
  next.cut = cut;
  CutRun run;
  run.boundary = next.frame;
  run.cut_prompt = timeline->add(next);
  StreamCallbacks callbacks;
  callbacks.on_window_started = [&](int64_t, const WindowPlan& p) {
    run.transitions += p.is_transition();
  };
  callbacks.on_committed_latents = [&](int64_t, const torch::Tensor& l) {
    run.committed.push_back(l);
  };
  g.set_callbacks(callbacks);
  for (int n = 0; n < 4; ++n) {
    for (auto& f : g.next_window()) run.frames.push_back(std::move(f));
    run.blending.push_back(g.last_window_times().seconds(Stage::Blending));
  }
  return run;
}

TEST(ShotCut, SwitchesAtTheBoundaryWithoutTransitionOrBlendAndLabelsItsFrames) {
  const auto cut = stream(true, 2);  // a cut ignores the transition windows asked for
  EXPECT_EQ(cut.transitions, 0);
  EXPECT_EQ(stream(false, 2).transitions, 2);
  int64_t first_cut = -1;
  for (const auto& f : cut.frames) {
    EXPECT_EQ(f.cut, f.prompt_id == cut.cut_prompt) << "frame " << f.index;
    if (f.cut && first_cut < 0) first_cut = f.index;
  }
  EXPECT_EQ(first_cut, cut.boundary);  // the cut replaces the provisional frames: counts stay
  EXPECT_GT(cut.blending[1], 0.0);     // window 1 blends with window 0
  EXPECT_EQ(cut.blending[2], 0.0);     // the cut window blends with nothing
  EXPECT_GT(cut.blending[3], 0.0);
  const auto switched = stream(false, 0);  // the same boundary, blended with the old shot
  ASSERT_EQ(cut.committed.size(), switched.committed.size());
  EXPECT_TRUE(torch::equal(cut.committed[1], switched.committed[1]));  // before the cut
  EXPECT_GT((cut.committed[2] - switched.committed[2]).abs().max().item<double>(), 1e-3);
  EXPECT_EQ(cut.frames.size(), switched.frames.size());
}

// Without blending, the cut window's only link to the old shot is the context it reads: another
// old shot changes it.
TEST(ShotCut, TheNewShotReadsTheOldOneAsContext) {
  const auto fox = stream(true, 1);
  const auto cat = stream(true, 1, "a black cat sitting on a wall");
  EXPECT_GT((fox.committed[2] - cat.committed[2]).abs().max().item<double>(), 1e-4);
}

}  // namespace
}  // namespace ditstream
