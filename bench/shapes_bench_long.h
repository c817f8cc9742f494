#pragma once
// ShapesBench's long-stream scenario: one prompt streamed for many windows, every window's new
// frames scored on their own, so drift over time (the object fading, stopping, changing colour
// or shape) is a number per window.

#include "core/shapes/shapes_scorer.h"
#include "core/stream/stream_generator.h"

#include <torch/types.h>

#include <array>
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
  // Per window: the object's first placed centroid (x, y) and its velocity (pixels per frame),
  // NaN where not found; in the jsonl, to see where in the frame a window goes wrong.
  std::vector<std::array<double, 4>> paths;
  // With motion control: per window, the object's mean displacement per video frame along the
  // requested motion over the requested one (1: exact), and whether it went the requested way.
  std::vector<double> motion_ratio;
  std::vector<torch::Tensor> sheet;  // middle frame of the sheet windows, (H, W, 3) uint8
};

// The windows (1-based) shown on the contact sheet: 1, 25, 50, 100 (those <= `windows`).
std::vector<int64_t> sheet_windows(int64_t windows);

// Streams caption(target) alone for `windows` windows and scores each window's frames; with
// options.motion set, also how far the object moved against the request.
LongStream run_long_stream(std::shared_ptr<const PipelineComponents> model,
                           const StreamOptions& options, const ClipSpec& target, int64_t windows);

// Per window range (1, 2-10, 11-49, 50-100, ...): attribute rates over the streams, and the
// contrast relative to window 1; the all-3 rate of windows 50-100 over the single-window one.
std::string long_stream_table(const std::vector<LongStream>& streams, double single_window_all);
std::string long_stream_json(const LongStream& stream);
// Motion control's accuracy over the streams (empty without motion): windows whose measured
// displacement is within 20 % of the requested one and whose direction is right.
std::string motion_table(const std::vector<LongStream>& streams);
// A motion of one latent pixel per latent frame, in video pixels per video frame.
double video_pixels_per_latent_step(const PipelineComponents& model);
// Motion control along the caption's direction at `speed` latent pixels per latent frame, turned
// `quarter_turns` times clockwise (1: right becomes down).
LatentMotion motion_along(const ClipSpec& target, double speed, int quarter_turns = 0);
// One row per stream: the sheet windows side by side.
void write_long_stream_sheet(const std::filesystem::path& path,
                             const std::vector<LongStream>& streams);

}  // namespace ditstream::bench
