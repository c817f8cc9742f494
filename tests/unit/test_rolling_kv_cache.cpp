// The rolling K/V cache's slot bookkeeping (eviction, sink, recache, RoPE positions) on plain
// tensors, and the few-step schedule's numbers (reference §5.2, §5.5, §6.3, §11).
#include "core/control/rolling_kv_cache.h"
#include "core/sampling/few_step_schedule.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

namespace ditstream {
namespace {

using Frames = std::vector<int64_t>;

// Every token of frame f carries the value f, so attended rows show which frames were read.
torch::Tensor frame_tokens(int64_t first, int64_t frames, int64_t tokens) {
  return torch::arange(first, first + frames, torch::kFloat)
      .repeat_interleave(tokens)
      .view({1, 1, frames * tokens, 1});
}

struct Probe {
  RollingKvCache& cache;
  int64_t tokens;
  // Runs one layer's attention for a forward and returns the frames it attended, in order.
  Frames run(const CacheForward& f) {
    cache.begin_forward(f);
    const auto k = frame_tokens(f.first_frame, f.frames, tokens);
    Frames seen;
    cache.attend({}, k, k, k,
                 [&](const torch::Tensor&, const torch::Tensor& keys, const torch::Tensor&) {
                   for (int64_t i = 0; i < keys.size(2); i += tokens)
                     seen.push_back(static_cast<int64_t>(keys[0][0][i][0].item<float>()));
                   return keys;
                 });
    return seen;
  }
};

KvCacheOptions options(int64_t window, int64_t sink) {
  KvCacheOptions o;
  o.window_frames = window;
  o.sink_frames = sink;
  o.tokens_per_frame = 2;
  o.positions = RopePositions::Absolute;
  return o;
}

CacheForward chunk_at(int64_t first, int64_t frames) {
  return {CacheForward::Kind::Chunk, first, frames};
}

TEST(RollingKvCache, WindowCountsTheSinkAndTheCurrentChunk) {
  RollingKvCache cache(options(3, 1));
  Probe probe{cache, 2};
  const std::vector<Frames> expected = {{0}, {0, 1}, {0, 1, 2}, {0, 2, 3}, {0, 3, 4}};
  for (int64_t c = 0; c < 5; ++c) {
    EXPECT_EQ(probe.run(chunk_at(c, 1)), expected[c]) << "chunk " << c;
    EXPECT_EQ(probe.run(chunk_at(c, 1)), expected[c]) << "repeat step of chunk " << c;
    EXPECT_EQ(cache.slot_frames(), expected[c]);
  }
}

TEST(RollingKvCache, LongLiveWindowTwelveWithThreeSinkFrames) {
  RollingKvCache cache(options(12, 3));
  Probe probe{cache, 2};
  for (int64_t f = 0; f < 42; f += 3) probe.run(chunk_at(f, 3));
  Frames expected = {0, 1, 2};
  for (int64_t f = 33; f < 42; ++f) expected.push_back(f);
  EXPECT_EQ(cache.slot_frames(), expected);
  // §6.3: a recache of frames 30..41 keeps the sink and rewrites slots 3..11 (frames 33..41).
  EXPECT_EQ(probe.run({CacheForward::Kind::Recache, 30, 12, true}), expected);
  Frames next = {0, 1, 2};
  for (int64_t f = 36; f < 45; ++f) next.push_back(f);
  EXPECT_EQ(probe.run(chunk_at(42, 3)), next);
}

TEST(RollingKvCache, RecacheWithoutKeepingTheSinkMakesItsFirstFrameTheSink) {
  RollingKvCache cache(options(3, 1));
  Probe probe{cache, 2};
  for (int64_t c = 0; c < 4; ++c) probe.run(chunk_at(c, 1));
  cache.zero_rows();
  EXPECT_EQ(probe.run({CacheForward::Kind::Recache, 1, 3, false}), (Frames{1, 2, 3}));
  EXPECT_EQ(probe.run(chunk_at(4, 1)), (Frames{1, 3, 4}));
}

TEST(RollingKvCache, RelativePositionsAreSlotsAndEvictedKeysMoveBack) {
  auto o = options(3, 1);
  o.positions = RopePositions::Relative;
  std::vector<int64_t> shifts;
  o.shift_key_frames = [&](const torch::Tensor& keys, int64_t frames) {
    shifts.push_back(frames);
    return keys + frames * 100;
  };
  RollingKvCache cache(o);
  std::vector<int64_t> positions;
  for (int64_t c = 0; c < 5; ++c) {
    positions.push_back(cache.begin_forward(chunk_at(c, 1)));
    const auto k = frame_tokens(c, 1, 2);
    cache.attend({}, k, k, k, [](const auto&, const auto& keys, const auto&) { return keys; });
  }
  EXPECT_EQ(positions, (std::vector<int64_t>{0, 1, 2, 2, 2}));
  EXPECT_EQ(shifts, (std::vector<int64_t>{-1, -1}));
  // Frame 3 moved one slot left once: its keys were shifted by -1 frame.
  const auto keys = cache.layer_rows(0).first;
  EXPECT_FLOAT_EQ(keys[0][0][2][0].item<float>(), 3.0f - 100.0f);
  EXPECT_FLOAT_EQ(keys[0][0][0][0].item<float>(), 0.0f);  // the sink never moves
}

TEST(RollingKvCache, MemoryIsBoundedByTheWindow) {
  RollingKvCache cache(options(4, 1));
  Probe probe{cache, 2};
  for (int64_t c = 0; c < 2000; ++c) probe.run(chunk_at(c, 1));
  EXPECT_EQ(cache.layer_rows(0).first.size(2), 4 * 2);
  EXPECT_EQ(cache.slot_frames(), (Frames{0, 1997, 1998, 1999}));
}

TEST(RollingKvCache, ErrorsNameWhatIsWrong) {
  const auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { RollingKvCache(options(3, 3)); }).find("sink_frames (3)"),
            std::string::npos);
  RollingKvCache cache(options(3, 1));
  EXPECT_NE(message([&] { cache.begin_forward(chunk_at(0, 3)); }).find("does not fit"),
            std::string::npos);
  cache.begin_forward(chunk_at(0, 1));
  EXPECT_NE(message([&] { cache.begin_forward(chunk_at(5, 1)); }).find("neither continues"),
            std::string::npos);
  EXPECT_NE(message([&] {
              cache.begin_forward({CacheForward::Kind::Recache, 0, 2});
            }).find("not the newest"),
            std::string::npos);
  const auto k = frame_tokens(0, 2, 2);
  EXPECT_NE(message([&] {
              cache.attend({}, k, k, k, [](const auto&, const auto& a, const auto&) { return a; });
            }).find("got 4 tokens"),
            std::string::npos);
}

