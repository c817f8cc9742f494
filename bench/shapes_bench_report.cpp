#include "bench/shapes_bench_report.h"

#include "bench/bench_report.h"
#include "core/io/png_writer.h"
#include "core/metrics/frame_features.h"
#include "core/metrics/transition_quality.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iterator>
#include <sstream>

namespace ditstream::bench {
namespace {

constexpr int64_t kSeparator = 2;
constexpr uint8_t kSeparatorGrey = 128;
constexpr int64_t kMinMargin = 4;  // frames either side of a cut on the contact sheet

// The distances between consecutive found centroids.
std::vector<double> centroid_steps(const ClipReading& reading) {
  std::vector<double> steps;
  for (size_t f = 1; f < reading.centroids.size(); ++f) {
    const auto &p = reading.centroids[f - 1], &q = reading.centroids[f];
    const double step = std::hypot(q[0] - p[0], q[1] - p[1]);
    if (!std::isnan(step)) steps.push_back(step);
  }
  return steps;
}

std::optional<double> centroid_jump(const ClipReading& a, const ClipReading& b, int64_t gap) {
  auto steps = centroid_steps(a);
  const auto more = centroid_steps(b);
  steps.insert(steps.end(), more.begin(), more.end());
  const double step = spread(steps).median;
  const auto &last = a.centroids.back(), &first = b.centroids.front();
  const double jump = std::hypot(first[0] - last[0], first[1] - last[1]);
  if (steps.empty() || step <= 0 || std::isnan(jump)) return std::nullopt;
  return jump / static_cast<double>(gap) / step;
}

// Mean absolute change of each frame from the one before, (N - 1) values.
std::vector<double> frame_changes(const torch::Tensor& frames) {
  const auto f = frames.to(torch::kFloat);
  const auto change = (f.slice(0, 1) - f.slice(0, 0, -1)).abs().mean({1, 2, 3}).contiguous();
  return {change.data_ptr<float>(), change.data_ptr<float>() + change.numel()};
}

double cut_sharpness(const TransitionVideo& video) {
  const auto changes = frame_changes(video.frames);
  const double median = spread(changes).median;
  return median > 0 ? changes.at(size_t(video.switch_frame - 1)) / median : std::nan("");
}

// Per attribute (background, colour, direction, shape): whether the pair's change type sets it.
std::array<bool, 4> changed_attributes(ChangeType type) {
  return {type == ChangeType::Background, type == ChangeType::Colour, type == ChangeType::Motion,
          type == ChangeType::Object};
}

double kept_share(const AttributeScore& a, const AttributeScore& b, ChangeType type) {
  const std::array<bool, 4> in_a{a.background, a.colour, a.direction, a.shape},
      in_b{b.background, b.colour, b.direction, b.shape};
  const auto changed = changed_attributes(type);
  int right = 0, kept = 0;
  for (size_t i = 0; i < 4; ++i)
    if (!changed[i] && in_a[i]) ++right, kept += in_b[i];
  return right ? double(kept) / right : std::nan("");
}

nlohmann::json score_json(const AttributeScore& s) {
  return {{"background", s.background},
          {"colour", s.colour},
          {"direction", s.direction},
          {"shape", s.shape},
          {"all", s.all()}};
}

std::string cell(double value, int digits) {
  if (!std::isfinite(value)) return "–";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// Mean of the finite values; NaN without any.
double finite_mean(const std::vector<double>& values) {
  double sum = 0;
  int64_t count = 0;
  for (const double v : values)
    if (std::isfinite(v)) sum += v, ++count;
  return count ? sum / static_cast<double>(count) : std::nan("");
}

template <typename Score, typename Field>
std::vector<double> column(const std::vector<Score>& scores, Field field) {
  std::vector<double> values;
  for (const auto& s : scores) values.push_back(field(s));
  return values;
}

}  // namespace

TransitionScore score_transition(const TransitionVideo& video, const PromptPair& pair) {
  TransitionScore score;
  const auto quality =
      evaluate_transition_quality(video.frames, video.boundaries, PixelStatisticsFeatures());
  score.seam_ratio = quality.seams.ratio;
  score.cscv = quality.cscv;
  const auto a = read_clip(video.frames.slice(0, 0, video.switch_frame));
  const auto b = read_clip(video.frames.slice(0, video.after_frame));
  score.a = score_reading(a, pair.a);
  score.b = score_reading(b, pair.b);
  if (video.cut) {
    score.cut_sharpness = cut_sharpness(video);
    score.cut_kept = kept_share(score.a, score.b, pair.type);
  }
  if (pair.type != ChangeType::Background) return score;
  score.subject_kept = a.colour >= 0 && a.colour == b.colour;
  score.centroid_jump = centroid_jump(a, b, video.after_frame - video.switch_frame + 1);
  return score;
}

std::string attribute_cells(const std::vector<AttributeScore>& scores) {
  std::string out;
  for (const auto& field : std::vector<std::function<double(const AttributeScore&)>>{
           [](const AttributeScore& a) { return a.background; },
           [](const AttributeScore& a) { return a.colour; },
           [](const AttributeScore& a) { return a.direction; },
           [](const AttributeScore& a) { return a.shape; },
           [](const AttributeScore& a) { return a.all(); }})
    out += " | " + cell(100.0 * finite_mean(column(scores, field)), 1);
  return out;
}

double all_rate(const std::vector<AttributeScore>& scores) {
  return finite_mean(column(scores, [](const AttributeScore& a) { return a.all(); }));
}

double motion_along_caption(const ClipReading& reading, const ClipSpec& target,
                            const WorldGeometry& world) {
  const ShapeSpec& shape = target.shapes.at(0);
  const auto step = unit_step(shape.direction);
  return (reading.velocity[0] * step[0] + reading.velocity[1] * step[1]) /
         world.speed_of(shape.speed);
}

std::string following_table(const std::vector<FollowingRow>& rows) {
  std::ostringstream out;
  out << "| prompt following | captions | background % | colour % | direction % | shape % "
         "| all-3 % | motion along the caption / asked (median) |\n"
         "|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    std::vector<double> motion;
    std::copy_if(r.motion.begin(), r.motion.end(), std::back_inserter(motion),
                 [](double v) { return std::isfinite(v); });
    out << "| " << r.name << " | " << r.scores.size() << attribute_cells(r.scores) << " | "
        << cell(motion.empty() ? std::nan("") : spread(motion).median, 2) << " |\n";
  }
  return out.str();
}

std::string transitions_table(const std::vector<TransitionRow>& rows) {
  std::ostringstream out;
  out << "| variant | renders | A-following all-3 % | B-following all-3 % | seam ratio | CSCV "
         "| subject colour kept % | centroid jump ratio |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    std::vector<double> kept, jumps;
    for (const auto& s : r.scores) {
      if (s.subject_kept) kept.push_back(*s.subject_kept);
      if (s.centroid_jump) jumps.push_back(*s.centroid_jump);
    }
    out << "| " << r.variant << " | " << r.scores.size() << " | "
        << cell(100.0 * finite_mean(column(r.scores, [](auto& s) { return s.a.all(); })), 1)
        << " | "
        << cell(100.0 * finite_mean(column(r.scores, [](auto& s) { return s.b.all(); })), 1)
        << " | " << cell(finite_mean(column(r.scores, [](auto& s) { return s.seam_ratio; })), 3)
        << " | " << cell(finite_mean(column(r.scores, [](auto& s) { return s.cscv; })), 3) << " | "
        << cell(100.0 * finite_mean(kept), 1) << " | " << cell(finite_mean(jumps), 2) << " |\n";
  }
  return out.str();
}

