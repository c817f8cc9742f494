#pragma once
// Everything a pipeline folder holds (CogVideoX or Wan2.1), loaded once and shared by windows and
// streams, behind family-agnostic interfaces.

#include "core/io/model_folder.h"
#include "core/model/video_transformer.h"
#include "core/model/video_vae.h"
#include "core/parallel/forward_call.h"
#include "core/sampling/sampler_factory.h"
#include "core/stream/runtime_options.h"
#include "core/stream/sampling_defaults.h"

#include <filesystem>
#include <memory>
#include <string>

namespace ditstream {

class PromptEncoder;

struct PipelineComponents {
  ModelFolder folder;
  RuntimeOptions runtime;
  std::shared_ptr<const SamplerFactory> samplers;
  std::shared_ptr<const VideoTransformer> transformer;
  std::shared_ptr<const VideoVae> vae;
  std::shared_ptr<const PromptEncoder> text;  // null when the folder has no text encoder
  SamplingDefaults defaults;                  // what "auto" settings resolve to
  // Where the windowed generator's forwards run; null: all in this process.
  std::shared_ptr<const ForwardExecutor> forwards;

  const ModelGeometry& geometry() const { return transformer->geometry(); }
};

// The components' executor, or one that runs every forward here.
std::shared_ptr<const ForwardExecutor> forward_executor(const PipelineComponents& components);

// DiTCtrl's sampler for the folder: dpmpp-2m-sde on the discrete schedules (the paper's), the
// folder's own under flow matching.
std::string ditctrl_sampler(const PipelineComponents& components);

// The family named by model_index.json's _class_name: "CogVideoXPipeline" or "WanPipeline".
// Loads every component it names; errors name the component and file at fault.
std::shared_ptr<PipelineComponents> load_pipeline_components(const std::filesystem::path& root,
                                                             const RuntimeOptions& runtime);

}  // namespace ditstream
