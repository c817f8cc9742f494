#pragma once
// The embedded tiny CogVideoX model's components on the CPU in fp32, loaded once per test binary.

#include "core/stream/pipeline_components.h"
#include "core/stream/runtime_options.h"
#include "test_support.h"

#include <memory>

namespace ditstream::testing {

inline std::shared_ptr<const PipelineComponents> tiny_components() {
  static const std::shared_ptr<const PipelineComponents> components =
      load_pipeline_components(tiny_model_dir(), parse_runtime_options("cpu", "fp32"));
  return components;
}

// The tiny random Wan2.1 folder's, likewise.
inline std::shared_ptr<const PipelineComponents> tiny_wan_components() {
  static const std::shared_ptr<const PipelineComponents> components =
      load_pipeline_components(tiny_wan_model_dir(), parse_runtime_options("cpu", "fp32"));
  return components;
}

}  // namespace ditstream::testing
