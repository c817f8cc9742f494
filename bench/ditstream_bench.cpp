// ditstream-bench: time per stream window split by stage, sustained fps, time to first frame and
// resident memory, for one model and a list of variants measured in the same run (ratios between
// them are what to read on a noisy machine). Writes one JSON line per window and a markdown table.
#include "bench/bench_report.h"
#ifdef DITSTREAM_HAVE_ELEMENT
#include "bench/element_overhead.h"
#include "bench/prompt_delay.h"
#include "bench/sink_timing.h"
#endif
#include "bench/causal_stream.h"
#include "bench/transformer_throughput.h"
#include "core/cli/arguments.h"
#include "core/model/cogvideox/transformer.h"
#include "core/session/parallel_ranks.h"
#include "core/session/stream_settings.h"
#include "core/stream/stream_generator.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

namespace ditstream::bench {
namespace {

constexpr const char* kHelp =
    "usage: ditstream-bench --model DIR [options]\n"
    "  --scenario steady|transitions|ablation|element   (default steady)\n"
    "      steady:      one prompt, deferred blending with KV-sharing\n"
    "      transitions: a new prompt every third window (transition windows vs plain ones)\n"
    "      ablation:    deferred, deferred without KV-sharing, mask-guided, prefix-pinned, off,\n"
    "                   step-cache (deferred with --step-cache T, default 0.1), overlap-decode\n"
    "                   (window n decodes on a thread while n+1 denoises), anchor (first-frame),\n"
    "                   anchor-window (first-window), randomized, motion (0.5,0)\n"
    "      element:     ditstreamsrc ! fakesink vs the core generator on the same windows\n"
    "                   (needs GST_PLUGIN_PATH=<build>/gst-plugins)\n"
    "      prompt-delay: live ditstreamsrc; --changes N (3) prompt changes, each sent after\n"
    "                   --spacing F (24) frames of the previous prompt at the sink: frames and\n"
    "                   seconds from the event to the new prompt's first buffer there\n"
    "      transformer: random-weight transformer forwards; --family cogvideox (default:\n"
    "                   CogVideoX-2B at 480x720) or wan (Wan2.1-1.3B at 832x480, 81 frames)\n"
    "                   --layers --heads --head-dim --ffn-dim --latent-frames\n"
    "                   --latent-height --latent-width --reps\n"
    "      families:    both families at one small width and equal FLOPs: time per FLOP\n"
    "      causal:      the causal generator (the folder's causal_config.json, else\n"
    "                   Self-Forcing's settings) at --width --height: --chunks N (12) chunk\n"
    "                   costs and RSS, the windowed generator's seconds per frame on the same\n"
    "                   model (--windowed-windows N, 1; 0 skips), a switch at --switch-at C (4)\n"
    "                   by each method, and with --element-frames N ditstreamsrc\n"
    "                   generator=causal ! fakesink sync=false: time to first frame and fps\n"
    "  --variants a,b,...  ablation: only these variants, in this order\n"
    "  --windows N (default 12)  --warmup N (default 2, excluded)  --steps N (default 20)\n"
    "  --threads N  --device cpu|cuda  --dtype fp32|bf16|fp16\n"
    "  --parallel none|cfg|ulysses   the windowed scenarios and causal over 2 local ranks, each\n"
    "                        with --threads threads\n"
    "  --json FILE   append one JSON line per window   --label TEXT  (e.g. the commit)\n";

using BlendMode = StreamOptions::BlendMode;

struct Variant {
  std::string name;
  StreamOptions options;
};

std::vector<Variant> variants(const std::string& scenario, const StreamOptions& base,
                              double step_cache) {
  if (scenario == "steady" || scenario == "transitions") return {{scenario, base}};
  if (scenario != "ablation") throw std::runtime_error("unknown --scenario '" + scenario + "'");
  std::vector<Variant> out{{"deferred", base}};
  out.push_back({"deferred-no-kv", base});
  out.back().options.kv_sharing = false;
  out.push_back({"mask-guided", base});
  out.back().options.mask_guided = true;
  out.push_back({"prefix-pinned", base});
  out.back().options.blend = BlendMode::PrefixPinned;
  out.push_back({"blending-off", base});
  out.back().options.blend = BlendMode::Off;
  out.push_back({"step-cache", base});
  out.back().options.step_cache = step_cache;
  out.push_back({"overlap-decode", base});
  out.back().options.overlap_decode = true;
  out.push_back({"anchor", base});
  out.back().options.anchor.mode = AnchorMode::FirstFrame;
  out.push_back({"anchor-window", base});
  out.back().options.anchor.mode = AnchorMode::FirstWindow;
  out.push_back({"randomized", base});
  out.back().options.blend = BlendMode::Randomized;
  out.push_back({"motion", base});
  out.back().options.motion = {0.5, 0.0};
  return out;
}

// The ablation's variants named in `names` (comma-separated), in that order; all when empty.
std::vector<Variant> select_variants(std::vector<Variant> all, const std::string& names) {
  if (names.empty()) return all;
  std::vector<Variant> chosen;
  std::stringstream list(names);
  for (std::string name; std::getline(list, name, ',');) {
    const auto it = std::find_if(all.begin(), all.end(), [&](auto& v) { return v.name == name; });
    if (it == all.end()) throw std::runtime_error("--variants: no variant named '" + name + "'");
    chosen.push_back(*it);
  }
  return chosen;
}

// In the transitions scenario a new prompt arrives every third window (NT = 1: one transition and
// two plain windows); a period of 3 puts transitions on windows of both decoder parities (with
// an odd stride windows alternate 24 and 32 decoded frames). Otherwise one prompt.
void schedule_prompts(const std::string& scenario, StreamGenerator& g, PromptTimeline& timeline,
                      int64_t windows) {
  static const std::vector<std::string> prompts = {"a red fox running in the snow",
                                                   "a white horse running on a beach",
                                                   "a panda playing guitar in a forest"};
  timeline.add(prompt_entry(0, prompts[0]));
  if (scenario != "transitions") return;
  for (int64_t n = 2; n < windows; n += 3)
    timeline.add(prompt_entry(g.first_new_frame(n), prompts[(n / 3 + 1) % prompts.size()]));
}

// Each window's sample goes to `on_sample` as soon as it is measured (a cut run keeps them).
std::vector<WindowSample> run_variant(const Variant& v, const std::string& scenario,
                                      std::shared_ptr<const PipelineComponents> model,
                                      int64_t windows,
                                      const std::function<void(const WindowSample&)>& on_sample) {
  auto timeline = std::make_shared<PromptTimeline>();
  const auto start = std::chrono::steady_clock::now();
  StreamGenerator g(model, v.options, timeline);
  schedule_prompts(scenario, g, *timeline, windows);
  bool transition = false;
  StreamCallbacks callbacks;
  callbacks.on_window_started = [&](int64_t, const WindowPlan& p) {
    transition = p.is_transition();
  };
  g.set_callbacks(callbacks);
  std::vector<WindowSample> samples;
  for (int64_t n = 0; n < windows; ++n) {
    const auto begin = std::chrono::steady_clock::now();
    const auto frames = g.next_window();
    samples.push_back(
        measure_window(v.name, n, transition, frames.size(), begin, start, g.last_window_times()));
    on_sample(samples.back());
    std::fprintf(stderr, "\r%s: window %lld/%lld", v.name.c_str(), static_cast<long long>(n + 1),
                 static_cast<long long>(windows));
  }
  std::fputc('\n', stderr);
  return samples;
}

// The element's defaults (SessionSettings), with the bench's steps and seed: the core runs and
// the element runs are the same stream.
SessionSettings base_settings(const cli::Arguments& a) {
  SessionSettings s;
  s.steps = static_cast<int>(a.get_int("steps", 20));
  s.seed = 7;
  return s;
}

StreamOptions base_options(const cli::Arguments& a, const PipelineComponents& model) {
  return to_stream_options(base_settings(a), model);
}

// The element runs the same options through its properties (defaults: deferred, plain KV-sharing).
int run_element(const cli::Arguments& a, std::shared_ptr<const PipelineComponents> model,
                const StreamOptions& options, int64_t windows) {
#ifndef DITSTREAM_HAVE_ELEMENT
  throw std::runtime_error(
      "--scenario element: built without the element (DITSTREAM_BUILD_ELEMENT)");
#else
  const auto core = time_core(model, options, windows);
  const std::string launch = "ditstreamsrc model=" + a.get("model", DITSTREAM_TINY_MODEL) +
                             " steps=" + std::to_string(options.steps) +
                             " seed=" + std::to_string(options.seed) +
                             " num-buffers=" + std::to_string(core.frames);
  const auto sink = time_sink(launch);
  std::cout << overhead_table(core, {sink.frames, sink.total_seconds}, launch + " ! fakesink");
  return 0;
#endif
}

void print_sink_timing(const cli::Arguments& a, const SessionSettings& s) {
#ifdef DITSTREAM_HAVE_ELEMENT
  const std::string launch =
      "ditstreamsrc generator=causal model=" + a.get("model", DITSTREAM_TINY_MODEL) +
      " width=" + std::to_string(s.width) + " height=" + std::to_string(s.height) +
      " device=" + a.get("device", "cpu") + " dtype=" + a.get("dtype", "fp32") +
      " num-buffers=" + std::to_string(a.get_int("element-frames", 0));
  const auto t = time_sink(launch);
  std::printf(
      "\n`%s ! fakesink sync=false`\n\n| measure | value |\n|---|---|\n"
      "| frames at the sink | %lld |\n| time to first frame (PLAYING -> first buffer) | "
      "%.3f s |\n| sustained fps at the sink | %.2f |\n",
      launch.c_str(), static_cast<long long>(t.frames), t.first_buffer_seconds, t.fps);
#else
  (void)a, (void)s;
  throw std::runtime_error("--element-frames: built without the element");
#endif
}

// The causal generator against the windowed one on the same model and size, switch costs, and
// optionally the element's time to first frame and fps at the sink.
int run_causal_scenario(const cli::Arguments& a, std::shared_ptr<const PipelineComponents> model) {
  SessionSettings s = base_settings(a);
  s.width = static_cast<int>(a.get_int("width", 0));
  s.height = static_cast<int>(a.get_int("height", 0));
  const auto causal = to_causal_options(s, *model);
  const auto run = run_causal(model, causal, a.get_int("chunks", 12));
  const int64_t windows = a.get_int("windowed-windows", 1);
  const double windowed =
      windows > 0 ? windowed_seconds_per_frame(model, to_stream_options(s, *model), windows) : 0;
  const auto switches = measure_switches(model, causal, a.get_int("switch-at", 4));
  std::cout << causal_table(run, windowed, switches, a.get_int("warmup", 2));
  if (a.get_int("element-frames", 0) > 0) print_sink_timing(a, s);
  return 0;
}

int run_prompt_delay(const cli::Arguments& a) {
#ifndef DITSTREAM_HAVE_ELEMENT
  throw std::runtime_error("--scenario prompt-delay: built without the element");
#else
  const std::string source =
      "ditstreamsrc is-live=true model=" + a.get("model", DITSTREAM_TINY_MODEL) +
      " steps=" + std::to_string(base_settings(a).steps) + " seed=7";
  const auto rows = measure_prompt_delays(source, static_cast<int>(a.get_int("changes", 3)),
                                          a.get_int("spacing", 24));
  std::cout << prompt_delay_table(source, rows);
  return 0;
#endif
}

int run_transformer(const cli::Arguments& a, const RuntimeOptions& runtime, int64_t steps) {
  const auto family = a.get("family", "cogvideox");
  auto s = family == "wan" ? TransformerSize::wan_1_3b() : TransformerSize::cogvideox_2b();
  if (family != "wan" && family != "cogvideox")
    throw std::runtime_error("--family must be cogvideox or wan, got '" + family + "'");
  s.layers = a.get_int("layers", s.layers);
  s.heads = a.get_int("heads", s.heads);
  s.head_dim = a.get_int("head-dim", s.head_dim);
  s.ffn_dim = a.get_int("ffn-dim", s.ffn_dim);
  s.latent_frames = a.get_int("latent-frames", s.latent_frames);
  s.latent_height = a.get_int("latent-height", s.latent_height);
  s.latent_width = a.get_int("latent-width", s.latent_width);
  const auto result =
      measure_transformer(s, runtime, steps, static_cast<int>(a.get_int("reps", 5)));
  std::cout << throughput_table(s, runtime, steps, result);
  return 0;
}

// The two families at one small width (2 layers of 4 × 32) with Wan's window length chosen so
// both forwards cost the same FLOPs: time per FLOP of each runtime, measured in one process.
int run_families(const cli::Arguments& a, const RuntimeOptions& runtime, int64_t steps) {
  TransformerSize cog{"cogvideox", 2, 4, 32, 0, 13, 16, 24, 226};
  TransformerSize wan{"wan", 2, 4, 32, 512, 1, 16, 24, 512};
  while (forward_flops(wan) < forward_flops(cog)) ++wan.latent_frames;
  const int reps = static_cast<int>(a.get_int("reps", 5));
  const auto c = measure_transformer(cog, runtime, steps, reps);
  const auto w = measure_transformer(wan, runtime, steps, reps);
  std::cout << throughput_table(cog, runtime, steps, c) << "\n"
            << throughput_table(wan, runtime, steps, w) << "\n";
  std::printf("Wan / CogVideoX: FLOP %.3f, seconds per step %.3f, seconds per FLOP %.3f\n",
              forward_flops(wan) / forward_flops(cog), w.step_seconds / c.step_seconds,
              (w.step_seconds / forward_flops(wan)) / (c.step_seconds / forward_flops(cog)));
  return 0;
}

int run(const std::vector<std::string>& args) {
  const cli::Arguments a(args, {"help"}, {"model",         "scenario",       "windows",
                                          "warmup",        "steps",          "threads",
                                          "device",        "dtype",          "json",
                                          "label",         "layers",         "heads",
                                          "head-dim",      "latent-height",  "latent-width",
                                          "reps",          "variants",       "changes",
                                          "spacing",       "family",         "ffn-dim",
                                          "latent-frames", "width",          "height",
                                          "chunks",        "switch-at",      "windowed-windows",
                                          "step-cache",    "element-frames", "parallel"});
  if (a.flag("help")) return std::fputs(kHelp, stdout), 0;
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  const auto runtime = parse_runtime_options(a.get("device", "cpu"), a.get("dtype", "fp32"));
  const auto scenario = a.get("scenario", "steady");
  if (scenario == "transformer") return run_transformer(a, runtime, base_settings(a).steps);
  if (scenario == "families") return run_families(a, runtime, base_settings(a).steps);
  if (scenario == "prompt-delay") return run_prompt_delay(a);
  std::shared_ptr<const PipelineComponents> model =
      load_pipeline_components(a.get("model", DITSTREAM_TINY_MODEL), runtime);
  SessionSettings parallel = base_settings(a);
  parallel.parallel = parse_parallel_mode(a.get("parallel", "none"));
  parallel.device = a.get("device", "cpu");
  parallel.dtype = a.get("dtype", "fp32");
  model = with_parallel_ranks(model, parallel);
  if (scenario == "causal") return run_causal_scenario(a, model);
  const int64_t windows = a.get_int("windows", 12), warmup = a.get_int("warmup", 2);
  if (windows <= warmup) throw std::runtime_error("--windows must exceed --warmup");
  const RunInfo info = run_info(a.get("label", ""), a.get("model", DITSTREAM_TINY_MODEL), runtime,
                                scenario, base_settings(a).steps);
  if (scenario == "element") return run_element(a, model, base_options(a, *model), windows);
  std::vector<VariantSummary> table;
  for (const auto& v :
       select_variants(variants(scenario, base_options(a, *model), a.get_double("step-cache", 0.1)),
                       a.get("variants", ""))) {
    const auto samples = run_variant(v, scenario, model, windows, [&](const WindowSample& w) {
      if (!a.get("json", "").empty()) append_json_lines(a.get("json", ""), info, {w});
    });
    table.push_back(summarise(v.name, samples, warmup));
  }
  std::cout << markdown_table(info, table);
  return 0;
}

}  // namespace
}  // namespace ditstream::bench

int main(int argc, char** argv) {
  return ditstream::bench::run_main("ditstream-bench", argc, argv, ditstream::bench::run);
}
