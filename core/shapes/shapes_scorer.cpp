#include "core/shapes/shapes_scorer.h"

#include "core/metrics/frame_features.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ditstream {
namespace {

// Thresholds (RGB distances on the 0..255 scale, lengths in pixels). Foreground: farther than
// kForeground from the observed background, half the closest palette pair (green-black, ~160),
// so blurred edges count from halfway. A frame places the object only with >= kMinArea of its
// pixels. Motion below kMinMotion * min(H, W) (~2 px at 48x64) between the mean centroids of the
// first and last thirds is none. Shape: fill ratio (area / bounding box; triangle 0.5, circle
// 0.785, square 1) below kTriangleFill or centroid drop (triangle 1/6 of the height, others 0)
// above kTriangleSkew: triangle; else fill below kCircleSquare: circle.
constexpr double kForeground = 80.0;
constexpr double kMinArea = 4.0;
constexpr double kMinMotion = 0.04;
constexpr double kTriangleFill = 0.64;
constexpr double kTriangleSkew = 0.05;
constexpr double kCircleSquare = 0.89;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

torch::Tensor palette_rgb() {
  const auto& palette = shape_palette();
  auto rgb = torch::empty({static_cast<int64_t>(palette.size()), 3}, torch::kFloat);
  for (size_t i = 0; i < palette.size(); ++i)
    for (int c = 0; c < 3; ++c) rgb[i][c] = static_cast<float>(palette[i].rgb[c]);
  return rgb;
}

// (N, 3) colours -> the index of the nearest palette colour, `excluded` never chosen.
torch::Tensor nearest_palette(const torch::Tensor& colours, int excluded) {
  auto distances = torch::cdist(colours, palette_rgb());
  if (excluded >= 0) distances.select(1, excluded).fill_(std::numeric_limits<float>::infinity());
  return distances.argmin(1);
}

// The object's pixels (T, H, W) bool: foreground pixels nearest to the colour most of the
// stronger half of the foreground (by distance to the background) is nearest to; blurred edges
// between two colours can resemble a third. Sets reading.colour (-1 without foreground).
torch::Tensor object_mask(const torch::Tensor& rgb, ClipReading& reading) {
  const auto pixels = rgb.reshape({-1, 3});
  const auto observed = std::get<0>(pixels.median(0));
  reading.background = nearest_palette(observed.unsqueeze(0), -1).item<int>();
  const auto distance = (rgb - observed).norm(2, -1);
  const auto foreground = distance > kForeground;
  if (!foreground.any().item<bool>()) return foreground;
  const auto strong = distance >= distance.masked_select(foreground).median();
  const auto nearest = nearest_palette(pixels, reading.background).reshape(foreground.sizes());
  const auto counts = torch::bincount(nearest.masked_select(strong), {}, shape_palette().size());
  reading.colour = counts.argmax().item<int>();
  const auto object = foreground & (nearest == reading.colour);
  reading.contrast = distance.masked_select(object).mean().item<double>();
  return object;
}

// (T, N) bool occupancy along one axis -> the first and last set index (T) each.
std::pair<torch::Tensor, torch::Tensor> span(const torch::Tensor& occupied) {
  const auto index = torch::arange(occupied.size(1), torch::kFloat).expand(occupied.sizes());
  return {torch::where(occupied, index, torch::full_like(index, 1e9)).amin(1),
          torch::where(occupied, index, torch::full_like(index, -1)).amax(1)};
}

// Triangles (apex up) stand out by their centroid sitting below the box's middle (by 1/6 of the
// height), which blur keeps, or by a low fill; squares from circles by their fill.
std::optional<ShapeKind> shape_of(const torch::Tensor& object, const torch::Tensor& area,
                                  const torch::Tensor& centroid_y, const torch::Tensor& placed) {
  if (!placed.any().item<bool>()) return std::nullopt;
  const auto [top, bottom] = span(object.any(2));
  const auto [left, right] = span(object.any(1));
  const auto height = (bottom - top + 1).clamp_min(1);
  const auto box = height * (right - left + 1).clamp_min(1);
  const double fill = (area / box).masked_select(placed).median().item<double>();
  const auto skew = (centroid_y - 0.5 - (top + bottom) / 2) / height;
  const double drop = skew.masked_select(placed).median().item<double>();
  if (drop > kTriangleSkew || fill < kTriangleFill) return ShapeKind::Triangle;
  return fill < kCircleSquare ? ShapeKind::Circle : ShapeKind::Square;
}

// (T, 2) centroids of the mask in the world's coordinates (pixel x spans [x, x + 1)).
torch::Tensor centroids_of(const torch::Tensor& mask, const torch::Tensor& area) {
  const auto xs = torch::arange(mask.size(2), torch::kFloat) + 0.5;
  const auto ys = torch::arange(mask.size(1), torch::kFloat) + 0.5;
  const auto cx = (mask.sum(1) * xs).sum(1) / area;
  const auto cy = (mask.sum(2) * ys).sum(1) / area;
  return torch::stack({cx, cy}, 1);
}

// (T) the circular mean of the mask's positions along `dim` (2: x, 1: y) as a pixel index: the
// object's middle even when it straddles the edge of a wrapping world.
torch::Tensor circular_middle(const torch::Tensor& mask, int64_t dim) {
  const int64_t n = mask.size(dim);
  const auto angle = (torch::arange(n, torch::kFloat) + 0.5) * (2 * M_PI / double(n));
  const auto profile = mask.sum(3 - dim);  // (T, n)
  const auto mean = torch::atan2((profile * angle.sin()).sum(1), (profile * angle.cos()).sum(1));
  return (mean * (double(n) / (2 * M_PI))).floor().remainder(double(n));
}

// The mask with each frame rolled so that its object sits in the middle of the frame (no part
// split by an edge), and the (T, 2) roll applied.
std::pair<torch::Tensor, torch::Tensor> centred(const torch::Tensor& mask) {
  const auto shift_x = (mask.size(2) / 2 - circular_middle(mask, 2)).to(torch::kLong);
  const auto shift_y = (mask.size(1) / 2 - circular_middle(mask, 1)).to(torch::kLong);
  std::vector<torch::Tensor> frames;
  for (int64_t f = 0; f < mask.size(0); ++f)
    frames.push_back(
        mask[f].roll({shift_y[f].item<int64_t>(), shift_x[f].item<int64_t>()}, {0, 1}));
  return {torch::stack(frames), torch::stack({shift_x, shift_y}, 1).to(torch::kFloat)};
}

// Centroids of the centred mask rolled back into the frame (modulo its size).
torch::Tensor rolled_back(const torch::Tensor& centred, const torch::Tensor& shift, int64_t height,
                          int64_t width) {
  return (centred - shift).remainder(torch::tensor({float(width), float(height)}));
}

// Centroids with the wrap-around jumps (more than half the frame) taken out: the object's path
// as if the world went on past its edges. Unplaced frames (NaN) are skipped.
torch::Tensor unwrapped(const torch::Tensor& centroids, int64_t height, int64_t width) {
  auto path = centroids.to(torch::kDouble).clone();
  auto* p = path.data_ptr<double>();
  const double size[2] = {double(width), double(height)};
  double last[2] = {NAN, NAN}, offset[2] = {0, 0};
  for (int64_t f = 0; f < path.size(0); ++f) {
    if (std::isnan(p[2 * f])) continue;
    for (int a = 0; a < 2; ++a) {
      double& v = p[2 * f + a];
      if (!std::isnan(last[a])) offset[a] -= size[a] * std::round((v - last[a]) / size[a]);
      last[a] = v;
      v += offset[a];
    }
  }
  return path.to(torch::kFloat);
}

// Mean (2) of the placed centroids among rows [begin, end); empty when none is placed.
std::optional<torch::Tensor> mean_centroid(const torch::Tensor& centroids,
                                           const torch::Tensor& placed, int64_t begin,
                                           int64_t end) {
  const auto rows = placed.slice(0, begin, end);
  if (!rows.any().item<bool>()) return std::nullopt;
  return centroids.slice(0, begin, end).index({rows}).mean(0);
}

std::optional<Direction> direction_of(const torch::Tensor& centroids, const torch::Tensor& placed,
                                      double min_motion) {
  const int64_t frames = centroids.size(0), third = std::max<int64_t>(1, frames / 3);
  const auto first = mean_centroid(centroids, placed, 0, third);
  const auto last = mean_centroid(centroids, placed, frames - third, frames);
  if (!first || !last) return std::nullopt;
  const auto shift = *last - *first;
  const double dx = shift[0].item<double>(), dy = shift[1].item<double>();
  if (std::hypot(dx, dy) < min_motion) return std::nullopt;
  if (std::abs(dx) >= std::abs(dy)) return dx > 0 ? Direction::Right : Direction::Left;
  return dy > 0 ? Direction::Down : Direction::Up;
}

// Mean frame-to-frame step of `centroids` (NaN rows unplaced), the short way across a wrap.
std::array<double, 2> mean_step(const std::vector<std::array<double, 2>>& centroids, double width,
                                double height) {
  double sum[2] = {0, 0};
  int64_t steps = 0;
  for (size_t i = 1; i < centroids.size(); ++i) {
    const auto &a = centroids[i - 1], &b = centroids[i];
    if (std::isnan(a[0]) || std::isnan(b[0])) continue;
    const double dx = b[0] - a[0], dy = b[1] - a[1];
    sum[0] += dx - width * std::round(dx / width);
    sum[1] += dy - height * std::round(dy / height);
    ++steps;
  }
  if (steps == 0) return {NAN, NAN};
  return {sum[0] / double(steps), sum[1] / double(steps)};
}

}  // namespace

