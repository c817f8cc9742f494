#pragma once
// The procedural "shapes world" the demo model is trained on: clips with one or two flat shapes
// moving in a straight line over a plain background, and their captions. Everything is a pure
// function of a seed (sampling) or of a ClipSpec (rendering, captions).

#include <torch/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ditstream {

enum class ShapeKind { Circle, Square, Triangle };
enum class Direction { Left, Right, Up, Down };
enum class Speed { Slow, Fast };

struct Colour {
  std::string name;
  std::array<uint8_t, 3> rgb;
};

// The colours shapes and backgrounds are drawn in (indices into this list name them).
const std::vector<Colour>& shape_palette();
const std::vector<std::string>& shape_kind_names();  // "circle", "square", "triangle"
const std::vector<std::string>& direction_names();   // "left", "right", "up", "down"
const std::vector<std::string>& speed_names();       // "slowly", "quickly"
// (x, y) of one pixel along the direction, y down: right is (1, 0), up (0, -1).
std::array<double, 2> unit_step(Direction direction);

struct ShapeSpec {
  ShapeKind kind = ShapeKind::Circle;
  int colour = 0;
  Direction direction = Direction::Right;
  Speed speed = Speed::Slow;
  double x = 0, y = 0;  // centre at frame 0, pixels
};

struct ClipSpec {
  int background = 0;
  std::vector<ShapeSpec> shapes;  // one or two
};

struct WorldGeometry {
  int64_t height = 48, width = 64, frames = 25;
  double radius = 6.0;            // half the shape's extent, pixels
  double slow = 0.6, fast = 1.2;  // pixels per frame
  // The frame is a torus: a shape leaving one edge re-enters at the opposite one, so motion can
  // go on forever and a clip may start anywhere on its path, mid-crossing included. Without it
  // every path stays inside the frame.
  bool wrap = false;
  // With `wrap`, the share of sampled clips placed as without it (a training-data pilot): their
  // start tells their direction, as every v1 clip's does (one moving right starts on the left).
  double start_cue = 0.0;

  double speed_of(Speed speed) const { return speed == Speed::Fast ? fast : slow; }
};

// "a red circle moving right slowly on a blue background"; two shapes are joined with "and".
std::string caption(const ClipSpec& spec);
// Inverse of caption(); empty when the text is not in the grammar.
std::optional<ClipSpec> parse_caption(const std::string& text);

// A random clip: colours of shapes and background all differ, and every shape's whole path stays
// in frame (anywhere on the torus with `wrap`). `two_shapes_fraction` of clips have a second
// shape.
ClipSpec sample_clip(uint64_t seed, const WorldGeometry& geometry,
                     double two_shapes_fraction = 0.25);
// A clip for a given caption: positions drawn from `seed` so the motion stays in frame.
ClipSpec place_clip(ClipSpec spec, uint64_t seed, const WorldGeometry& geometry);

// (frames, height, width, 3) uint8; edges anti-aliased by 4x4 supersampling.
torch::Tensor render_clip(const ClipSpec& spec, const WorldGeometry& geometry);
// Frame f's centre of a shape, unwrapped (with `wrap` it is drawn modulo the frame size).
std::array<double, 2> shape_centre(const ShapeSpec& shape, int64_t frame,
                                   const WorldGeometry& geometry);

// Every one-shape caption of the grammar, in a fixed order (for the tokenizer corpus and
// held-out splits).
std::vector<ClipSpec> all_single_shape_specs();
// One one-shape caption in ten (a fixed subset of all_single_shape_specs()) is never used to
// train the demo model, so benchmarks can score captions it has not seen. Two-shape clips are
// held out when either shape, alone on that background, would be.
bool is_heldout(const ClipSpec& spec);
std::vector<ClipSpec> heldout_specs();

}  // namespace ditstream
