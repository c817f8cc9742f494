#include "bench/shapes_bench_long.h"

#include "bench/shapes_bench_report.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace ditstream::bench {
namespace {

struct WindowRange {
  int64_t first, last;  // 1-based, inclusive
};

std::vector<WindowRange> ranges_of(int64_t windows) {
  std::vector<WindowRange> ranges;
  for (const WindowRange r : {WindowRange{1, 1}, {2, 10}, {11, 49}, {50, 100}, {101, 1 << 30}})
    if (r.first <= windows) ranges.push_back({r.first, std::min(r.last, windows)});
  return ranges;
}

// The streams' window scores in [first, last], and their mean contrast relative to each
// stream's window 1.
struct RangeScore {
  std::vector<AttributeScore> windows;
  double contrast_ratio = 0;
};

RangeScore score_range(const std::vector<LongStream>& streams, const WindowRange& r) {
  RangeScore s;
  double ratios = 0;
  for (const auto& stream : streams)
    for (int64_t w = r.first; w <= r.last && w <= int64_t(stream.windows.size()); ++w) {
      s.windows.push_back(stream.windows[size_t(w - 1)]);
      const double first = stream.contrast.front();
      ratios += first > 0 ? stream.contrast[size_t(w - 1)] / first : 0.0;
    }
  if (!s.windows.empty()) s.contrast_ratio = ratios / double(s.windows.size());
  return s;
}

// The requested motion in pixels per video frame.
std::array<double, 2> requested_pixels(const PipelineComponents& model, const LatentMotion& m) {
  const double scale = video_pixels_per_latent_step(model);
  return {m.dx * scale, m.dy * scale};
}

// The mean centroid step along `want` over |want|² (0 when the object is never placed twice).
double displacement_ratio(const ClipReading& r, const std::array<double, 2>& want) {
  const double norm = want[0] * want[0] + want[1] * want[1];
  if (std::isnan(r.velocity[0]) || norm <= 0) return 0.0;
  return (r.velocity[0] * want[0] + r.velocity[1] * want[1]) / norm;
}

// The first placed centroid and the velocity (NaN where the object is never placed).
std::array<double, 4> path_of(const ClipReading& r) {
  const auto placed = std::find_if(r.centroids.begin(), r.centroids.end(),
                                   [](const auto& c) { return !std::isnan(c[0]); });
  const std::array<double, 2> start =
      placed == r.centroids.end() ? std::array<double, 2>{NAN, NAN} : *placed;
  return {start[0], start[1], r.velocity[0], r.velocity[1]};
}

}  // namespace

double video_pixels_per_latent_step(const PipelineComponents& model) {
  const auto& g = model.geometry();
  return double(g.spatial_compression) / double(g.temporal_compression);
}

LatentMotion motion_along(const ClipSpec& target, double speed, int quarter_turns) {
  auto step = unit_step(target.shapes.at(0).direction);
  for (int k = 0; k < (quarter_turns % 4 + 4) % 4; ++k) step = {-step[1], step[0]};
  return {step[0] * speed, step[1] * speed};
}

std::string motion_table(const std::vector<LongStream>& streams) {
  int64_t windows = 0, within = 0, right = 0;
  double sum = 0;
  for (const auto& s : streams)
    for (const double ratio : s.motion_ratio) {
      ++windows;
      sum += ratio;
      within += std::abs(ratio - 1.0) <= 0.2;
      right += ratio > 0;
    }
  if (windows == 0) return "";
  char line[320];
  std::snprintf(line, sizeof line,
                "\n| motion control | windows | measured / requested (mean) | within 20 %% | "
                "direction right %% |\n|---|---|---|---|---|\n| long streams | %lld | %.2f | "
                "%.1f %% | %.1f %% |\n",
                static_cast<long long>(windows), sum / double(windows),
                100.0 * double(within) / double(windows), 100.0 * double(right) / double(windows));
  return line;
}

