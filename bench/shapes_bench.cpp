// ditstream-shapesbench: ShapesBench, the analytic counterpart of DiTCtrl's MPVBench for a model
// trained on the shapes world (core/shapes): prompt following of single windows, and prompt
// changes of one attribute through the stream generator and the offline renderer, all scored
// from the pixels (core/shapes/shapes_scorer.h). Writes OUT/shapesbench.md, one JSON line per
// render to OUT/shapesbench.jsonl and OUT/contact_sheet.png.
#include "bench/bench_report.h"
#include "bench/shapes_bench_long.h"
#include "bench/shapes_bench_pairs.h"
#include "bench/shapes_bench_render.h"
#include "bench/shapes_bench_report.h"
#include "bench/shapes_bench_signal.h"
#include "core/cli/arguments.h"
#include "core/control/window_layout.h"
#include "core/model/cogvideox/transformer.h"
#include "core/model/cogvideox/vae_decoder.h"
#include "core/model/cogvideox/video_postprocess.h"
#include "core/model/video_frames.h"
#include "core/session/stream_settings.h"
#include "core/training/shapes_data.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>

namespace ditstream::bench {
namespace {

constexpr const char* kHelp =
    "usage: ditstream-shapesbench --model DIR [options]\n"
    "  --out DIR (default bench/out/shapesbench)  --pairs N (default 50)  --captions N (48)\n"
    "  --seed N (7)  --steps N (20)  --sampler ddim|dpm|dpmpp-2m-sde (ddim)\n"
    "  --overlap O (default: half the window's latent frames)\n"
    "  --step-cache T (default 0: off): the deferred stream variants with a First-Block cache\n"
    "  --anchor off|first-frame|first-window  --anchor-strength S  --long-blend "
    "deferred|randomized\n"
    "            the long streams' anchor memory and blend mode (default off, 0, deferred)\n"
    "  --motion-speed V|caption (0: off): the long streams' motion control, V latent pixels per\n"
    "            latent frame (caption: the caption's own speed in the model's world) along each\n"
    "            caption's direction, and its measured accuracy;\n"
    "            --motion-steps F (0.5): the fraction of each window's steps it steers;\n"
    "            --motion-noise S (0): the share of the start noise moved with it;\n"
    "            --motion-reframe 1|0 (1): each window in a frame that follows the motion;\n"
    "            --motion-turn N (0): ask N quarter turns clockwise from the caption's direction\n"
    "  --pair-variants LIST  only these pair variants, comma-separated, named with '-' for\n"
    "            spaces (e.g. stream-kv-on-cut,stream-kv-on-deferred; default all)\n"
    "  --long-streams N (16)  --long-windows W (100): N held-out captions streamed alone for W\n"
    "            windows each, every window scored (0: skip); --long-first K (0): start at the\n"
    "            K-th of the shuffled captions, so runs of K=0 and K=N together are one of 2N\n"
    "  --threads N  --device cpu|cuda  --dtype fp32|bf16|fp16\n"
    "  --quick   4 pairs (one per change type), 4 captions, 2 long streams of 4 windows and 4\n"
    "            steps (unless --steps), for a smoke test\n";

constexpr int64_t kQuickCount = 4;
constexpr int64_t kQuickSteps = 4;
constexpr int64_t kContactColumns = 8;
constexpr int64_t kQuickLongStreams = 2;
constexpr int64_t kQuickLongWindows = 4;
constexpr size_t kLongSheetRows = 4;

using BlendMode = StreamOptions::BlendMode;

struct Settings {
  std::string model, out;
  std::string sampler;
  int64_t pairs = 0, captions = 0, seed = 0, steps = 0, overlap = 0;
  int64_t long_streams = 0, long_windows = 0, long_first = 0;
  double step_cache = 0.0;              // for the deferred stream variants
  AnchorMode anchor = AnchorMode::Off;  // for the long streams
  double anchor_strength = 0.0;
  BlendMode long_blend = BlendMode::Deferred;
  double motion_speed = 0.0;  // long streams: motion control along the caption's direction
  bool motion_at_caption_speed = false;  // ... at the caption's speed instead
  double motion_steps = 0.0;             // the fraction of steps it steers
  double motion_noise = 0.0;             // the share of the start noise moved with it
  bool motion_reframe = true;            // each window in a frame that follows the motion
  int motion_turn = 0;                   // quarter turns from the caption's direction
};

struct StreamVariant {
  std::string name;
  bool kv_sharing;
  BlendMode blend;
  bool on_contact_sheet;
  bool cut = false;  // B starts as a shot cut
};
const std::vector<StreamVariant> kStreamVariants = {
    {"stream kv-on deferred", true, BlendMode::Deferred, true},
    {"stream kv-on blend-off", true, BlendMode::Off, false},
    {"stream kv-off deferred", false, BlendMode::Deferred, false},
    {"stream kv-off blend-off", false, BlendMode::Off, true},
    {"stream kv-on randomized", true, BlendMode::Randomized, false},
    {"stream kv-on cut", true, BlendMode::Deferred, true, true}};
const std::vector<std::pair<std::string, bool>> kOfflineVariants = {{"offline kv-on", true},
                                                                    {"offline kv-off", false}};

struct Bench {
  Settings settings;
  std::vector<StreamVariant> stream_variants;  // the selected ones
  std::vector<std::pair<std::string, bool>> offline_variants;
  std::shared_ptr<const PipelineComponents> model;
  OfflineRenderer renderer;
  std::ofstream jsonl;
};

Settings parse_settings(const cli::Arguments& a, const PipelineComponents& model) {
  Settings s;
  s.model = a.get("model", "");
  s.out = a.get("out", "bench/out/shapesbench");
  const int64_t quick = a.flag("quick") ? kQuickCount : std::numeric_limits<int64_t>::max();
  s.pairs = std::min(quick, static_cast<int64_t>(a.get_int("pairs", 50)));
  s.captions = std::min(quick, static_cast<int64_t>(a.get_int("captions", 48)));
  s.long_streams = a.get_int("long-streams", a.flag("quick") ? kQuickLongStreams : 16);
  s.long_windows = a.get_int("long-windows", a.flag("quick") ? kQuickLongWindows : 100);
  s.long_first = a.get_int("long-first", 0);
  s.seed = a.get_int("seed", 7);
  s.sampler = a.get("sampler", "ddim");
  s.steps = a.get_int("steps", a.flag("quick") ? kQuickSteps : 20);
  s.overlap = resolve_overlap(a.get_int("overlap", kAutoOverlap), model.geometry().latent_frames);
  s.step_cache = a.get_double("step-cache", 0.0);
  s.anchor = parse_anchor_mode(a.get("anchor", "off"));
  s.anchor_strength = a.get_double("anchor-strength", 0.0);
  s.long_blend = parse_blend_mode(a.get("long-blend", "deferred"));
  s.motion_at_caption_speed = a.get("motion-speed", "") == "caption";
  s.motion_speed = s.motion_at_caption_speed ? 0.0 : a.get_double("motion-speed", 0.0);
  s.motion_steps = a.get_double("motion-steps", LatentMotion{}.steps);
  s.motion_noise = a.get_double("motion-noise", LatentMotion{}.noise);
  s.motion_reframe = a.get_int("motion-reframe", LatentMotion{}.reframe) != 0;
  s.motion_turn = static_cast<int>(a.get_int("motion-turn", 0));
  if (s.steps < 1) throw std::runtime_error("--steps must be at least 1");
  const auto captions = static_cast<int64_t>(heldout_specs().size());
  if (s.long_first < 0 || s.long_streams < 0 || s.long_first + s.long_streams > captions)
    throw std::runtime_error("--long-first + --long-streams must be in [0, " +
                             std::to_string(captions) + "] (the held-out captions)");
  return s;
}

OfflineOptions offline_options(const Settings& s, int64_t seed, bool kv_sharing) {
  OfflineOptions o;
  o.overlap = s.overlap;
  o.steps = s.steps;
  o.sampler = s.sampler;
  o.seed = seed;
  o.kv_sharing = kv_sharing;
  return o;
}

// The element's defaults (SessionSettings) with this bench's choices; the variant sets the two
// axes it measures.
StreamOptions stream_options(const Bench& bench, int64_t seed, const StreamVariant& v) {
  const Settings& s = bench.settings;
  SessionSettings base;
  base.overlap = static_cast<int>(s.overlap);
  base.steps = static_cast<int>(s.steps);
  base.sampler = parse_sampler_choice(s.sampler);
  base.seed = seed;
  auto o = to_stream_options(base, *bench.model);
  o.kv_sharing = v.kv_sharing;
  o.blend = v.blend;
  if (v.blend != BlendMode::Off) o.step_cache = s.step_cache;
  return o;
}

// The variants named in `list` ("stream-kv-on-cut,..."; empty: all); throws for unknown names.
template <typename Variant, typename Name>
std::vector<Variant> select_variants(const std::vector<Variant>& all, const std::string& list,
                                     Name name_of, size_t* matched) {
  std::vector<Variant> chosen;
  for (const auto& v : all) {
    std::string key = name_of(v);
    std::replace(key.begin(), key.end(), ' ', '-');
    if (list.empty() || ("," + list + ",").find("," + key + ",") != std::string::npos)
      chosen.push_back(v), ++*matched;
  }
  return chosen;
}

void choose_variants(Bench& bench, const std::string& list) {
  size_t matched = 0;
  bench.stream_variants = select_variants(
      kStreamVariants, list, [](const StreamVariant& v) { return v.name; }, &matched);
  bench.offline_variants = select_variants(
      kOfflineVariants, list, [](const auto& v) { return v.first; }, &matched);
  if (!list.empty() && matched != size_t(std::count(list.begin(), list.end(), ',') + 1))
    throw std::runtime_error("--pair-variants " + list + ": unknown variant name");
}

void progress(const char* what, int64_t i, int64_t n) {
  std::fprintf(stderr, "%s %lld/%lld\n", what, static_cast<long long>(i + 1),
               static_cast<long long>(n));
}

// The shapes world the model was trained on, at its size, one window long.
WorldGeometry model_world(const Bench& bench) {
  const auto& m = bench.model->geometry();
  WorldGeometry g;
  g.height = m.latent_height * m.spatial_compression;
  g.width = m.latent_width * m.spatial_compression;
  g.frames = (m.latent_frames - 1) * m.temporal_compression + 1;
  return read_world(bench.settings.model, g);
}

// The ceiling: ground-truth clips of the captions through the VAE (encode, decode), scored like
// generated ones. Empty when the model folder has no encoder weights.
std::optional<FollowingRow> vae_ceiling(const Bench& bench, const std::vector<ClipSpec>& specs) {
  std::shared_ptr<AutoencoderKLCogVideoX> vae;
  try {
    vae = load_vae(std::filesystem::path(bench.settings.model) / "vae",
                   bench.model->runtime.tensor_options(), true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "no VAE ceiling: %s\n", e.what());
    return std::nullopt;
  }
  torch::NoGradGuard no_grad;
  const WorldGeometry world = model_world(bench);
  FollowingRow row{"VAE reconstruction of the true clip (ceiling)", {}, {}};
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto clip = render_clip(place_clip(specs[i], bench.settings.seed + i, world), world);
    const auto x = to_model_video(clip).unsqueeze(0).to(bench.model->runtime.tensor_options());
    const auto z = vae->encode(x).mean * vae->config().scaling_factor;
    const auto decoded = decode_latents(*vae, z.permute({0, 2, 1, 3, 4}));
    const auto frames = to_uint8_rgb(postprocess_video(decoded))[0].cpu();
    const auto reading = read_clip(frames);
    row.scores.push_back(score_reading(reading, specs[i]));
    row.motion.push_back(motion_along_caption(reading, specs[i], world));
  }
  return row;
}

// Each caption rendered as one window, and the same seed with the empty prompt (unconditional).
std::vector<FollowingRow> run_prompt_following(Bench& bench) {
  const auto& s = bench.settings;
  const auto specs = sample_single_shape_specs(s.captions, static_cast<uint64_t>(s.seed));
  const WorldGeometry world = model_world(bench);
  std::vector<FollowingRow> rows{{"conditional", {}, {}}, {"unconditional (empty prompt)", {}, {}}};
  for (size_t i = 0; i < specs.size(); ++i) {
    progress("caption", static_cast<int64_t>(i), s.captions);
    const int64_t seed = s.seed + static_cast<int64_t>(i);
    const std::string prompts[] = {caption(specs[i]), ""};
    for (size_t r = 0; r < rows.size(); ++r) {
      const auto frames = render_window(bench.renderer, prompts[r], offline_options(s, seed, true));
      const auto reading = read_clip(frames);
      rows[r].scores.push_back(score_reading(reading, specs[i]));
      rows[r].motion.push_back(motion_along_caption(reading, specs[i], world));
      bench.jsonl << following_json(rows[r].name, specs[i], seed, rows[r].scores.back(), reading)
                  << "\n";
    }
  }
  if (auto ceiling = vae_ceiling(bench, specs)) rows.push_back(std::move(*ceiling));
  return rows;
}

// The caption words' training signal on the prompt-following captions (shapes_bench_signal.h);
// empty when the folder has no VAE encoder.
std::string run_caption_signal(const Bench& bench) {
  const auto specs = sample_single_shape_specs(bench.settings.captions,
                                               static_cast<uint64_t>(bench.settings.seed));
  try {
    return signal_table(caption_signal(bench.settings.model, *bench.model, specs,
                                       model_world(bench), bench.settings.seed)) +
           "\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "no caption signal: %s\n", e.what());
    return "";
  }
}

// Renders `pair` with every variant (same seed), appending to `rows` (one per variant) and, for
// the first pair of each change type, to the contact sheet.
void run_pair(Bench& bench, const PromptPair& pair, std::vector<TransitionRow>& rows,
              std::vector<torch::Tensor>& sheet) {
  const auto& s = bench.settings;
  const int64_t seed = s.seed + pair.id;
  const auto a = caption(pair.a), b = caption(pair.b);
  const bool sheet_pair = pair.id < kChangeTypes;
  const auto record = [&](size_t row, const TransitionVideo& video) {
    rows[row].scores.push_back(score_transition(video, pair));
    bench.jsonl << transition_json(rows[row].variant, pair, seed, rows[row].scores.back()) << "\n";
  };
  for (size_t v = 0; v < bench.stream_variants.size(); ++v) {
    const auto& variant = bench.stream_variants[v];
    const auto video =
        render_stream(bench.model, stream_options(bench, seed, variant), a, b, variant.cut);
    record(v, video);
    if (sheet_pair && variant.on_contact_sheet)
      sheet.push_back(contact_row(video, kContactColumns));
  }
  for (size_t v = 0; v < bench.offline_variants.size(); ++v)
    record(bench.stream_variants.size() + v,
           render_offline(bench.renderer, *bench.model,
                          offline_options(s, seed, bench.offline_variants[v].second), a, b));
}

std::vector<TransitionRow> run_transitions(Bench& bench, std::vector<torch::Tensor>& sheet) {
  std::vector<TransitionRow> rows;
  for (const auto& v : bench.stream_variants) rows.push_back({v.name, {}});
  for (const auto& v : bench.offline_variants) rows.push_back({v.first, {}});
  const auto& s = bench.settings;
  const auto pairs = sample_prompt_pairs(s.pairs, static_cast<uint64_t>(s.seed));
  for (const auto& pair : pairs) {
    progress("pair", pair.id, s.pairs);
    run_pair(bench, pair, rows, sheet);
  }
  return rows;
}

// Held-out captions streamed alone (default stream options), every window scored.
std::vector<LongStream> run_long_streams(Bench& bench) {
  const auto& s = bench.settings;
  const auto specs =
      sample_single_shape_specs(s.long_first + s.long_streams, static_cast<uint64_t>(s.seed));
  const WorldGeometry world = model_world(bench);
  std::vector<LongStream> streams;
  const StreamVariant plain{"long stream", true, s.long_blend, false};
  for (size_t i = static_cast<size_t>(s.long_first); i < specs.size(); ++i) {
    auto options = stream_options(bench, s.seed + static_cast<int64_t>(i), plain);
    options.anchor.mode = s.anchor;
    options.anchor.strength = s.anchor_strength;
    // --motion-speed caption: the caption's own speed in the model's world.
    const double speed = s.motion_at_caption_speed ? world.speed_of(specs[i].shapes.at(0).speed) /
                                                         video_pixels_per_latent_step(*bench.model)
                                                   : s.motion_speed;
    options.motion = motion_along(specs[i], speed, s.motion_turn);
    options.motion.steps = s.motion_steps;
    options.motion.noise = s.motion_noise;
    options.motion.reframe = s.motion_reframe;
    streams.push_back(run_long_stream(bench.model, options, specs[i], s.long_windows));
    bench.jsonl << long_stream_json(streams.back()) << "\n";
  }
  return streams;
}

std::string report_header(const Settings& s, const RunInfo& info) {
  return "ShapesBench: model `" + info.model + "`, " + info.device + " " + info.dtype + ", " +
         std::to_string(info.threads) + " threads, libtorch " + info.torch_version + ", " +
         std::to_string(info.steps) + " " + s.sampler + " steps, overlap " +
         std::to_string(s.overlap) + ", seed " + std::to_string(s.seed) + ", step cache " +
         std::to_string(s.step_cache) + ", long streams: " + blend_mode_name(s.long_blend) +
         ", anchor " + anchor_mode_name(s.anchor) + " (strength " +
         std::to_string(s.anchor_strength) + "), " + std::to_string(s.pairs) + " pairs, " +
         std::to_string(s.captions) + " captions\n\n";
}

int run(const std::vector<std::string>& args) {
  const cli::Arguments a(
      args, {"help", "quick"},
      {"model",           "out",          "pairs",         "captions",     "seed",
       "steps",           "sampler",      "overlap",       "threads",      "device",
       "dtype",           "long-streams", "long-windows",  "step-cache",   "anchor",
       "anchor-strength", "long-blend",   "motion-speed",  "motion-steps", "motion-noise",
       "motion-reframe",  "motion-turn",  "pair-variants", "long-first"});
  if (a.flag("help")) return std::fputs(kHelp, stdout), 0;
  if (a.get("model", "").empty()) throw std::runtime_error("--model DIR is required");
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  const auto runtime = parse_runtime_options(a.get("device", "cpu"), a.get("dtype", "fp32"));
  const auto model = load_pipeline_components(a.get("model", ""), runtime);
  Bench bench{parse_settings(a, *model), {}, {}, model, OfflineRenderer(model), {}};
  choose_variants(bench, a.get("pair-variants", ""));
  const std::filesystem::path out = bench.settings.out;
  std::filesystem::create_directories(out);
  bench.jsonl.open(out / "shapesbench.jsonl", std::ios::trunc);
  if (!bench.jsonl)
    throw std::runtime_error("--out: cannot write " + (out / "shapesbench.jsonl").string());
  std::vector<torch::Tensor> sheet;
  const auto following = run_prompt_following(bench);
  const auto signal = run_caption_signal(bench);
  const auto transitions = run_transitions(bench, sheet);
  auto streams = run_long_streams(bench);
  const auto info =
      run_info("", bench.settings.model, runtime, "shapesbench", bench.settings.steps);
  const auto report = report_header(bench.settings, info) + following_table(following) + "\n" +
                      signal + transitions_table(transitions) + cuts_table(transitions) + "\n" +
                      long_stream_table(streams, all_rate(following.front().scores)) +
                      motion_table(streams);
  std::cout << report;
  std::ofstream(out / "shapesbench.md") << report;
  write_contact_sheet(out / "contact_sheet.png", sheet);
  if (streams.size() > kLongSheetRows) streams.resize(kLongSheetRows);
  write_long_stream_sheet(out / "long_streams.png", streams);
  return 0;
}

}  // namespace
}  // namespace ditstream::bench

int main(int argc, char** argv) {
  return ditstream::bench::run_main("ditstream-shapesbench", argc, argv, ditstream::bench::run);
}
