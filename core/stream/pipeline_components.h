#pragma once
// Everything a CogVideoX pipeline folder holds, loaded once and shared by windows and streams.

#include "core/io/model_folder.h"
#include "core/sampling/scheduler_config.h"
#include "core/stream/runtime_options.h"

#include <filesystem>
#include <memory>

namespace ditstream {

class CogVideoXTransformer3DModel;
class AutoencoderKLCogVideoX;
class T5EncoderModel;
class T5Tokenizer;

struct PipelineComponents {
  ModelFolder folder;
  RuntimeOptions runtime;
  SchedulerConfig scheduler;
  std::shared_ptr<CogVideoXTransformer3DModel> transformer;
  std::shared_ptr<AutoencoderKLCogVideoX> vae;
  std::shared_ptr<T5EncoderModel> text_encoder;  // null when the folder has none
  std::shared_ptr<T5Tokenizer> tokenizer;        // null when the folder has none
};

// Loads every component model_index.json names; errors name the component and file at fault.
std::shared_ptr<PipelineComponents> load_pipeline_components(const std::filesystem::path& root,
                                                             const RuntimeOptions& runtime);

}  // namespace ditstream
