#pragma once
// The recipe of the embedded demo model and the command that reproduces it: a diffusers-layout
// CogVideoX folder trained on the shapes world. Finished components are kept; the running one
// continues exactly from OUT/training_state/ (the latent dataset is cached in OUT/work/).

#include "core/shapes/shapes_world.h"
#include "core/training/model_recipe.h"
#include "core/training/transformer_training.h"
#include "core/training/vae_training.h"

#include <filesystem>
#include <optional>

namespace ditstream {

inline VaeTrainingOptions decoder_fine_tune() {
  VaeTrainingOptions o;
  o.steps = 0;
  o.decoder_only = true;
  o.seed = 2;  // clips the VAE stage (seed 1) never drew
  return o;
}

struct DemoRecipe {
  WorldGeometry world;  // 48 x 64 px, 25 frames (7 latent frames)
  VaeShape vae;
  TransformerShape transformer;
  T5Shape t5;
  VaeTrainingOptions vae_training;
  // A later stage's fine-tune of the decoder alone (0 steps: none); the encoder, hence the
  // latents the transformer trains on, stays as the VAE stage left it.
  VaeTrainingOptions decoder_training = decoder_fine_tune();
  TransformerTrainingOptions transformer_training;
  int64_t dataset_clips = 3000;              // latent clips the transformer trains on
  int64_t corpus_two_shape_captions = 2000;  // with every one-shape caption, for spm_train
  uint64_t seed = 1;
  torch::Device device = torch::kCPU;  // where the VAE and the transformer train
};

// The first embedded model's recipe (v1, models/shapes-demo/MODEL_CARD.md).
DemoRecipe demo_recipe();
// The embedded model's recipe (v2), trained in stages (models/shapes-demo-v2/): the endless world
// (wrap-around) at 96 x 64 px with shapes 18 px across.
DemoRecipe demo_recipe_v2();

// How much of the recipe one run trains. A budget that runs out ends the run after saving the
// state (out/training_state/) and writing the fp16 weights reached so far.
struct TrainingStage {
  bool resume = false;  // continue an unfinished state (required when one is there)
  std::optional<int64_t> stop_after_steps;
  std::optional<double> stop_after_minutes;
  int threads = 0;  // recorded in the stage table (0: libtorch's default)
};

// Trains every missing component into `out`, writes model_index.json last and
// out/training_summary.json (steps, losses and times per component, and a row per stage). A
// folder with every weight but no tokenizer only gets the tokenizer (how the build completes the
// committed model).
void train_demo_model(const std::filesystem::path& out, const DemoRecipe& recipe,
                      const TrainingStage& stage = {});

}  // namespace ditstream
