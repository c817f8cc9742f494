#include "core/session/loaded_model.h"

#include "core/session/model_location.h"
#include "core/session/parallel_ranks.h"
#include "core/stream/pipeline_components.h"

#include <filesystem>
#include <stdexcept>

namespace ditstream {

LoadedModel load_model(const SessionSettings& requested) {
  SessionSettings settings = requested;
  try {
    settings.model = resolve_model_folder(requested.model);
  } catch (const std::runtime_error& e) {
    throw ResourceError(e.what(), true);
  }
  const std::filesystem::path folder = settings.model;
  if (std::filesystem::exists(folder) && !std::filesystem::is_directory(folder))
    throw ResourceError("model '" + settings.model + "' is a file, not a model folder", false);
  if (!std::filesystem::is_directory(folder))
    throw ResourceError("model folder '" + settings.model + "' does not exist", true);
  auto runtime = parse_runtime_options(settings.device, settings.dtype);
  runtime.transformer_checkpoint = settings.transformer_checkpoint;
  std::shared_ptr<const PipelineComponents> components;
  try {
    components = load_pipeline_components(folder, runtime);
  } catch (const std::exception& e) {
    throw ResourceError("cannot load model folder '" + settings.model + "': " + e.what(), false);
  }
  if (!components->text)
    throw ResourceError("model folder '" + settings.model +
                            "' has no text_encoder or tokenizer: a stream needs both",
                        false);
  return loaded_model(with_parallel_ranks(std::move(components), settings), settings);
}

namespace {

int frame_size(int requested, int64_t latent_default, const ModelGeometry& g, const char* name) {
  if (requested == 0) return static_cast<int>(latent_default * g.spatial_compression);
  const int64_t unit = g.spatial_compression * g.patch_size;
  if (requested < 0 || requested % unit != 0)
    throw std::runtime_error(std::string(name) + " " + std::to_string(requested) +
                             " is not a positive multiple of " + std::to_string(unit) +
                             " (the model's latent grid)");
  return requested;
}

}  // namespace

LoadedModel loaded_model(std::shared_ptr<const PipelineComponents> components,
                         const SessionSettings& settings) {
  const auto& g = components->geometry();
  const int width = frame_size(settings.width, g.latent_width, g, "width");
  const int height = frame_size(settings.height, g.latent_height, g, "height");
  const int fps = static_cast<int>(g.frame_rate);
  return {std::move(components), width, height, fps};
}

}  // namespace ditstream