TEST(FewStepSchedule, WarpedSelfForcingStepsAndUnwarpedCausVid) {
  const auto warped = few_step_schedule({});
  EXPECT_EQ(warped.timesteps, (std::vector<double>{1000.0, 937.5, 833.33331298828125, 625.0}));
  EXPECT_EQ(warped.sigmas,
            (std::vector<double>{1.0, 0.9375, static_cast<double>(5.0f / 6.0f), 0.625}));
  const auto causvid = few_step_schedule({{1000, 757, 522, 0}, 8.0, false});
  EXPECT_EQ(causvid.timesteps, (std::vector<double>{1000, 757, 522}));
  ASSERT_EQ(causvid.sigmas.size(), 3u);
  EXPECT_NEAR(causvid.sigmas[1], 0.7568, 1e-3);
  EXPECT_NEAR(causvid.sigmas[2], 0.5217, 1e-3);
  EXPECT_THROW(few_step_schedule({{1200}, 5.0, true}), std::runtime_error);
}

TEST(FewStepSchedule, RenoisingAndX0FollowTheFlowDefinition) {
  const auto x0 = torch::randn({1, 2, 3}), eps = torch::randn({1, 2, 3});
  const double sigma = 0.625;
  const auto x = ditstream::renoise_to(x0, eps, sigma);
  const auto v = eps - x0;  // the flow a perfect model predicts
  EXPECT_TRUE(torch::allclose(ditstream::x0_from_flow(x, v, sigma), x0, 1e-5, 1e-6));
}

}  // namespace
}  // namespace ditstream
