// render: one window from a prompt to a .y4m file or PNG frames.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/io/png_writer.h"
#include "core/io/y4m_writer.h"
#include "core/stream/offline_renderer.h"
#include "core/stream/prompt_file.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

namespace ditstream::cli {
namespace {

constexpr const char* kHelp =
    "usage: ditstream render --prompt TEXT (--output FILE.y4m | --png-dir DIR) [options]\n"
    "  --model DIR            diffusers-layout CogVideoX folder (default: the embedded "
    "shapes-demo model)\n"
    "  --negative-prompt TEXT (default: empty)\n"
    "  --seed N               (default 42)      --steps N (default 50)\n"
    "  --guidance G           (default 6; <= 1 disables CFG)   --dynamic-cfg\n"
    "  --sampler NAME         ddim | dpm | dpmpp-2m-sde (default ddim)\n"
    "  --frames N             latent frames (default: the model's; 13 -> 49 video frames)\n"
    "  --device cpu|cuda[:N]  --dtype fp32|bf16|fp16   --threads N   --fps N (default 8)\n"
    "Several prompts (DiTCtrl's joint offline algorithm; the file format is in the README):\n"
    "  --prompts FILE         prompt file; each prompt gets one window, joined by transitions\n"
    "  --overlap O            latent frames shared by adjacent windows (default: half)\n"
    "  --transitions NT       interpolated windows between prompts (default 1)\n"
    "  --mask-guided          KV-sharing fused by subject masks (the prompts' subjects, or\n"
    "                         the words both prompts share)\n"
    "  --no-kv-sharing        --no-blending   (ablations)\n"
    "  --mode offline|stream  offline: joint algorithm (default); stream: the streaming\n"
    "                         generator follows the file's start times\n"
    "  --blend deferred|prefix-pinned|off   stream mode's overlap handling (default deferred)\n"
    "  --seconds N            stream mode: length of the video (default: last start + 6)\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

WindowOptions window_options(const Arguments& a) {
  WindowOptions o;
  o.prompt = a.get("prompt", "");
  o.negative_prompt = a.get("negative-prompt", "");
  o.seed = a.get_int("seed", 42);
  o.steps = a.get_int("steps", 50);
  o.guidance = a.get_double("guidance", 6.0);
  o.dynamic_cfg = a.flag("dynamic-cfg");
  o.sampler = a.get("sampler", "ddim");
  o.latent_frames = a.get_int("frames", 0);
  if (o.steps < 1) throw std::runtime_error("--steps must be at least 1");
  return o;
}

void write_frames(const Arguments& a, const torch::Tensor& frames) {
  const auto output = a.get("output", "");
  if (!output.empty()) {
    Y4mWriter writer(output, frames.size(2), frames.size(1), static_cast<int>(a.get_int("fps", 8)),
                     1);
    writer.write(frames);
    writer.close();
    std::printf("wrote %lld frames (%lldx%lld) to %s\n", static_cast<long long>(frames.size(0)),
                static_cast<long long>(frames.size(2)), static_cast<long long>(frames.size(1)),
                output.c_str());
  }
  const std::filesystem::path png_dir = a.get("png-dir", "");
  if (png_dir.empty()) return;
  std::filesystem::create_directories(png_dir);
  for (int64_t i = 0; i < frames.size(0); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%04lld.png", static_cast<long long>(i));
    write_png(png_dir / name, frames[i]);
  }
  std::printf("wrote %lld PNG frames to %s\n", static_cast<long long>(frames.size(0)),
              png_dir.c_str());
}

// The options OfflineOptions and StreamOptions share, by the same field names.
template <typename Options>
Options multi_prompt_options(const Arguments& a, const WindowOptions& w) {
  Options o;
  o.overlap = a.get_int("overlap", kAutoOverlap);
  o.transition_windows = a.get_int("transitions", 1);
  o.steps = w.steps;
  o.sampler = a.get("sampler", "ddim");
  o.guidance = {w.guidance, w.dynamic_cfg};
  o.seed = w.seed;
  o.kv_sharing = !a.flag("no-kv-sharing");
  o.mask_guided = a.flag("mask-guided");
  return o;
}

OfflineOptions offline_options(const Arguments& a, const WindowOptions& w) {
  auto o = multi_prompt_options<OfflineOptions>(a, w);
  o.blending = !a.flag("no-blending");
  return o;
}

StreamOptions stream_options(const Arguments& a, const WindowOptions& w) {
  auto o = multi_prompt_options<StreamOptions>(a, w);
  o.blend = parse_blend_mode(a.get("blend", "deferred"));
  if (a.flag("no-blending")) o.blend = StreamOptions::BlendMode::Off;
  return o;
}

// Streams windows until the video is `--seconds` long, following the prompts' start times.
torch::Tensor stream_prompts(const Arguments& a, std::shared_ptr<const PipelineComponents> model,
                             const WindowOptions& w, const WindowCallbacks& callbacks) {
  const auto prompts = load_prompt_file(a.get("prompts", ""));
  const int fps = static_cast<int>(a.get_int("fps", 8));
  auto timeline = std::make_shared<PromptTimeline>();
  for (auto entry : to_entries(prompts, fps, 1)) {
    if (entry.negative_prompt.empty()) entry.negative_prompt = w.negative_prompt;
    timeline->add(entry);
  }
  if (!timeline->at(0)) throw std::runtime_error("the first prompt must start at 0 seconds");
  const double seconds = a.get_double("seconds", prompts.back().start_seconds + 6.0);
  const auto total = static_cast<int64_t>(seconds * fps);
  StreamGenerator generator(model, stream_options(a, w), timeline);
  std::vector<torch::Tensor> frames;
  while (generator.frames_emitted() < total)
    for (const auto& f : generator.next_window(callbacks)) frames.push_back(f.rgb);
  std::fprintf(stderr, "\nstreamed %lld windows\n",
               static_cast<long long>(generator.windows_generated()));
  return torch::stack(frames).slice(0, 0, total);
}

torch::Tensor render_prompts(const Arguments& a, std::shared_ptr<const PipelineComponents> model,
                             const WindowOptions& w, const WindowCallbacks& callbacks) {
  std::vector<PromptEntry> prompts;
  for (const auto& p : load_prompt_file(a.get("prompts", ""))) prompts.push_back(p.entry);
  const auto result =
      OfflineRenderer(model).render(prompts, w.negative_prompt, offline_options(a, w), callbacks);
  std::fprintf(stderr, "\n%lld prompts -> %lld windows, %lld latent frames\n",
               static_cast<long long>(prompts.size()), static_cast<long long>(result.layout.K),
               static_cast<long long>(result.layout.L));
  return result.frames;
}

}  // namespace

int render_command(const std::vector<std::string>& args) {
  const Arguments a(
      args, {"help", "dynamic-cfg", "no-kv-sharing", "no-blending", "mask-guided"},
      {"model",   "prompt",  "negative-prompt", "seed",    "steps",   "guidance", "sampler",
       "frames",  "device",  "dtype",           "threads", "fps",     "output",   "png-dir",
       "prompts", "overlap", "transitions",     "mode",    "seconds", "blend"});
  if (a.flag("help")) return std::fputs(kHelp, stdout), 0;
  if (a.get("output", "").empty() && a.get("png-dir", "").empty())
    throw std::runtime_error("give --output FILE.y4m or --png-dir DIR");
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  const auto options = window_options(a);
  const auto runtime = parse_runtime_options(a.get("device", "cpu"), a.get("dtype", "fp32"));
  auto start = std::chrono::steady_clock::now();
  const auto model = load_pipeline_components(a.get("model", DITSTREAM_DEMO_MODEL), runtime);
  std::fprintf(stderr, "loaded model in %.2f s\n", seconds_since(start));
  WindowCallbacks callbacks;
  callbacks.on_step = [](int64_t step, int64_t steps) {
    std::fprintf(stderr, "\rstep %lld/%lld", static_cast<long long>(step + 1),
                 static_cast<long long>(steps));
  };
  start = std::chrono::steady_clock::now();
  const auto mode = a.get("mode", "offline");
  if (mode != "offline" && mode != "stream")
    throw std::runtime_error("--mode must be offline or stream, got '" + mode + "'");
  const auto frames = a.get("prompts", "").empty()
                          ? WindowPipeline(model).render(options, callbacks).frames
                      : mode == "stream" ? stream_prompts(a, model, options, callbacks)
                                         : render_prompts(a, model, options, callbacks);
  std::fprintf(stderr, "\nrendered in %.2f s\n", seconds_since(start));
  write_frames(a, frames);
  return 0;
}

}  // namespace ditstream::cli
