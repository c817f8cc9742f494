// The procedural shapes world (sampling, captions, rendering) and the analytic scorer that reads
// rendered clips back.
#include "core/shapes/shapes_scorer.h"
#include "core/shapes/shapes_world.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace ditstream {
namespace {

const WorldGeometry kGeometry;

// An endless world: larger, with shapes that leave one edge and re-enter at the opposite one, and
// clips long enough to cross the frame.
WorldGeometry wrapping_geometry() {
  WorldGeometry g;
  g.height = 64;
  g.width = 96;
  g.frames = 49;
  g.radius = 9;
  g.slow = 0.9;
  g.fast = 1.8;
  g.wrap = true;
  return g;
}

// Distance on the torus between two points of a frame of size (width, height).
double torus_distance(std::array<double, 2> a, std::array<double, 2> b, const WorldGeometry& g) {
  const double size[2] = {double(g.width), double(g.height)};
  double d2 = 0;
  for (int i = 0; i < 2; ++i) {
    const double d = std::remainder(a[i] - b[i], size[i]);
    d2 += d * d;
  }
  return std::sqrt(d2);
}

// Does the shape's drawn extent cross an edge of the frame at some frame of the clip?
bool crosses_an_edge(const ShapeSpec& shape, const WorldGeometry& g) {
  for (int64_t f = 0; f < g.frames; ++f) {
    const auto [x, y] = shape_centre(shape, f, g);
    const double wx = x - g.width * std::floor(x / g.width);
    const double wy = y - g.height * std::floor(y / g.height);
    if (wx < g.radius || wx > g.width - g.radius || wy < g.radius || wy > g.height - g.radius)
      return true;
  }
  return false;
}

void expect_same_spec(const ClipSpec& a, const ClipSpec& b) {
  EXPECT_EQ(a.background, b.background);
  ASSERT_EQ(a.shapes.size(), b.shapes.size());
  for (size_t i = 0; i < a.shapes.size(); ++i) {
    EXPECT_EQ(a.shapes[i].kind, b.shapes[i].kind);
    EXPECT_EQ(a.shapes[i].colour, b.shapes[i].colour);
    EXPECT_EQ(a.shapes[i].direction, b.shapes[i].direction);
    EXPECT_EQ(a.shapes[i].speed, b.shapes[i].speed);
  }
}

TEST(ShapesWorld, SamplingAndRenderingAreDeterministicBySeed) {
  const auto first = render_clip(sample_clip(11, kGeometry), kGeometry);
  EXPECT_TRUE(torch::equal(first, render_clip(sample_clip(11, kGeometry), kGeometry)));
  EXPECT_FALSE(torch::equal(first, render_clip(sample_clip(12, kGeometry), kGeometry)));
  EXPECT_EQ(first.sizes(),
            (std::vector<int64_t>{kGeometry.frames, kGeometry.height, kGeometry.width, 3}));
}

TEST(ShapesWorld, CaptionsRoundTrip) {
  for (const auto& spec : all_single_shape_specs()) {
    const auto parsed = parse_caption(caption(spec));
    ASSERT_TRUE(parsed) << caption(spec);
    expect_same_spec(*parsed, spec);
  }
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto spec = sample_clip(seed, kGeometry, 1.0);
    ASSERT_EQ(spec.shapes.size(), 2u);
    const auto parsed = parse_caption(caption(spec));
    ASSERT_TRUE(parsed) << caption(spec);
    expect_same_spec(*parsed, spec);
  }
}

TEST(ShapesWorld, MalformedCaptionsAreRejected) {
  const char* malformed[] = {
      "",
      "a red circle moving right slowly",
      "a red circle moving right slowly on a blue",
      "a purple circle moving right slowly on a blue background",
      "a red hexagon moving right slowly on a blue background",
      "a red circle moving sideways slowly on a blue background",
      "a red circle moving right slowly on a blue background today",
      "a red circle moving right slowly and a green square moving up quickly and a white "
      "triangle moving left slowly on a blue background"};
  for (const char* text : malformed) EXPECT_FALSE(parse_caption(text)) << text;
}

