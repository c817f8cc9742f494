#pragma once
// The training signal behind following a caption word: on held-out clips, encoded and noised at a
// few timesteps, how much the training loss (v-prediction) rises when the caption's direction or
// colour is swapped for another. A word the model uses lowers the loss; ~0 means it is ignored
// (or, at that noise level, cannot help).

#include "core/shapes/shapes_world.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ditstream {
struct PipelineComponents;
}

namespace ditstream::bench {

struct SignalRow {
  int64_t timestep = 0;
  double direction = 0, colour = 0;  // mean loss with the word swapped / with the caption, − 1
};

std::vector<SignalRow> caption_signal(const std::filesystem::path& model_dir,
                                      const PipelineComponents& model,
                                      const std::vector<ClipSpec>& specs,
                                      const WorldGeometry& world, int64_t seed);
std::string signal_table(const std::vector<SignalRow>& rows);

}  // namespace ditstream::bench