std::string cuts_table(const std::vector<TransitionRow>& rows) {
  std::ostringstream out;
  for (const auto& r : rows) {
    std::vector<double> sharpness, kept;
    for (const auto& s : r.scores)
      if (s.cut_sharpness) sharpness.push_back(*s.cut_sharpness), kept.push_back(*s.cut_kept);
    if (sharpness.empty()) continue;
    if (out.tellp() == 0)
      out << "\n| shot cut | renders | frame change at the cut / median (median) | ≥ 3 % | "
             "unchanged attributes kept % |\n|---|---|---|---|---|\n";
    const auto at_least_3 = column(sharpness, [](double v) { return v >= 3.0 ? 1.0 : 0.0; });
    out << "| " << r.variant << " | " << sharpness.size() << " | "
        << cell(spread(sharpness).median, 2) << " | " << cell(100.0 * finite_mean(at_least_3), 1)
        << " | " << cell(100.0 * finite_mean(kept), 1) << " |\n";
  }
  return out.str();
}

nlohmann::json reading_json(const ClipReading& r) {
  const auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; };
  return {{"direction", r.direction ? nlohmann::json(direction_names()[int(*r.direction)])
                                    : nlohmann::json(nullptr)},
          {"velocity", {finite(r.velocity[0]), finite(r.velocity[1])}},
          {"contrast", r.contrast}};
}

