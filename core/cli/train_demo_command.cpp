// train-demo: reproduces the embedded demo model (a CogVideoX trained on the shapes world) from
// its recipe and seed; resumable (run it again after an interruption).
#include "core/cli/arguments.h"
#include "core/cli/commands.h"
#include "core/stream/runtime_options.h"
#include "core/training/demo_training.h"

#include <torch/torch.h>

#include <cstdio>

namespace ditstream::cli {

int train_demo_command(const std::vector<std::string>& args) {
  const Arguments a(
      args, {"help"},
      {"recipe", "seed", "threads", "vae-steps", "transformer-steps", "clips", "batch", "device"});
  if (a.flag("help")) {
    std::puts(
        "usage: ditstream train-demo OUT_DIR [--recipe v1|v2 (v1)] [--seed N (1)] [--threads N]\n"
        "       [--vae-steps N] [--transformer-steps N] [--clips N] [--batch N]\n"
        "       [--device cpu|cuda (cpu)]\n"
        "Trains the shapes-world demo model into OUT_DIR (checkpoints in OUT_DIR/work; run again\n"
        "to resume; components already in OUT_DIR are kept). v1: the embedded model; v2: the\n"
        "endless 96x64 world, trained in stages. The step options shorten the recipe, for tests.");
    return 0;
  }
  const std::string version = a.get("recipe", "v1");
  if (version != "v1" && version != "v2")
    throw std::invalid_argument("--recipe: expected v1 or v2, got '" + version + "'");
  DemoRecipe recipe = version == "v2" ? demo_recipe_v2() : demo_recipe();
  recipe.seed = static_cast<uint64_t>(a.get_int("seed", 1));
  recipe.vae_training.steps = a.get_int("vae-steps", recipe.vae_training.steps);
  recipe.transformer_training.steps =
      a.get_int("transformer-steps", recipe.transformer_training.steps);
  recipe.transformer_training.batch = a.get_int("batch", recipe.transformer_training.batch);
  recipe.dataset_clips = a.get_int("clips", recipe.dataset_clips);
  recipe.device = parse_runtime_options(a.get("device", "cpu"), "fp32").device;
  if (a.get_int("threads", 0) > 0)
    torch::set_num_threads(static_cast<int>(a.get_int("threads", 0)));
  const std::filesystem::path out = a.positional(0, "OUT_DIR");
  train_demo_model(out, recipe);
  std::printf("wrote the demo model to %s\n", out.c_str());
  return 0;
}

}  // namespace ditstream::cli
