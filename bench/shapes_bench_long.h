#pragma once
// ShapesBench's long-stream scenario: one prompt streamed for many windows, every window's new
// frames scored on their own, so drift over time (the object fading, stopping, changing colour
// or shape) is a number per window.

#include "core/shapes/shapes_scorer.h"
#include "core/stream/stream_generator.h"

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ditstream::bench {

struct LongStream {
  ClipSpec target;
  int64_t seed = 0;
  std::vector<AttributeScore> windows;  // per window
  std::vector<double> contrast;         // per window, ClipReading::contrast
  std::vector<torch::Tensor> sheet;     // middle frame of the sheet windows, (H, W, 3) uint8
};

// The windows (1-based) shown on the contact sheet: 1, 25, 50, 100 (those <= `windows`).
std::vector<int64_t> sheet_windows(int64_t windows);

// Streams caption(target) alone for `windows` windows and scores each window's frames.
LongStream run_long_stream(std::shared_ptr<const PipelineComponents> model,
                           const StreamOptions& options, const ClipSpec& target, int64_t windows);

// Per window range (1, 2-10, 11-49, 50-100, ...): attribute rates over the streams, and the
// contrast relative to window 1; the all-3 rate of windows 50-100 over the single-window one.
std::string long_stream_table(const std::vector<LongStream>& streams, double single_window_all);
std::string long_stream_json(const LongStream& stream);
// One row per stream: the sheet windows side by side.
void write_long_stream_sheet(const std::filesystem::path& path,
                             const std::vector<LongStream>& streams);

}  // namespace ditstream::bench
