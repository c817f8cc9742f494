#pragma once
// Property values -> the core's StreamOptions (mirrors the CLI's `render --mode stream`).

#include "core/session/session_settings.h"
#include "core/stream/stream_generator.h"

namespace ditstream {

// num_layers: the transformer's block count (bounds the kv-sharing-layers range).
StreamOptions to_stream_options(const SessionSettings& settings, int64_t num_layers);

}  // namespace ditstream
