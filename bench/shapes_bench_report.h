#pragma once
// ShapesBench's metrics of one transition render, and the tables, JSON lines and contact sheet
// it writes.

#include "bench/shapes_bench_pairs.h"
#include "bench/shapes_bench_render.h"
#include "core/shapes/shapes_scorer.h"

#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ditstream::bench {

struct TransitionScore {
  AttributeScore a, b;  // A's segment against A, B's segment against B
  double seam_ratio = 0, cscv = 0;
  // Background changes only: the object's colour reads the same (and is found) in both segments,
  // and the per-frame centroid jump across the transition over the median per-frame step inside
  // the segments (about 1 for unbroken motion; NaN when not measurable).
  std::optional<bool> subject_kept;
  std::optional<double> centroid_jump;
  // Shot cuts only: the mean frame change across the cut over the median frame change of the
  // render, and of the three attributes the pair does not change, the share read right in A's
  // segment that B's segment still reads right (NaN when A reads none right).
  std::optional<double> cut_sharpness, cut_kept;
};
TransitionScore score_transition(const TransitionVideo& video, const PromptPair& pair);

struct TransitionRow {
  std::string variant;
  std::vector<TransitionScore> scores;
};
struct FollowingRow {
  std::string name;
  std::vector<AttributeScore> scores;
  // Per clip, the object's mean velocity along the caption's direction over the caption's speed:
  // 1 moves as asked, 0 not that way at all, -1 backwards; NaN without an object.
  std::vector<double> motion;
};
// That ratio for one reading of a one-shape caption in `world`.
double motion_along_caption(const ClipReading& reading, const ClipSpec& target,
                            const WorldGeometry& world);
// " | background | colour | direction | shape | all-3" rates in percent.
std::string attribute_cells(const std::vector<AttributeScore>& scores);
// The share (0..1) of scores with background, colour and direction right; NaN without any.
double all_rate(const std::vector<AttributeScore>& scores);
std::string following_table(const std::vector<FollowingRow>& rows);
std::string transitions_table(const std::vector<TransitionRow>& rows);
// The rows that are shot cuts: cut sharpness and unchanged attributes kept (empty without any).
std::string cuts_table(const std::vector<TransitionRow>& rows);

// One prompt-following clip: its score and what was read (direction, velocity in px per frame).
std::string following_json(const std::string& variant, const ClipSpec& target, int64_t seed,
                           const AttributeScore& score, const ClipReading& reading);
std::string transition_json(const std::string& variant, const PromptPair& pair, int64_t seed,
                            const TransitionScore& score);

// `columns` frames evenly spaced over the transition and a few frames either side, side by side.
torch::Tensor contact_row(const TransitionVideo& video, int64_t columns);
// (H, W, 3) frames side by side with 2-px separators.
torch::Tensor side_by_side(const std::vector<torch::Tensor>& frames);
// Stacks the rows (same size) with 2-px separators between rows and frames.
void write_contact_sheet(const std::filesystem::path& path, const std::vector<torch::Tensor>& rows);

}  // namespace ditstream::bench
