// render: one window from a prompt to a .y4m file or PNG frames.
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/io/png_writer.h"
#include "core/io/y4m_writer.h"
#include "core/session/model_location.h"
#include "core/session/parallel_ranks.h"
#include "core/session/prompt_warning.h"
#include "core/session/stream_session.h"
#include "core/session/stream_settings.h"
#include "core/stream/offline_renderer.h"
#include "core/stream/prompt_file.h"
#include "core/stream/window_pipeline.h"

#include <torch/torch.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace ditstream::cli {
namespace {

constexpr const char* kHelp =
    "usage: ditstream render --prompt TEXT (--output FILE.y4m | --png-dir DIR) [options]\n"
    "  --model DIR            diffusers-layout CogVideoX or Wan2.1 folder (default: the embedded "
    "shapes-demo model)\n"
    "  --negative-prompt TEXT (default: empty)\n"
    "  --seed N               (default 42)\n"
    "  --steps N              (default: the model's; 50, the shapes-demo 20)\n"
    "  --guidance G           (default: the model's; CogVideoX 6, Wan 5; <= 1 disables CFG)\n"
    "  --dynamic-cfg\n"
    "  --sampler NAME         CogVideoX: ddim | dpm | dpmpp-2m-sde; Wan: unipc | euler\n"
    "                         (default: the model folder's own scheduler)\n"
    "  --frames N             latent frames (default: the family's; CogVideoX 13 -> 49 video\n"
    "                         frames, Wan 21 -> 81)\n"
    "  --width W --height H   video size in pixels (default: the family's; Wan 832x480)\n"
    "  --device cpu|cuda[:N]  --dtype fp32|bf16|fp16   --threads N\n"
    "  --fps N                (default: the family's; CogVideoX 8, Wan 16)\n"
    "Several prompts (DiTCtrl's joint offline algorithm; the file format is in the README):\n"
    "  --prompts FILE         prompt file; each prompt gets one window, joined by transitions\n"
    "  --overlap O            latent frames shared by adjacent windows (default: half)\n"
    "  --transitions NT       interpolated windows between prompts (default 1)\n"
    "  --mask-guided          KV-sharing fused by subject masks (the prompts' subjects, or\n"
    "                         the words both prompts share)\n"
    "  --no-kv-sharing        --no-blending   (ablations)\n"
    "  --mode offline|stream  offline: joint algorithm (default); stream: the streaming\n"
    "                         generator follows the file's start times\n"
    "  --blend deferred|prefix-pinned|off|randomized   stream mode's overlap handling\n"
    "                         (default deferred)\n"
    "  --step-cache T         stream mode: skip the blocks after the first while its residual\n"
    "                         changes < T between steps (approximate; default 0: off)\n"
    "  --anchor off|first-frame|first-window  stream mode: every window also attends to its\n"
    "                         prompt's first window (anchor memory; default off)\n"
    "  --anchor-strength S    log-weight on the anchor's attention scores (default 0)\n"
    "  --motion DX,DY         stream mode: new frames move DX,DY latent pixels per latent\n"
    "                         frame (motion control; default none)\n"
    "  --seconds N            stream mode: length of the video (default: last start + 6)\n"
    "  --generator auto|windowed|causal   stream mode (auto: causal for causal checkpoints)\n"
    "  --switch auto|recache|ditctrl|cut  causal generator's prompt switch (auto: the\n"
    "                         checkpoint's causal_config.json, else recache)\n"
    "  --transformer-checkpoint FILE      a causal generator checkpoint beside a Wan folder\n"
    "Parallel (torch.distributed c10d; Gloo on the CPU, NCCL on CUDA: local rank r on cuda:r):\n"
    "  --parallel none|cfg|ulysses|cfg+ulysses   cfg: the unconditional rows on a second\n"
    "                         rank; ulysses: the video tokens split over the ranks; both: each\n"
    "                         branch on half the ranks (all exact; default none)\n"
    "  --world-size N         ranks in all (default 2, cfg+ulysses 4; cfg exactly 2)\n"
    "  --workers-master H:P   serve the rendezvous at H:P for workers started elsewhere\n"
    "                         (`ditstream worker`); default: start local workers\n";

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

WindowOptions window_options(const Arguments& a) {
  WindowOptions o;
  o.prompt = a.get("prompt", "");
  o.negative_prompt = a.get("negative-prompt", "");
  o.seed = a.get_int("seed", 42);
  o.steps = a.get_int("steps", 0);  // 0 and -1: the model's (resolved once it is loaded)
  o.guidance = a.get_double("guidance", -1.0);
  o.dynamic_cfg = a.flag("dynamic-cfg");
  o.sampler = a.get("sampler", "");
  o.latent_frames = a.get_int("frames", 0);
  if (o.steps < 0) throw std::runtime_error("--steps must be at least 1");
  return o;
}

void write_frames(const Arguments& a, const torch::Tensor& frames, int fps) {
  const auto output = a.get("output", "");
  if (!output.empty()) {
    Y4mWriter writer(output, frames.size(2), frames.size(1), fps, 1);
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

OfflineOptions offline_options(const Arguments& a, const WindowOptions& w) {
  OfflineOptions o;
  o.overlap = a.get_int("overlap", kAutoOverlap);
  o.transition_windows = a.get_int("transitions", 1);
  o.steps = w.steps;
  o.sampler = w.sampler;
  o.guidance = {w.guidance, w.dynamic_cfg};
  o.seed = w.seed;
  o.kv_sharing = !a.flag("no-kv-sharing");
  o.mask_guided = a.flag("mask-guided");
  o.blending = !a.flag("no-blending");
  o.latent_height = w.latent_height;
  o.latent_width = w.latent_width;
  return o;
}

// The element's settings for the same stream: SessionSettings' defaults, then the options given.
SessionSettings session_settings(const Arguments& a, const WindowOptions& w) {
  SessionSettings s;
  s.negative_prompt = w.negative_prompt;
  s.seed = w.seed;
  s.steps = static_cast<int>(w.steps);
  s.guidance = w.guidance;
  s.dynamic_cfg = w.dynamic_cfg;
  s.sampler = parse_sampler_choice(a.get("sampler", sampler_name(s.sampler)));
  s.width = static_cast<int>(a.get_int("width", s.width));
  s.height = static_cast<int>(a.get_int("height", s.height));
  s.window_frames = static_cast<int>(w.latent_frames);
  s.generator = parse_generator_choice(a.get("generator", "auto"));
  s.switch_method = parse_switch_choice(a.get("switch", "auto"));
  s.transformer_checkpoint = a.get("transformer-checkpoint", "");
  s.overlap = static_cast<int>(a.get_int("overlap", s.overlap));
  s.transition_windows = static_cast<int>(a.get_int("transitions", s.transition_windows));
  s.kv_sharing = a.flag("no-kv-sharing") ? KvSharingMode::Off
                 : a.flag("mask-guided") ? KvSharingMode::MaskGuided
                                         : KvSharingMode::Plain;
  s.blend =
      a.flag("no-blending") ? BlendChoice::Off : parse_blend_choice(a.get("blend", "deferred"));
  s.step_cache = a.get_double("step-cache", 0.0);
  s.anchor = parse_anchor_mode(a.get("anchor", anchor_mode_name(s.anchor)));
  s.anchor_strength = a.get_double("anchor-strength", s.anchor_strength);
  s.motion = a.get("motion", s.motion);
  s.parallel = parse_parallel_mode(a.get("parallel", "none"));
  s.world_size = static_cast<int>(a.get_int("world-size", 0));
  s.workers_master = a.get("workers-master", "");
  return s;
}

// Progress lines are rewritten in place on a terminal only: a log keeps one line each.
const bool kTerminal = isatty(STDERR_FILENO) != 0;
const char* kProgressStart = kTerminal ? "\r" : "";
const char* kProgressEnd = kTerminal ? "" : "\n";

void warn_unknown_words(const PipelineComponents& model, const std::vector<std::string>& prompts) {
  for (const auto& text : prompts)
    if (const auto warning = prompt_warning(model, text); !warning.empty())
      std::fprintf(stderr, "warning: %s\n", warning.c_str());
}

// Reports each window on stderr; the guidance stays the settings'.
class ProgressListener : public GenerationListener {
 public:
  explicit ProgressListener(double guidance) : guidance_(guidance) {}
  void on_window(const WindowReport& r) override {
    std::fprintf(stderr, "%swindow %lld: %lld frames%s", kProgressStart,
                 static_cast<long long>(r.index), static_cast<long long>(r.frames), kProgressEnd);
  }
  void on_transition(const TransitionReport&) override {}
  void on_prompt_dropped(int64_t id, const std::string& reason) override {
    std::fprintf(stderr, "\ndropped prompt %lld: %s\n", static_cast<long long>(id), reason.c_str());
  }
  void on_prompt_warning(const std::string& warning) override {
    std::fprintf(stderr, "warning: %s\n", warning.c_str());
  }
  double guidance_at(int64_t) override { return guidance_; }

 private:
  double guidance_;
};

// Streams until the video is `--seconds` long through the element's StreamSession, as the element
// does with prompt-schedule=@FILE: the prompts take effect at their start times.
torch::Tensor stream_prompts(const Arguments& a, std::shared_ptr<const PipelineComponents> model,
                             const WindowOptions& w, int fps) {
  const auto prompts = load_prompt_file(a.get("prompts", ""));
  if (prompts.empty() || prompts.front().start_seconds != 0)
    throw std::runtime_error("the first prompt must start at 0 seconds");
  const double seconds = a.get_double("seconds", prompts.back().start_seconds + 6.0);
  const auto total = static_cast<int64_t>(seconds * fps);
  auto settings = session_settings(a, w);
  settings.prompt = prompts.front().entry.text;
  for (const auto& word : prompts.front().entry.subject_words)
    settings.subject_words += (settings.subject_words.empty() ? "" : ",") + word;
  ProgressListener listener(settings.guidance);
  StreamSession session(listener);
  const LoadedModel loaded = loaded_model(std::move(model), settings);
  session.frames().reset(settings.lookahead);
  session.open(loaded, settings, prompts, fps, 1);
  session.start(total);
  std::vector<torch::Tensor> frames;
  GeneratedFrame frame;
  while (static_cast<int64_t>(frames.size()) < total) {
    if (session.frames().pop(frame) != FrameQueue::PopStatus::Frame)
      throw std::runtime_error("stream failed: " + session.frames().error());
    frames.push_back(
        torch::from_blob(frame.rgb.data(), {loaded.height, loaded.width, 3}, torch::kUInt8)
            .clone());
  }
  std::fputc('\n', stderr);
  return torch::stack(frames);
}

torch::Tensor render_prompts(const Arguments& a, std::shared_ptr<const PipelineComponents> model,
                             const WindowOptions& w, const WindowCallbacks& callbacks) {
  std::vector<PromptEntry> prompts;
  std::vector<std::string> texts;
  for (const auto& p : load_prompt_file(a.get("prompts", ""))) {
    prompts.push_back(p.entry);
    texts.push_back(p.entry.text);
  }
  warn_unknown_words(*model, texts);
  const auto result =
      OfflineRenderer(model).render(prompts, w.negative_prompt, offline_options(a, w), callbacks);
  std::fprintf(stderr, "\n%lld prompts -> %lld windows, %lld latent frames\n",
               static_cast<long long>(prompts.size()), static_cast<long long>(result.layout.K),
               static_cast<long long>(result.layout.L));
  return result.frames;
}

}  // namespace

int render_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help", "dynamic-cfg", "no-kv-sharing", "no-blending", "mask-guided"},
                    {"model",       "prompt",     "negative-prompt", "seed",
                     "steps",       "guidance",   "sampler",         "frames",
                     "device",      "dtype",      "threads",         "fps",
                     "output",      "png-dir",    "prompts",         "overlap",
                     "transitions", "mode",       "seconds",         "blend",
                     "step-cache",  "anchor",     "anchor-strength", "width",
                     "height",      "generator",  "switch",          "transformer-checkpoint",
                     "parallel",    "world-size", "workers-master"});
  if (a.flag("help")) return std::fputs(kHelp, stdout), 0;
  if (a.get("output", "").empty() && a.get("png-dir", "").empty())
    throw std::runtime_error("give --output FILE.y4m or --png-dir DIR");
  if (const std::filesystem::path out = a.get("output", "");
      !out.empty() && out.extension() != ".y4m")
    throw std::runtime_error("--output " + out.string() +
                             ": render writes YUV4MPEG only, name it .y4m (for MP4: "
                             "pipelines/render_mp4.sh, or encode the .y4m)");
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  auto options = window_options(a);
  auto runtime = parse_runtime_options(a.get("device", "cpu"), a.get("dtype", "fp32"));
  runtime.transformer_checkpoint = a.get("transformer-checkpoint", "");
  auto start = std::chrono::steady_clock::now();
  std::shared_ptr<const PipelineComponents> model =
      load_pipeline_components(resolve_model_folder(a.get("model", "")), runtime);
  std::fprintf(stderr, "loaded model in %.2f s\n", seconds_since(start));
  model = with_parallel_ranks(model, session_settings(a, options));
  const auto size = loaded_model(model, session_settings(a, options));
  options.latent_width = size.width / model->geometry().spatial_compression;
  options.latent_height = size.height / model->geometry().spatial_compression;
  const auto& defaults = model->defaults;
  if (options.steps == 0) options.steps = defaults.steps;
  if (options.guidance < 0) options.guidance = defaults.guidance;
  if (options.sampler.empty()) options.sampler = auto_sampler(*model);
  const int fps = static_cast<int>(a.get_int("fps", model->geometry().frame_rate));
  WindowCallbacks callbacks;
  callbacks.on_step = [](int64_t step, int64_t steps) {
    std::fprintf(stderr, "%sstep %lld/%lld%s", kProgressStart, static_cast<long long>(step + 1),
                 static_cast<long long>(steps), kProgressEnd);
  };
  start = std::chrono::steady_clock::now();
  const auto mode = a.get("mode", "offline");
  if (mode != "offline" && mode != "stream")
    throw std::runtime_error("--mode must be offline or stream, got '" + mode + "'");
  if (a.get("prompts", "").empty()) warn_unknown_words(*model, {options.prompt});
  const auto frames = a.get("prompts", "").empty()
                          ? WindowPipeline(model).render(options, callbacks).frames
                      : mode == "stream" ? stream_prompts(a, model, options, fps)
                                         : render_prompts(a, model, options, callbacks);
  std::fprintf(stderr, "\nrendered in %.2f s\n", seconds_since(start));
  write_frames(a, frames, fps);
  return 0;
}

}  // namespace ditstream::cli
