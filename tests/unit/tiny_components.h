#pragma once
// The embedded tiny CogVideoX model's components on the CPU in fp32, loaded once per test binary.

#include "core/stream/causal_generator.h"
#include "core/stream/pipeline_components.h"
#include "core/stream/runtime_options.h"
#include "core/stream/stream_generator.h"
#include "core/stream/window_pipeline.h"
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

// A guided tiny-Wan window of 3 latent frames at 4 x 6 latent pixels, 2 steps.
inline WindowOptions small_wan_window() {
  WindowOptions o;
  o.prompt = "a red circle moving right";
  o.steps = 2;
  o.guidance = 5.0;
  o.latent_frames = 3;
  o.latent_height = 4;
  o.latent_width = 6;
  return o;
}

// A guided tiny-Wan stream of 3-frame windows (overlap 1) at 4 x 6 latent pixels, 3 steps.
inline StreamOptions small_wan_stream() {
  StreamOptions o;
  o.steps = 3;
  o.seed = 3;
  o.guidance.scale = 5.0;
  o.latent_frames = 3;
  o.overlap = 1;
  o.latent_height = 4;
  o.latent_width = 6;
  return o;
}

// The causal generator on tiny-Wan in small: chunks of 2, window 5 with a sink of 1, 4 x 6.
inline CausalOptions small_causal_options() {
  CausalOptions o;
  o.chunk_frames = 2;
  o.window_frames = 5;
  o.sink_frames = 1;
  o.latent_height = 4;
  o.latent_width = 6;
  o.seed = 5;
  return o;
}

}  // namespace ditstream::testing