// Every sampled shape's whole path stays in frame.
void expect_paths_in_frame(const WorldGeometry& g) {
  const double r = g.radius;
  for (uint64_t seed = 0; seed < 300; ++seed)
    for (const auto& shape : sample_clip(seed, g, 0.5).shapes)
      for (int64_t f = 0; f < g.frames; ++f) {
        const auto [x, y] = shape_centre(shape, f, g);
        ASSERT_TRUE(x - r >= 0 && x + r <= g.width && y - r >= 0 && y + r <= g.height)
            << "seed " << seed << " frame " << f << " centre " << x << "," << y;
      }
}

TEST(ShapesWorld, SampledShapesStayInFrame) { expect_paths_in_frame(kGeometry); }

// With the start cue on every clip, a wrapping world places paths as a bounded one does (clips
// of v2's 25 frames, whose paths fit in frame).
TEST(ShapesWorld, StartCueKeepsTheCuedClipsPathsInFrame) {
  auto g = wrapping_geometry();
  g.frames = 25;
  g.start_cue = 1.0;
  expect_paths_in_frame(g);
}

TEST(ShapesWorld, WrappingClipsStartAnywhereOnTheTorus) {
  const auto g = wrapping_geometry();
  EXPECT_TRUE(torch::equal(render_clip(sample_clip(3, g), g), render_clip(sample_clip(3, g), g)));
  double min_x = g.width, max_x = 0, min_y = g.height, max_y = 0;
  for (uint64_t seed = 0; seed < 300; ++seed)
    for (const auto& shape : sample_clip(seed, g, 0.5).shapes) {
      min_x = std::min(min_x, shape.x), max_x = std::max(max_x, shape.x);
      min_y = std::min(min_y, shape.y), max_y = std::max(max_y, shape.y);
      ASSERT_TRUE(shape.x >= 0 && shape.x < g.width && shape.y >= 0 && shape.y < g.height);
    }
  // Mid-crossing starts: centres within a radius of every edge.
  EXPECT_LT(min_x, g.radius);
  EXPECT_GT(max_x, g.width - g.radius);
  EXPECT_LT(min_y, g.radius);
  EXPECT_GT(max_y, g.height - g.radius);
}

TEST(ShapesWorld, AShapeCrossingAnEdgeShowsOnBothSides) {
  const auto g = wrapping_geometry();
  auto spec = *parse_caption("a white square moving right slowly on a black background");
  spec.shapes[0].x = 2;  // the square spans [-7, 11]: its left part is drawn at the right edge
  spec.shapes[0].y = 30;
  const auto frame = render_clip(spec, g)[0].to(torch::kInt);
  EXPECT_GT(frame[30][0][0].item<int>(), 200);
  EXPECT_GT(frame[30][g.width - 1][0].item<int>(), 200);
  EXPECT_LT(frame[30][g.width / 2][0].item<int>(), 50);
  // The pixel count is the whole square's, as if it were not split.
  const auto lit = (frame.select(2, 0) > 128).sum().item<int64_t>();
  EXPECT_NEAR(double(lit), 18.0 * 18.0, 40.0);
}

// The scorer reads a wrapping clip's centroids in the frame, an object split by an edge as one,
// and its direction from the unwrapped path, which is a straight line at the caption's speed.
TEST(ShapesScorer, ReadsWrappingClipsIncludingEdgeCrossings) {
  const auto g = wrapping_geometry();
  const auto specs = all_single_shape_specs();
  int crossing = 0;
  for (size_t i = 0; i < specs.size(); i += 3) {
    const auto spec = place_clip(specs[i], 1000 + i, g);
    crossing += crosses_an_edge(spec.shapes[0], g);
    const auto reading = read_clip(render_clip(spec, g));
    const auto score = score_reading(reading, spec);
    ASSERT_TRUE(score.all() && score.shape)
        << caption(spec) << " from " << spec.shapes[0].x << "," << spec.shapes[0].y
        << ": background " << score.background << " colour " << score.colour << " direction "
        << score.direction << " shape " << score.shape;
    // The centroid moves with the shape's centre (a triangle's sits r/3 below it); the mask's
    // pixel edges make each reading up to half a pixel off.
    const auto start = shape_centre(spec.shapes[0], 0, g);
    const std::array<double, 2> offset{reading.centroids[0][0] - start[0],
                                       reading.centroids[0][1] - start[1]};
    for (int64_t f = 0; f < g.frames; ++f) {
      const auto centre = shape_centre(spec.shapes[0], f, g);
      ASSERT_LT(
          torus_distance(reading.centroids[f], {centre[0] + offset[0], centre[1] + offset[1]}, g),
          1.0)
          << caption(spec) << " frame " << f;
    }
    const auto step = unit_step(spec.shapes[0].direction);
    const double speed = g.speed_of(spec.shapes[0].speed);
    EXPECT_NEAR(reading.velocity[0], step[0] * speed, 0.1) << caption(spec);
    EXPECT_NEAR(reading.velocity[1], step[1] * speed, 0.1) << caption(spec);
  }
  std::printf("%d of %zu clips cross an edge\n", crossing, (specs.size() + 2) / 3);
  EXPECT_GT(crossing, 100);
}

