#include "core/shapes/shapes_world.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <random>
#include <sstream>

namespace ditstream {
namespace {

constexpr int kSupersample = 4;

template <typename T>
int index_of(const std::vector<T>& list, const T& value) {
  const auto it = std::find(list.begin(), list.end(), value);
  return it == list.end() ? -1 : static_cast<int>(it - list.begin());
}

int colour_index(const std::string& name) {
  const auto& palette = shape_palette();
  for (size_t i = 0; i < palette.size(); ++i)
    if (palette[i].name == name) return static_cast<int>(i);
  return -1;
}

// Is (px, py) inside the shape centred at (cx, cy)? The triangle points up.
bool inside(ShapeKind kind, double px, double py, double cx, double cy, double r) {
  const double dx = px - cx, dy = py - cy;
  switch (kind) {
    case ShapeKind::Circle:
      return dx * dx + dy * dy <= r * r;
    case ShapeKind::Square:
      return std::abs(dx) <= r && std::abs(dy) <= r;
    case ShapeKind::Triangle:
      return dy <= r && dy >= -r && std::abs(dx) <= (dy + r) / 2.0;
  }
  return false;
}

// Draws one shape into frame (H, W, 3) float, blending by coverage.
void draw_shape(float* frame, const ShapeSpec& shape, std::array<double, 2> centre,
                const WorldGeometry& g) {
  const auto& rgb = shape_palette()[shape.colour].rgb;
  const double r = g.radius;
  const int64_t x0 = std::max<int64_t>(0, std::floor(centre[0] - r - 1));
  const int64_t x1 = std::min<int64_t>(g.width - 1, std::ceil(centre[0] + r + 1));
  const int64_t y0 = std::max<int64_t>(0, std::floor(centre[1] - r - 1));
  const int64_t y1 = std::min<int64_t>(g.height - 1, std::ceil(centre[1] + r + 1));
  for (int64_t y = y0; y <= y1; ++y)
    for (int64_t x = x0; x <= x1; ++x) {
      int hits = 0;
      for (int sy = 0; sy < kSupersample; ++sy)
        for (int sx = 0; sx < kSupersample; ++sx)
          hits += inside(shape.kind, x + (sx + 0.5) / kSupersample, y + (sy + 0.5) / kSupersample,
                         centre[0], centre[1], r);
      const float a = static_cast<float>(hits) / (kSupersample * kSupersample);
      float* px = frame + (y * g.width + x) * 3;
      for (int c = 0; c < 3; ++c) px[c] = px[c] * (1 - a) + a * rgb[c];
    }
}

// Where a shape centred at `c` is drawn: once, or on a torus at c modulo the frame and at the
// copies one frame size away, so a shape crossing an edge shows on both sides.
std::vector<std::array<double, 2>> drawn_centres(std::array<double, 2> c, const WorldGeometry& g) {
  if (!g.wrap) return {c};
  const double w = static_cast<double>(g.width), h = static_cast<double>(g.height);
  const double x = c[0] - w * std::floor(c[0] / w), y = c[1] - h * std::floor(c[1] / h);
  std::vector<std::array<double, 2>> centres;
  for (const double dx : {-w, 0.0, w})
    for (const double dy : {-h, 0.0, h}) centres.push_back({x + dx, y + dy});
  return centres;
}

std::string describe(const ShapeSpec& s) {
  return "a " + shape_palette()[s.colour].name + " " +
         shape_kind_names()[static_cast<int>(s.kind)] + " moving " +
         direction_names()[static_cast<int>(s.direction)] + " " +
         speed_names()[static_cast<int>(s.speed)];
}

// The range of frame-0 centres along one axis that keeps a path of `travel` pixels in frame
// (the whole axis on a torus).
std::pair<double, double> start_range(double extent, double radius, double travel, bool wrap) {
  if (wrap) return {0.0, extent};
  const double lo = radius + 1 + std::max(0.0, -travel),
               hi = extent - radius - 1 - std::max(0.0, travel);
  return {lo, std::max(lo, hi)};
}

}  // namespace

std::array<double, 2> unit_step(Direction direction) {
  switch (direction) {
    case Direction::Left:
      return {-1, 0};
    case Direction::Right:
      return {1, 0};
    case Direction::Up:
      return {0, -1};
    case Direction::Down:
      return {0, 1};
  }
  return {0, 0};
}

const std::vector<Colour>& shape_palette() {
  static const std::vector<Colour> palette{{"red", {220, 40, 40}},     {"green", {40, 180, 70}},
                                           {"blue", {40, 80, 220}},    {"yellow", {235, 210, 50}},
                                           {"white", {240, 240, 240}}, {"black", {25, 25, 25}}};
  return palette;
}

const std::vector<std::string>& shape_kind_names() {
  static const std::vector<std::string> names{"circle", "square", "triangle"};
  return names;
}

const std::vector<std::string>& direction_names() {
  static const std::vector<std::string> names{"left", "right", "up", "down"};
  return names;
}

const std::vector<std::string>& speed_names() {
  static const std::vector<std::string> names{"slowly", "quickly"};
  return names;
}

std::string caption(const ClipSpec& spec) {
  std::string text;
  for (size_t i = 0; i < spec.shapes.size(); ++i)
    text += (i ? " and " : "") + describe(spec.shapes[i]);
  return text + " on a " + shape_palette()[spec.background].name + " background";
}

std::optional<ClipSpec> parse_caption(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> w{std::istream_iterator<std::string>(in), {}};
  ClipSpec spec;
  size_t i = 0;
  while (i + 6 <= w.size() && w[i] == "a" && w[i + 3] == "moving") {
    ShapeSpec s;
    s.colour = colour_index(w[i + 1]);
    const int kind = index_of(shape_kind_names(), w[i + 2]);
    const int dir = index_of(direction_names(), w[i + 4]);
    const int speed = index_of(speed_names(), w[i + 5]);
    if (s.colour < 0 || kind < 0 || dir < 0 || speed < 0) return std::nullopt;
    s.kind = static_cast<ShapeKind>(kind);
    s.direction = static_cast<Direction>(dir);
    s.speed = static_cast<Speed>(speed);
    spec.shapes.push_back(s);
    i += 6;
    if (i < w.size() && w[i] == "and") ++i;
  }
  if (spec.shapes.empty() || spec.shapes.size() > 2 || i + 4 != w.size() || w[i] != "on" ||
      w[i + 1] != "a" || w[i + 3] != "background")
    return std::nullopt;
  spec.background = colour_index(w[i + 2]);
  if (spec.background < 0) return std::nullopt;
  return spec;
}

ClipSpec place_clip(ClipSpec spec, uint64_t seed, const WorldGeometry& g) {
  std::mt19937_64 rng(seed);
  // Drawn only where used: a world without the cue places every clip as it always did.
  const bool wrap = g.wrap && !(g.start_cue > 0.0 &&
                                std::uniform_real_distribution<double>(0, 1)(rng) < g.start_cue);
  for (auto& s : spec.shapes) {
    const auto step = unit_step(s.direction);
    const double travel = g.speed_of(s.speed) * static_cast<double>(g.frames - 1);
    const auto [xlo, xhi] =
        start_range(static_cast<double>(g.width), g.radius, step[0] * travel, wrap);
    const auto [ylo, yhi] =
        start_range(static_cast<double>(g.height), g.radius, step[1] * travel, wrap);
    s.x = std::uniform_real_distribution<double>(xlo, xhi)(rng);
    s.y = std::uniform_real_distribution<double>(ylo, yhi)(rng);
  }
  return spec;
}

ClipSpec sample_clip(uint64_t seed, const WorldGeometry& g, double two_shapes_fraction) {
  std::mt19937_64 rng(seed);
  const int colours = static_cast<int>(shape_palette().size());
  auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  ClipSpec spec;
  spec.background = pick(colours);
  const int count = std::uniform_real_distribution<double>(0, 1)(rng) < two_shapes_fraction ? 2 : 1;
  std::vector<int> used{spec.background};
  for (int i = 0; i < count; ++i) {
    ShapeSpec s;
    do s.colour = pick(colours);
    while (std::find(used.begin(), used.end(), s.colour) != used.end());
    used.push_back(s.colour);
    s.kind = static_cast<ShapeKind>(pick(3));
    s.direction = static_cast<Direction>(pick(4));
    s.speed = static_cast<Speed>(pick(2));
    spec.shapes.push_back(s);
  }
  return place_clip(spec, rng(), g);
}

std::array<double, 2> shape_centre(const ShapeSpec& shape, int64_t frame, const WorldGeometry& g) {
  const auto step = unit_step(shape.direction);
  const double d = g.speed_of(shape.speed) * static_cast<double>(frame);
  return {shape.x + step[0] * d, shape.y + step[1] * d};
}

torch::Tensor render_clip(const ClipSpec& spec, const WorldGeometry& g) {
  auto clip = torch::empty({g.frames, g.height, g.width, 3}, torch::kFloat);
  const auto& bg = shape_palette()[spec.background].rgb;
  for (int c = 0; c < 3; ++c) clip.select(3, c).fill_(static_cast<float>(bg[c]));
  float* data = clip.data_ptr<float>();
  for (int64_t f = 0; f < g.frames; ++f)
    for (const auto& s : spec.shapes)
      for (const auto& centre : drawn_centres(shape_centre(s, f, g), g))
        draw_shape(data + f * g.height * g.width * 3, s, centre, g);
  return clip.round_().to(torch::kUInt8);
}

std::vector<ClipSpec> all_single_shape_specs() {
  std::vector<ClipSpec> specs;
  const int colours = static_cast<int>(shape_palette().size());
  for (int bg = 0; bg < colours; ++bg)
    for (int fg = 0; fg < colours; ++fg)
      for (int kind = 0; kind < 3; ++kind)
        for (int dir = 0; dir < 4; ++dir)
          for (int speed = 0; speed < 2; ++speed) {
            if (fg == bg) continue;
            ShapeSpec s{static_cast<ShapeKind>(kind), fg, static_cast<Direction>(dir),
                        static_cast<Speed>(speed)};
            specs.push_back({bg, {s}});
          }
  return specs;
}

bool is_heldout(const ClipSpec& spec) {
  static const std::vector<std::string> heldout = [] {
    std::vector<std::string> captions;
    for (const auto& s : heldout_specs()) captions.push_back(caption(s));
    return captions;
  }();
  for (const auto& shape : spec.shapes) {
    const std::string text = caption(ClipSpec{spec.background, {shape}});
    if (std::find(heldout.begin(), heldout.end(), text) != heldout.end()) return true;
  }
  return false;
}

std::vector<ClipSpec> heldout_specs() {
  std::vector<ClipSpec> specs;
  const auto all = all_single_shape_specs();
  for (size_t i = 3; i < all.size(); i += 10) specs.push_back(all[i]);
  return specs;
}

}  // namespace ditstream
