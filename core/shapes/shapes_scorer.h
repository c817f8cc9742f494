#pragma once
// Reads a shapes-world clip back from its pixels (background, the object's colour, motion and
// kind) without a learned model, so generated videos can be scored against their captions.

#include "core/shapes/shapes_world.h"

#include <torch/types.h>

#include <array>
#include <cmath>
#include <optional>
#include <vector>

namespace ditstream {

struct ClipReading {
  int background = -1;                 // palette index (shape_palette())
  int colour = -1;                     // palette index of the foreground object, -1: none found
  std::optional<Direction> direction;  // empty when the object hardly moves or is not found
  std::optional<ShapeKind> shape;      // empty when not found
  // Mean RGB distance (0..441) of the object's pixels from the observed background: how much it
  // stands out (0 without an object).
  double contrast = 0;
  // Per frame (x, y) of the foreground, in the frame (an object split by the edge of a wrapping
  // world counts as one); NaN if none.
  std::vector<std::array<double, 2>> centroids;
  // Mean step (x, y) of the centroid from frame to frame in pixels, each step across an edge taken
  // the short way; NaN without two placed frames in a row.
  std::array<double, 2> velocity{NAN, NAN};
};

// frames: (T, H, W, 3) uint8 RGB (any size). Reads one object (the largest foreground colour);
// its direction comes from the unwrapped path, so crossing an edge and re-entering at the
// opposite one reads as going on the same way.
ClipReading read_clip(const torch::Tensor& frames);

struct AttributeScore {
  bool background = false, colour = false, direction = false, shape = false;
  bool all() const { return background && colour && direction; }  // shape reported separately
};

// Compares with target.shapes[0]; throws when the target has no shape.
AttributeScore score_reading(const ClipReading& reading, const ClipSpec& target);

}  // namespace ditstream