TEST(ShapesScorer, ReadsEveryGroundTruthSingleShapeClip) {
  const auto specs = all_single_shape_specs();
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto spec = place_clip(specs[i], i, kGeometry);
    const auto reading = read_clip(render_clip(spec, kGeometry));
    const auto score = score_reading(reading, spec);
    ASSERT_TRUE(score.all() && score.shape)
        << caption(spec) << ": background " << score.background << " colour " << score.colour
        << " direction " << score.direction << " shape " << score.shape;
  }
}

// A small VAE's decoded frames are soft: a 5x5 box blur (edges 2 px wide either side, on shapes
// 12 px across) must not change any reading.
TEST(ShapesScorer, ReadsBlurredClips) {
  const auto specs = all_single_shape_specs();
  for (size_t i = 0; i < specs.size(); i += 6) {
    const auto spec = place_clip(specs[i], i, kGeometry);
    const auto sharp = render_clip(spec, kGeometry).to(torch::kFloat).permute({0, 3, 1, 2});
    const auto blurred = torch::avg_pool2d(torch::replication_pad2d(sharp, {2, 2, 2, 2}), 5, 1);
    const auto frames = blurred.permute({0, 2, 3, 1}).round().to(torch::kUInt8).contiguous();
    const auto score = score_reading(read_clip(frames), spec);
    ASSERT_TRUE(score.all() && score.shape) << caption(spec);
  }
}

TEST(ShapesScorer, CentroidsFollowACircle) {
  const auto spec = place_clip(*parse_caption("a red circle moving down quickly on a black "
                                              "background"),
                               3, kGeometry);
  const auto reading = read_clip(render_clip(spec, kGeometry));
  ASSERT_EQ(reading.centroids.size(), static_cast<size_t>(kGeometry.frames));
  for (int64_t f = 0; f < kGeometry.frames; ++f) {
    const auto centre = shape_centre(spec.shapes[0], f, kGeometry);
    EXPECT_NEAR(reading.centroids[f][0], centre[0], 0.3);
    EXPECT_NEAR(reading.centroids[f][1], centre[1], 0.3);
  }
}

TEST(ShapesScorer, PlainBackgroundHasNoObject) {
  const ClipSpec target = place_clip(all_single_shape_specs()[0], 0, kGeometry);
  const ClipSpec empty{target.background, {}};
  const auto reading = read_clip(render_clip(empty, kGeometry));
  EXPECT_EQ(reading.background, target.background);
  EXPECT_EQ(reading.colour, -1);
  EXPECT_FALSE(reading.direction);
  EXPECT_FALSE(reading.shape);
  EXPECT_TRUE(std::isnan(reading.centroids[0][0]));
  EXPECT_TRUE(std::isnan(reading.velocity[0]));
  EXPECT_FALSE(score_reading(reading, target).all());
}

TEST(ShapesScorer, ReversedDirectionFailsTheCaption) {
  const auto spec = place_clip(*parse_caption("a yellow square moving left slowly on a green "
                                              "background"),
                               5, kGeometry);
  auto reversed = spec;
  reversed.shapes[0].direction = Direction::Right;
  const auto score = score_reading(read_clip(render_clip(spec, kGeometry)), reversed);
  EXPECT_TRUE(score.background && score.colour && score.shape);
  EXPECT_FALSE(score.direction);
  EXPECT_FALSE(score.all());
}

TEST(ShapesScorer, RejectsBadInput) {
  EXPECT_THROW(read_clip(torch::zeros({2, 4, 4}, torch::kUInt8)), std::runtime_error);
  EXPECT_THROW(score_reading(ClipReading{}, ClipSpec{}), std::runtime_error);
}

}  // namespace
}  // namespace ditstream
