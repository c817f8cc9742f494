// train-demo: reproduces the embedded demo model (a CogVideoX trained on the shapes world) from
// its recipe and seed; resumable (run it again after an interruption).
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/stream/runtime_options.h"
#include "core/training/demo_training.h"

#include <torch/torch.h>

#include <cstdio>

namespace ditstream::cli {

namespace {

void set_speeds(WorldGeometry& world, const std::string& text) {
  const auto comma = text.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    world.slow = std::stod(text.substr(0, comma));
    world.fast = std::stod(text.substr(comma + 1));
  } catch (const std::exception&) {
    throw std::invalid_argument("--speeds: expected SLOW,FAST in pixels per frame, got '" + text +
                                "'");
  }
  if (!(world.slow > 0 && world.fast > world.slow))
    throw std::invalid_argument("--speeds: expected 0 < SLOW < FAST, got '" + text + "'");
}

}  // namespace

int train_demo_command(const std::vector<std::string>& args) {
  const Arguments a(args, {"help", "resume", "rotary"},
                    {"recipe", "seed", "threads", "vae-steps", "decoder-steps", "transformer-steps",
                     "clips", "batch", "motion-weight", "start-cue", "speeds", "device",
                     "stop-after-minutes", "stop-after-steps"});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream train-demo OUT_DIR [--recipe v1|v2 (v1)] [--seed N (1)] [--threads N]\n"
        "       [--vae-steps N] [--decoder-steps N] [--transformer-steps N] [--clips N]\n"
        "       [--batch N]"
        " [--motion-weight W] [--start-cue SHARE] [--speeds SLOW,FAST] [--rotary]\n"
        "       [--device cpu|cuda (cpu)] [--resume]\n"
        "       [--stop-after-minutes M] [--stop-after-steps N]\n"
        "Trains the shapes-world demo model into OUT_DIR; components already there are kept.\n"
        "v1: the embedded model; v2: the endless 96x64 world, trained in stages. A stage stops\n"
        "after M minutes or N steps of training, saves the exact state in OUT_DIR/training_state\n"
        "(files under 5 MB) and writes the fp16 weights reached; --resume goes on from it as if\n"
        "never interrupted (same --threads for bit-identical results). The step options shorten\n"
        "the recipe, for tests; a larger --transformer-steps with --resume continues a finished\n"
        "stage (fine-tuning, e.g. with another --motion-weight). --start-cue: the share of v2's\n"
        "clips placed as in v1, whole path in frame; --speeds: the objects' speeds in pixels per\n"
        "frame (v1 0.6,1.2; v2 0.9,1.8). Both make a new dataset: use a fresh OUT_DIR/work.\n"
        "--decoder-steps: after the VAE, fine-tune its decoder alone for N steps (encoder\n"
        "frozen, so a transformer trained on its latents stays valid; resumable like the rest).\n"
        "--rotary: the transformer attends with CogVideoX-5B's 3D RoPE (relative positions)\n"
        "instead of 2B's sincos embeddings (absolute ones).");
    return 0;
  }
  const std::string version = a.get("recipe", "v1");
  if (version != "v1" && version != "v2")
    throw std::invalid_argument("--recipe: expected v1 or v2, got '" + version + "'");
  DemoRecipe recipe = version == "v2" ? demo_recipe_v2() : demo_recipe();
  recipe.seed = static_cast<uint64_t>(a.get_int("seed", 1));
  recipe.vae_training.steps = a.get_int("vae-steps", recipe.vae_training.steps);
  recipe.decoder_training.steps = a.get_int("decoder-steps", recipe.decoder_training.steps);
  recipe.transformer_training.steps =
      a.get_int("transformer-steps", recipe.transformer_training.steps);
  recipe.transformer_training.batch = a.get_int("batch", recipe.transformer_training.batch);
  recipe.transformer_training.motion_weight =
      a.get_double("motion-weight", recipe.transformer_training.motion_weight);
  recipe.world.start_cue = a.get_double("start-cue", recipe.world.start_cue);
  if (a.has("speeds")) set_speeds(recipe.world, a.get("speeds", ""));
  if (a.flag("rotary")) recipe.transformer.rotary = true;
  recipe.dataset_clips = a.get_int("clips", recipe.dataset_clips);
  recipe.device = parse_runtime_options(a.get("device", "cpu"), "fp32").device;
  TrainingStage stage;
  stage.resume = a.flag("resume");
  if (a.has("stop-after-steps")) stage.stop_after_steps = a.get_int("stop-after-steps", 0);
  if (a.has("stop-after-minutes"))
    stage.stop_after_minutes = a.get_double("stop-after-minutes", 0.0);
  if (stage.stop_after_steps.value_or(1) <= 0 || stage.stop_after_minutes.value_or(1.0) <= 0.0)
    throw std::invalid_argument("--stop-after-steps / --stop-after-minutes: expected > 0");
  stage.threads = static_cast<int>(a.get_int("threads", 0));
  if (stage.threads > 0) torch::set_num_threads(stage.threads);
  const std::filesystem::path out = a.positional(0, "OUT_DIR");
  train_demo_model(out, recipe, stage);
  std::printf("wrote the demo model to %s\n", out.c_str());
  return 0;
}

}  // namespace ditstream::cli
