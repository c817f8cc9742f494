#pragma once
// Loading the model folder the `model`, `device` and `dtype` properties name (in start()).

#include "core/session/session_settings.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace ditstream {

struct PipelineComponents;

struct LoadedModel {
  std::shared_ptr<const PipelineComponents> components;
  int width = 0;  // video frame size the model generates
  int height = 0;
  int fps = 8;  // the family's frame rate (n/1): CogVideoX 8, Wan 16
};

// A file or folder the element was pointed at that it cannot use; posted as a RESOURCE error
// (NOT_FOUND when it is missing, READ otherwise).
class ResourceError : public std::runtime_error {
 public:
  ResourceError(const std::string& message, bool missing)
      : std::runtime_error(message), missing(missing) {}
  bool missing;
};

// Throws ResourceError whose message names the folder and what is wrong with it.
LoadedModel load_model(const SessionSettings& settings);
// Components loaded already (the CLI's), with the frame size the settings ask for (0: the model's).
// Throws naming width or height when the size does not fit the model's latent grid.
LoadedModel loaded_model(std::shared_ptr<const PipelineComponents> components,
                         const SessionSettings& settings);

}  // namespace ditstream
