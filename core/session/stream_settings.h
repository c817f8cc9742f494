#pragma once
// Property values -> the core's StreamOptions (mirrors the CLI's `render --mode stream`).

#include "core/session/session_settings.h"
#include "core/stream/stream_generator.h"

#include <string>

namespace ditstream {

// What the "auto" sampler means for the model: its ditstream.json's, else its scheduler folder's.
std::string auto_sampler(const PipelineComponents& model);

// The model resolves what depends on it: the "auto" sampler, the kv-sharing-layers bound.
StreamOptions to_stream_options(const SessionSettings& settings, const PipelineComponents& model);

}  // namespace ditstream
