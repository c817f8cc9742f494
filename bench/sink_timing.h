#pragma once
// A pipeline's output as its sink sees it: `<launch> ! fakesink sync=false` run to EOS, with the
// time from the PLAYING request to the first buffer and the sustained rate after it.

#include <cstdint>
#include <string>

namespace ditstream::bench {

struct SinkTiming {
  int64_t frames = 0;
  double first_buffer_seconds = 0;  // PLAYING -> the first buffer at the sink
  double fps = 0;                   // buffers after the first / their span
  double total_seconds = 0;         // PLAYING -> EOS
};

// Throws with the bus error's text.
SinkTiming time_sink(const std::string& launch);

}  // namespace ditstream::bench
