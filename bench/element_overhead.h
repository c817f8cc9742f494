#pragma once
// The element's end-to-end cost against the core generator alone on the same work: W windows of
// the default stream, once through StreamGenerator and once through
// `ditstreamsrc num-buffers=N ! fakesink` (N = the frames those windows produce).

#include "core/stream/stream_generator.h"

#include <string>

namespace ditstream::bench {

struct PathTiming {
  int64_t frames = 0;
  double seconds = 0;  // core: generator construction to the last window; element: PLAYING to EOS
};

PathTiming time_core(std::shared_ptr<const PipelineComponents> model, const StreamOptions& options,
                     int64_t windows);
std::string overhead_table(const PathTiming& core, const PathTiming& element,
                           const std::string& launch);

}  // namespace ditstream::bench
