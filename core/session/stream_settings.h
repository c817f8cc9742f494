#pragma once
// Property values -> the core's StreamOptions (mirrors the CLI's `render --mode stream`).

#include "core/session/session_settings.h"
#include "core/stream/causal_generator.h"
#include "core/stream/stream_generator.h"

#include <string>

namespace ditstream {

// What the "auto" sampler means for the model: its ditstream.json's, else its scheduler folder's.
std::string auto_sampler(const PipelineComponents& model);

// The model resolves what depends on it: the "auto" sampler, the kv-sharing-layers bound.
StreamOptions to_stream_options(const SessionSettings& settings, const PipelineComponents& model);
// Whether the settings' generator is the causal one (generator=auto picks it for causal
// checkpoints).
bool runs_causal(const SessionSettings& settings, const PipelineComponents& model);
// The checkpoint's causal settings with the session's seed, size and switch method.
CausalOptions to_causal_options(const SessionSettings& settings, const PipelineComponents& model);
// The generator the settings ask for; throws naming the field when they do not fit the model.
std::unique_ptr<FrameGenerator> make_frame_generator(
    const SessionSettings& settings, std::shared_ptr<const PipelineComponents> model,
    std::shared_ptr<PromptTimeline> timeline);

}  // namespace ditstream
