#include "core/session/loaded_model.h"

#include "core/model/cogvideox_transformer.h"
#include "core/model/vae_decoder.h"
#include "core/stream/pipeline_components.h"

#include <filesystem>
#include <stdexcept>

namespace ditstream {

LoadedModel load_model(const SessionSettings& settings) {
  const std::filesystem::path folder = settings.model;
  if (!std::filesystem::is_directory(folder))
    throw ResourceError("model folder '" + settings.model + "' does not exist", true);
  const auto runtime = parse_runtime_options(settings.device, settings.dtype);
  std::shared_ptr<const PipelineComponents> components;
  try {
    components = load_pipeline_components(folder, runtime);
  } catch (const std::exception& e) {
    throw ResourceError("cannot load model folder '" + settings.model + "': " + e.what(), false);
  }
  if (!components->text_encoder || !components->tokenizer)
    throw ResourceError("model folder '" + settings.model +
                            "' has no text_encoder or tokenizer: a stream needs both",
                        false);
  return loaded_model(std::move(components));
}

LoadedModel loaded_model(std::shared_ptr<const PipelineComponents> components) {
  const auto& t = components->transformer->config();
  const int64_t scale = components->vae->config().spatial_compression();
  return {components, static_cast<int>(t.sample_width * scale),
          static_cast<int>(t.sample_height * scale)};
}

}  // namespace ditstream
