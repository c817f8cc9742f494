#pragma once
// Loading the model folder the `model`, `device` and `dtype` properties name (in start()).

#include "gst-plugin/src_settings.h"

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace ditstream {

struct PipelineComponents;

struct LoadedModel {
  std::shared_ptr<const PipelineComponents> components;
  int width = 0;  // video frame size the model generates
  int height = 0;
};

class ModelLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ModelLoadError whose message names the folder and what is wrong with it.
LoadedModel load_model(const SrcSettings& settings);

}  // namespace ditstream
