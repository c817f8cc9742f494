// Transition quality of the stream (ditctrl-spec §6.2 metrics, pixel-statistics features) on the
// tiny model: one prompt change, every blend mode, KV-sharing on and off, and mask-guided sharing.
#include "core/metrics/frame_features.h"
#include "core/metrics/transition_quality.h"
#include "core/stream/stream_generator.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <iostream>

namespace ditstream {
namespace {

using BlendMode = StreamOptions::BlendMode;
constexpr int64_t kWindows = 6;

StreamOptions options(BlendMode mode, bool kv_sharing = true) {
  StreamOptions o;
  o.steps = 4;
  o.seed = 9;
  o.blend = mode;
  o.kv_sharing = kv_sharing;
  return o;
}

struct StreamRun {
  torch::Tensor frames;        // (N, H, W, 3) uint8
  std::vector<int64_t> seams;  // first video frame of each window's new latents
  torch::Tensor latents;       // every committed latent frame
};

// The fox prompt, then the horse prompt from window 2 on (a transition window, then the horse).
StreamRun stream(const StreamOptions& o) {
  auto timeline = std::make_shared<PromptTimeline>();
  StreamGenerator g(testing::tiny_components(), o, timeline);
  timeline->add(prompt_entry(0, "a red fox running in the snow"));
  timeline->add(prompt_entry(g.first_new_frame(2), "a white horse running in the snow"));
  std::vector<torch::Tensor> committed, frames;
  g.set_callbacks(
      {{}, {}, {}, {}, [&](int64_t, const torch::Tensor& l) { committed.push_back(l); }});
  StreamRun run;
  for (int64_t n = 0; n < kWindows; ++n) {
    if (n > 0) run.seams.push_back(g.first_new_frame(n));
    for (const auto& f : g.next_window()) frames.push_back(f.rgb);
  }
  run.frames = torch::stack(frames);
  run.latents = torch::cat(committed, 1);
  return run;
}

TransitionQualityReport quality(const StreamRun& run) {
  return evaluate_transition_quality(run.frames, run.seams, PixelStatisticsFeatures());
}

// Every mode's seam ratio and CSCV, reported for the issue. With random weights adjacent latent
// frames are unrelated wherever they are, so the seam ratio (~1.3 in every mode: seams sit on
// latent-frame boundaries, the interior mean also counts the smooth steps inside one latent
// frame's four video frames) cannot show that blending smooths seams; the direction is asserted
// on the trained demo model. Here: each DiTCtrl mechanism changes the seams.
TEST(StreamTransitions, EachMechanismChangesTheSeams) {
  const auto deferred = quality(stream(options(BlendMode::Deferred)));
  const auto pinned = quality(stream(options(BlendMode::PrefixPinned)));
  const auto off = quality(stream(options(BlendMode::Off)));
  const auto deferred_plain = quality(stream(options(BlendMode::Deferred, false)));
  const auto report = [](const char* name, const TransitionQualityReport& q) {
    std::cout << name << ": seam ratio " << q.seams.ratio << " (seam " << q.seams.seam_change
              << ", interior " << q.seams.interior_change << "), CSCV " << q.cscv << "\n";
  };
  report("deferred, KV-sharing on ", deferred);
  report("deferred, KV-sharing off", deferred_plain);
  report("prefix-pinned           ", pinned);
  report("blending off            ", off);
  EXPECT_NE(deferred.seams.seam_change, off.seams.seam_change);
  EXPECT_NE(pinned.seams.seam_change, off.seams.seam_change);
  EXPECT_NE(deferred.seams.seam_change, deferred_plain.seams.seam_change);
  for (const auto* q : {&deferred, &pinned, &off, &deferred_plain}) {
    EXPECT_GT(q->seams.ratio, 0.5);
    EXPECT_LT(q->seams.ratio, 2.0);
  }
}

// With threshold 0 every subject mask is all ones, so mask-guided sharing must reproduce plain
// sharing through the whole stream path (subjects chosen automatically: "running", "snow").
TEST(StreamTransitions, MaskGuidedWithAllOnesMasksEqualsPlainSharing) {
  auto ones = options(BlendMode::Deferred);
  ones.mask_guided = true;
  ones.mask_threshold = 0.0;
  auto masked = ones;
  masked.mask_threshold = 0.3;
  const auto plain = stream(options(BlendMode::Deferred)).latents;
  const auto all_ones = stream(ones).latents;
  const auto fused = stream(masked).latents;
  const double ones_gap = (all_ones - plain).abs().max().item<double>();
  const double mask_gap = (fused - plain).abs().max().item<double>();
  std::cout << "max |mask-guided - plain| latents: all-ones masks " << ones_gap
            << ", threshold 0.3 " << mask_gap << "\n";
  EXPECT_LT(ones_gap, 1e-4);
  EXPECT_GT(mask_gap, 1e-3);
}

}  // namespace
}  // namespace ditstream