std::string following_json(const std::string& variant, const ClipSpec& target, int64_t seed,
                           const AttributeScore& score, const ClipReading& reading) {
  return nlohmann::json{{"set", "prompt-following"},  {"variant", variant},
                        {"caption", caption(target)}, {"seed", seed},
                        {"score", score_json(score)}, {"read", reading_json(reading)}}
      .dump();
}

std::string transition_json(const std::string& variant, const PromptPair& pair, int64_t seed,
                            const TransitionScore& score) {
  nlohmann::json line{{"set", "transitions"},
                      {"pair", pair.id},
                      {"type", change_type_name(pair.type)},
                      {"caption_a", caption(pair.a)},
                      {"caption_b", caption(pair.b)},
                      {"variant", variant},
                      {"seed", seed},
                      {"a", score_json(score.a)},
                      {"b", score_json(score.b)},
                      {"seam_ratio", score.seam_ratio},
                      {"cscv", score.cscv},
                      {"subject_colour_kept", nullptr},
                      {"centroid_jump_ratio", nullptr},
                      {"cut_sharpness", nullptr},
                      {"cut_kept", nullptr}};
  if (score.subject_kept) line["subject_colour_kept"] = *score.subject_kept;
  if (score.centroid_jump) line["centroid_jump_ratio"] = *score.centroid_jump;
  if (score.cut_sharpness) line["cut_sharpness"] = *score.cut_sharpness;
  if (score.cut_kept && std::isfinite(*score.cut_kept)) line["cut_kept"] = *score.cut_kept;
  return line.dump();
}

torch::Tensor contact_row(const TransitionVideo& video, int64_t columns) {
  const int64_t frames = video.frames.size(0);
  const int64_t margin =
      std::max<int64_t>(kMinMargin, (video.after_frame - video.switch_frame) / 2);
  const int64_t first = std::max<int64_t>(0, video.switch_frame - margin);
  const int64_t last = std::min(frames - 1, video.after_frame + margin);
  const auto picks = torch::linspace(static_cast<double>(first), static_cast<double>(last), columns)
                         .round()
                         .to(torch::kLong);
  std::vector<torch::Tensor> picked;
  for (int64_t c = 0; c < columns; ++c) picked.push_back(video.frames[picks[c].item<int64_t>()]);
  return side_by_side(picked);
}

torch::Tensor side_by_side(const std::vector<torch::Tensor>& frames) {
  const auto separator =
      torch::full({frames.at(0).size(0), kSeparator, 3}, kSeparatorGrey, torch::kUInt8);
  std::vector<torch::Tensor> parts;
  for (size_t c = 0; c < frames.size(); ++c) {
    if (c > 0) parts.push_back(separator);
    parts.push_back(frames[c]);
  }
  return torch::cat(parts, 1);
}

void write_contact_sheet(const std::filesystem::path& path,
                         const std::vector<torch::Tensor>& rows) {
  if (rows.empty()) return;
  const auto separator =
      torch::full({kSeparator, rows[0].size(1), 3}, kSeparatorGrey, torch::kUInt8);
  std::vector<torch::Tensor> parts;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) parts.push_back(separator);
    parts.push_back(rows[r]);
  }
  write_png(path, torch::cat(parts, 0).contiguous());
}

}  // namespace ditstream::bench
