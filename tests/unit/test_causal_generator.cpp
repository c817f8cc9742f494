// The causal chunked generator on the tiny-wan folder: frame counts per chunk, each chunk equal
// to the loop recomputed from the kept clean frames, prompt switches by each method, causal
// settings from causal_config.json, bounded state over 2,000 chunks, and errors.
#include "core/session/stream_settings.h"
#include "core/stream/causal_config.h"
#include "core/stream/causal_generator.h"
#include "core/text/prompt_encoder.h"
#include "test_support.h"
#include "tiny_components.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>

namespace ditstream {
namespace {

namespace fs = std::filesystem;

using testing::small_causal_options;
std::shared_ptr<const PipelineComponents> tiny_wan() { return testing::tiny_wan_components(); }

std::shared_ptr<PromptTimeline> timeline(const std::vector<std::pair<int64_t, std::string>>& p) {
  auto t = std::make_shared<PromptTimeline>();
  for (const auto& [frame, text] : p) t->add(prompt_entry(frame, text));
  return t;
}

struct Generated {
  std::vector<torch::Tensor> latents;
  std::vector<StreamFrame> frames;
};

Generated generate(CausalGenerator& g, int64_t chunks) {
  Generated run;
  StreamCallbacks callbacks;
  callbacks.on_committed_latents = [&](int64_t, const torch::Tensor& l) {
    run.latents.push_back(l.clone());
  };
  g.set_callbacks(callbacks);
  torch::NoGradGuard no_grad;
  for (int64_t c = 0; c < chunks; ++c) {
    for (auto& f : g.next_window()) run.frames.push_back(std::move(f));
  }
  return run;
}

TEST(CausalGenerator, ChunksDecodeToOneThenFourFramesPerLatentFrame) {
  CausalGenerator g(tiny_wan(), small_causal_options(), timeline({{0, "a red circle"}}));
  const auto run = generate(g, 3);
  ASSERT_EQ(run.frames.size(), 5u + 8u + 8u);  // 1 + 4·(F − 1), then 4·F
  EXPECT_EQ(g.first_new_frame(1), 5);
  EXPECT_EQ(g.first_new_frame(2), 13);
  for (size_t i = 0; i < run.frames.size(); ++i) {
    EXPECT_EQ(run.frames[i].index, static_cast<int64_t>(i));
    EXPECT_EQ(run.frames[i].rgb.sizes(), (std::vector<int64_t>{32, 48, 3}));
  }
  EXPECT_EQ(g.steps(), 4);
  EXPECT_EQ(run.latents[0].sizes(), (std::vector<int64_t>{1, 2, 16, 4, 6}));
}

// The cache after a chunk holds only what its t = 0 cache pass wrote, so chunk 3 recomputed from
// a fresh cache fed the kept clean frames of chunks 0-2 equals the generator's chunk 3 (eviction
// and the sink included: window 5, sink 1, chunks of 2).
TEST(CausalGenerator, EachChunkEqualsTheLoopRecomputedFromTheKeptFrames) {
  const auto o = small_causal_options();
  CausalGenerator g(tiny_wan(), o, timeline({{0, "a red circle"}}));
  const auto run = generate(g, 4);
  const auto& model = *tiny_wan()->transformer;
  const auto text = tiny_wan()->text->encode("a red circle");
  KvCacheOptions c;
  c.window_frames = o.window_frames;
  c.sink_frames = o.sink_frames;
  c.tokens_per_frame = 6;
  c.shift_key_frames = [&](const torch::Tensor& k, int64_t n) {
    return model.shift_key_frames(k, n);
  };
  RollingKvCache cache(c);
  AttentionContext ctx;
  ctx.control = &cache;
  torch::NoGradGuard no_grad;
  for (int64_t chunk = 0; chunk < 3; ++chunk) {
    const auto position = cache.begin_forward({CacheForward::Kind::Chunk, chunk * 2, 2});
    model.predict_chunk(run.latents[chunk], text, 0.0, position, ctx);
  }
  EXPECT_EQ(cache.slot_frames(), (std::vector<int64_t>{0, 2, 3, 4, 5}));
  const CausalDenoiser denoiser(forward_executor(*tiny_wan()), cache, few_step_schedule(o.steps));
  const auto noise = causal_chunk_noise({1, 2, 16, 4, 6}, o.seed, 3, 4, torch::kCPU);
  const auto recomputed = denoiser.denoise(6, text, noise);
  EXPECT_TRUE(torch::allclose(recomputed, run.latents[3], 1e-5, 1e-6))
      << (recomputed - run.latents[3]).abs().max().item<double>();
  EXPECT_EQ(g.cache().slot_frames(), (std::vector<int64_t>{0, 4, 5, 6, 7}));
}

std::vector<torch::Tensor> run_switch(SwitchMethod method, Generated* out = nullptr) {
  auto o = small_causal_options();
  o.switch_method = method;
  CausalGenerator g(tiny_wan(), o, timeline({{0, "a red circle"}, {6, "a blue square"}}));
  auto run = generate(g, 3);
  EXPECT_EQ(g.last_switch_seconds() > 0.0, method != SwitchMethod::Cut);
  if (out) *out = run;
  return run.latents;
}

// A prompt at frame 6 takes effect at chunk 2, the first whose first frame (13) is at or after
// it; the methods agree before the switch and differ from it on.
TEST(CausalGenerator, SwitchMethodsDifferFromTheSwitchChunkOnly) {
  Generated recache_run;
  const auto recache = run_switch(SwitchMethod::Recache, &recache_run);
  const auto ditctrl = run_switch(SwitchMethod::Ditctrl);
  const auto cut = run_switch(SwitchMethod::Cut);
  for (int c = 0; c < 2; ++c) {
    EXPECT_TRUE(torch::equal(recache[c], cut[c])) << "chunk " << c;
    EXPECT_TRUE(torch::equal(ditctrl[c], cut[c])) << "chunk " << c;
  }
  EXPECT_GT((recache[2] - cut[2]).abs().max().item<double>(), 1e-4);
  EXPECT_GT((ditctrl[2] - cut[2]).abs().max().item<double>(), 1e-4);
  EXPECT_GT((ditctrl[2] - recache[2]).abs().max().item<double>(), 1e-4);
  EXPECT_EQ(recache_run.frames[12].prompt_id, 1);
  EXPECT_EQ(recache_run.frames[13].prompt_id, 2);
}

// Decoding overlapped with the next chunk gives the same frames, one next_window() later; finish()
// returns the last chunk's.
TEST(CausalGenerator, OverlappedDecodeGivesTheSameFramesOneChunkLater) {
  CausalGenerator plain(tiny_wan(), small_causal_options(), timeline({{0, "a red circle"}}));
  const auto reference = generate(plain, 3).frames;
  auto o = small_causal_options();
  o.overlap_decode = true;
  CausalGenerator overlapped(tiny_wan(), o, timeline({{0, "a red circle"}}));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(overlapped.next_window().empty());
  auto frames = overlapped.next_window();
  EXPECT_EQ(frames.size(), 5u);
  for (auto& f : overlapped.next_window()) frames.push_back(std::move(f));
  for (auto& f : overlapped.finish()) frames.push_back(std::move(f));
  ASSERT_EQ(frames.size(), reference.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].index, reference[i].index);
    EXPECT_TRUE(torch::equal(frames[i].rgb, reference[i].rgb)) << "frame " << i;
  }
}

