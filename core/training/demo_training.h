#pragma once
// The recipe of the embedded demo model and the command that reproduces it: a diffusers-layout
// CogVideoX folder trained on the shapes world. Every stage is resumable: finished components are
// kept, the running one continues from OUT/work/ checkpoints.

#include "core/shapes/shapes_world.h"
#include "core/training/model_recipe.h"
#include "core/training/transformer_training.h"
#include "core/training/vae_training.h"

#include <filesystem>

namespace ditstream {

struct DemoRecipe {
  WorldGeometry world;  // 48 x 64 px, 25 frames (7 latent frames)
  VaeShape vae;
  TransformerShape transformer;
  T5Shape t5;
  VaeTrainingOptions vae_training;
  TransformerTrainingOptions transformer_training;
  int64_t dataset_clips = 3000;              // latent clips the transformer trains on
  int64_t corpus_two_shape_captions = 2000;  // with every one-shape caption, for spm_train
  uint64_t seed = 1;
  torch::Device device = torch::kCPU;  // where the VAE and the transformer train
};

// The committed model's recipe (models/shapes-demo/MODEL_CARD.md).
DemoRecipe demo_recipe();
// The shapes-demo v2 recipe, trained in stages (models/shapes-demo-v2/): the endless world
// (wrap-around) at 96 x 64 px with shapes 18 px across.
DemoRecipe demo_recipe_v2();

// Trains every missing component into `out`, writes model_index.json last and
// out/training_summary.json (steps, losses and times per stage). A folder with every weight but
// no tokenizer only gets the tokenizer (how the build completes the committed model).
void train_demo_model(const std::filesystem::path& out, const DemoRecipe& recipe);

}  // namespace ditstream