std::vector<int64_t> sheet_windows(int64_t windows) {
  std::vector<int64_t> picks;
  for (const int64_t w : {1, 25, 50, 100})
    if (w <= windows) picks.push_back(w);
  return picks;
}

LongStream run_long_stream(std::shared_ptr<const PipelineComponents> model,
                           const StreamOptions& options, const ClipSpec& target, int64_t windows) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, caption(target)));
  const auto want = requested_pixels(*model, options.motion);
  StreamGenerator generator(std::move(model), options, timeline);
  LongStream stream{target, options.seed, {}, {}, {}, {}, {}};
  const auto sheet = sheet_windows(windows);
  for (int64_t w = 1; w <= windows; ++w) {
    std::vector<torch::Tensor> frames;
    for (const auto& f : generator.next_window()) frames.push_back(f.rgb);
    const auto clip = torch::stack(frames);
    const auto reading = read_clip(clip);
    stream.windows.push_back(score_reading(reading, target));
    stream.contrast.push_back(reading.contrast);
    stream.paths.push_back(path_of(reading));
    if (options.motion.moves()) stream.motion_ratio.push_back(displacement_ratio(reading, want));
    if (std::find(sheet.begin(), sheet.end(), w) != sheet.end())
      stream.sheet.push_back(clip[clip.size(0) / 2]);
    std::fprintf(stderr, "long stream %s: window %lld/%lld\n", caption(target).c_str(),
                 static_cast<long long>(w), static_cast<long long>(windows));
  }
  return stream;
}

std::string long_stream_table(const std::vector<LongStream>& streams, double single_window_all) {
  std::ostringstream out;
  out << "| windows | scored | background % | colour % | direction % | shape % | all-3 % | "
         "contrast / window 1 |\n|---|---|---|---|---|---|---|---|\n";
  const int64_t windows = streams.empty() ? 0 : int64_t(streams[0].windows.size());
  double late = -1;
  for (const auto& r : ranges_of(windows)) {
    const auto s = score_range(streams, r);
    if (r.first == 50) late = all_rate(s.windows);
    char ratio[16];
    std::snprintf(ratio, sizeof ratio, "%.3f", s.contrast_ratio);
    out << "| " << r.first << (r.last > r.first ? "–" + std::to_string(r.last) : "") << " | "
        << s.windows.size() << attribute_cells(s.windows) << " | " << ratio << " |\n";
  }
  if (late >= 0 && single_window_all > 0) {
    char line[160];
    std::snprintf(line, sizeof line,
                  "\nWindows 50–100, all-3: %.1f %% = %.2f × the single-window all-3 rate "
                  "(%.1f %%).\n",
                  100.0 * late, late / single_window_all, 100.0 * single_window_all);
    out << line;
  }
  return out.str();
}

std::string long_stream_json(const LongStream& stream) {
  const auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nullptr; };
  nlohmann::json windows = nlohmann::json::array();
  for (size_t w = 0; w < stream.windows.size(); ++w) {
    const auto& a = stream.windows[w];
    windows.push_back({{"window", w + 1},
                       {"background", a.background},
                       {"colour", a.colour},
                       {"shape", a.shape},
                       {"direction", a.direction},
                       {"contrast", stream.contrast[w]},
                       {"path", nlohmann::json::array(
                                    {finite(stream.paths[w][0]), finite(stream.paths[w][1]),
                                     finite(stream.paths[w][2]), finite(stream.paths[w][3])})}});
  }
  return nlohmann::json{{"variant", "long stream"},
                        {"caption", caption(stream.target)},
                        {"seed", stream.seed},
                        {"windows", windows}}
      .dump();
}

void write_long_stream_sheet(const std::filesystem::path& path,
                             const std::vector<LongStream>& streams) {
  std::vector<torch::Tensor> rows;
  for (const auto& s : streams)
    if (!s.sheet.empty()) rows.push_back(side_by_side(s.sheet));
  write_contact_sheet(path, rows);
}

}  // namespace ditstream::bench