ClipReading read_clip(const torch::Tensor& frames) {
  check_video_frames(frames, 1, "read_clip");
  torch::NoGradGuard no_grad;
  ClipReading reading;
  const auto rgb = frames.to(torch::kFloat);
  const auto [object, shift] = centred(object_mask(rgb, reading));
  const auto mask = object.to(torch::kFloat);
  const auto area = mask.sum({1, 2});
  const auto placed = area >= kMinArea;
  const auto local = centroids_of(mask, area);
  const auto centroids = rolled_back(local, shift, frames.size(1), frames.size(2))
                             .masked_fill(placed.logical_not().unsqueeze(1), kNaN);
  const auto values = centroids.to(torch::kDouble).contiguous();
  const double* data = values.data_ptr<double>();
  for (int64_t f = 0; f < values.size(0); ++f)
    reading.centroids.push_back({data[2 * f], data[2 * f + 1]});
  reading.velocity = mean_step(reading.centroids, double(frames.size(2)), double(frames.size(1)));
  if (reading.colour < 0) return reading;
  reading.shape = shape_of(object, area, local.select(1, 1), placed);
  const double min_motion =
      kMinMotion * static_cast<double>(std::min(frames.size(1), frames.size(2)));
  reading.direction =
      direction_of(unwrapped(centroids, frames.size(1), frames.size(2)), placed, min_motion);
  return reading;
}

AttributeScore score_reading(const ClipReading& reading, const ClipSpec& target) {
  if (target.shapes.empty()) throw std::runtime_error("score_reading: target.shapes is empty");
  const ShapeSpec& shape = target.shapes[0];
  AttributeScore score;
  score.background = reading.background == target.background;
  score.colour = reading.colour == shape.colour;
  score.direction = reading.direction == shape.direction;
  score.shape = reading.shape == shape.kind;
  return score;
}

}  // namespace ditstream