TEST(CausalGenerator, DitctrlTransitionChunksInterpolateTheEmbeddings) {
  auto o = small_causal_options();
  o.switch_method = SwitchMethod::Ditctrl;
  o.transition_chunks = 2;
  CausalGenerator g(tiny_wan(), o, timeline({{0, "a red circle"}, {6, "a blue square"}}));
  const auto run = generate(g, 5);
  EXPECT_DOUBLE_EQ(run.frames[13].transition_weight, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(run.frames[21].transition_weight, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(run.frames[29].transition_weight, 1.0);
}

// LongLive-like settings over 2,000 chunks: the cache, the kept frames and the timeline stay
// bounded and every frame is emitted once.
TEST(CausalGenerator, StateStaysBoundedOverTwoThousandChunks) {
  auto o = small_causal_options();
  o.chunk_frames = 1;
  o.window_frames = 3;
  o.steps.steps = {1000};
  o.latent_height = 2;
  o.latent_width = 2;
  const auto t = timeline({{0, "a red circle"}});
  CausalGenerator g(tiny_wan(), o, t);
  torch::NoGradGuard no_grad;
  int64_t frames = 0;
  for (int64_t c = 0; c < 2000; ++c) frames += static_cast<int64_t>(g.next_window().size());
  EXPECT_EQ(frames, 1 + 4 * 1999);
  EXPECT_EQ(g.cache().slot_frames(), (std::vector<int64_t>{0, 1998, 1999}));
  EXPECT_EQ(g.cache().layer_rows(0).first.size(2), 3);
  EXPECT_EQ(t->size(), 1u);
}

// Absolute positions end where Wan's RoPE table does (latent frame 1024) with an error naming it
// (relative ones stay within the window: RollingKvCache's tests).
TEST(CausalGenerator, AbsolutePositionsStopAtTheRopeTable) {
  auto o = small_causal_options();
  o.chunk_frames = 8;
  o.window_frames = 9;
  o.steps.steps = {1000};
  o.latent_height = 2;
  o.latent_width = 2;
  o.positions = RopePositions::Absolute;
  CausalGenerator absolute(tiny_wan(), o, timeline({{0, "x"}}));
  torch::NoGradGuard no_grad;
  for (int64_t c = 0; c < 128; ++c) absolute.next_window();  // latent frames 0..1023
  try {
    absolute.next_window();
    FAIL() << "latent frame 1024 was accepted with absolute positions";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("rope_max_seq_len 1024"), std::string::npos) << e.what();
  }
}

// The session's settings on the causal path: seed, size, switch, transition chunks and the
// KV-sharing layers' start.
TEST(CausalGenerator, SessionSettingsMapOntoCausalOptions) {
  SessionSettings s;
  s.generator = GeneratorChoice::Causal;
  s.switch_method = SwitchChoice::Ditctrl;
  s.transition_windows = 2;
  s.kv_sharing_layers = "1:2";
  s.seed = 11;
  s.width = 48;
  s.height = 32;
  const auto o = to_causal_options(s, *tiny_wan());
  EXPECT_EQ(o.switch_method, SwitchMethod::Ditctrl);
  EXPECT_EQ(o.transition_chunks, 2);
  EXPECT_EQ(o.shared_from_layer, 1);
  EXPECT_EQ(o.seed, 11);
  EXPECT_EQ(o.latent_width, 6);
  EXPECT_EQ(o.latent_height, 4);
  EXPECT_FALSE(o.overlap_decode);  // CPU
  EXPECT_EQ(o.window_frames, 21);  // a plain folder: Self-Forcing's settings
}

class TempDir {
 public:
  TempDir() : path(fs::temp_directory_path() / ("ditstream_causal_" + std::to_string(::getpid()))) {
    fs::create_directories(path / "transformer");
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& json) const {
    std::ofstream(path / "transformer" / "causal_config.json") << json;
  }
  fs::path path;
};

TEST(CausalConfig, MethodDefaultsAndOverrides) {
  TempDir dir;
  EXPECT_FALSE(is_causal_folder(dir.path));
  dir.write(R"({"method": "longlive", "checkpoint": "base.pt", "chunk_frames": 2,
                 "rope": "absolute", "switch": "cut", "recache_sink": true})");
  const auto o = load_causal_options(dir.path);
  EXPECT_EQ(o.window_frames, 12);
  EXPECT_EQ(o.sink_frames, 3);
  EXPECT_EQ(o.chunk_frames, 2);
  EXPECT_EQ(o.positions, RopePositions::Absolute);
  EXPECT_EQ(o.switch_method, SwitchMethod::Cut);
  EXPECT_TRUE(o.recache_sink);
  const auto causvid = causal_defaults("causvid");
  EXPECT_EQ(causvid.steps.shift, 8.0);
  EXPECT_FALSE(causvid.steps.warp);
  dir.write(R"({"method": "magic", "checkpoint": "base.pt"})");
  try {
    load_causal_options(dir.path);
    FAIL() << "an unknown method was accepted";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("causal_config.json: field 'method'"), std::string::npos) << m;
    EXPECT_NE(m.find("self-forcing, causvid, longlive"), std::string::npos) << m;
  }
}

TEST(CausalGenerator, ErrorsNameWhatDoesNotFit) {
  auto o = small_causal_options();
  o.chunk_frames = 5;
  EXPECT_THROW(CausalGenerator(tiny_wan(), o, timeline({{0, "x"}})), std::runtime_error);
  const auto cogvideox =
      load_pipeline_components(testing::tiny_model_dir(), parse_runtime_options("cpu", "fp32"));
  try {
    CausalGenerator(cogvideox, small_causal_options(), timeline({{0, "x"}}));
    FAIL() << "a CogVideoX folder was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("needs a Wan2.1 model folder"), std::string::npos);
  }
  CausalGenerator g(tiny_wan(), small_causal_options(), timeline({{0, "x"}}));
  PromptEntry e;
  e.switch_method = "morph";
  EXPECT_THROW(g.check_prompt(e), std::invalid_argument);
}

}  // namespace
}  // namespace ditstream
