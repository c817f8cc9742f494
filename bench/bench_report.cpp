#include "bench/bench_report.h"

#include <torch/torch.h>
#include <torch/version.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>

namespace ditstream::bench {
namespace {

// A "Vm...:  123 kB" line of /proc/self/status, in MB.
double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  return 0.0;
}

std::string fixed(double value, int digits = 3) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string spread_cell(const Spread& s) {
  if (s.count == 0) return "–";
  return fixed(s.median) + " (" + fixed(s.min) + "–" + fixed(s.max) + ")";
}

}  // namespace

RunInfo run_info(const std::string& label, const std::string& model, const RuntimeOptions& runtime,
                 const std::string& scenario, int64_t steps) {
  return {label,         model,    runtime.device.str(),     dtype_name(runtime.dtype),
          TORCH_VERSION, scenario, torch::get_num_threads(), steps};
}

WindowSample measure_window(const std::string& variant, int64_t window, bool transition,
                            size_t frames, Clock::time_point begin, Clock::time_point start,
                            const StageTimes& times) {
  const auto now = Clock::now();
  WindowSample s;
  s.variant = variant;
  s.window = window;
  s.transition = transition;
  s.frames = static_cast<int64_t>(frames);
  s.seconds = std::chrono::duration<double>(now - begin).count();
  s.since_start = std::chrono::duration<double>(now - start).count();
  for (int k = 0; k < kStageCount; ++k) s.stages[k] = times.seconds(static_cast<Stage>(k));
  s.resident_mb = status_mb("VmRSS");
  s.peak_mb = status_mb("VmHWM");
  return s;
}

Spread spread(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  return {median, values.front(), values.back(), static_cast<int64_t>(n)};
}

VariantSummary summarise(const std::string& variant, const std::vector<WindowSample>& samples,
                         int64_t warmup) {
  VariantSummary out;
  out.variant = variant;
  std::vector<double> all, plain, transition, resident;
  std::array<std::vector<double>, kStageCount> stages;
  double frames = 0;
  for (const auto& s : samples) {
    if (s.window < warmup) continue;
    all.push_back(s.seconds);
    (s.transition ? transition : plain).push_back(s.seconds);
    resident.push_back(s.resident_mb);
    for (int k = 0; k < kStageCount; ++k) stages[k].push_back(s.stages[k]);
    frames += static_cast<double>(s.frames);
    out.peak_mb = std::max(out.peak_mb, s.peak_mb);
  }
  out.window = spread(all);
  out.plain = spread(plain);
  out.transition = spread(transition);
  out.fps = frames / std::accumulate(all.begin(), all.end(), 0.0);
  out.first_frame_seconds = samples.empty() ? 0.0 : samples.front().since_start;
  for (int k = 0; k < kStageCount; ++k) out.stage_median[k] = spread(stages[k]).median;
  out.steady_mb = spread(resident).median;
  return out;
}

void append_json_lines(const std::string& path, const RunInfo& info,
                       const std::vector<WindowSample>& samples) {
  std::ofstream out(path, std::ios::app);
  if (!out) throw std::runtime_error("cannot write " + path);
  for (const auto& s : samples) {
    nlohmann::json line = {
        {"label", info.label},       {"model", info.model},          {"device", info.device},
        {"dtype", info.dtype},       {"torch", info.torch_version},  {"threads", info.threads},
        {"scenario", info.scenario}, {"steps", info.steps},          {"variant", s.variant},
        {"window", s.window},        {"transition", s.transition},   {"frames", s.frames},
        {"seconds", s.seconds},      {"since_start", s.since_start}, {"resident_mb", s.resident_mb},
        {"peak_mb", s.peak_mb}};
    for (int k = 0; k < kStageCount; ++k)
      line["stage_" + stage_name(static_cast<Stage>(k))] = s.stages[k];
    out << line.dump() << "\n";
  }
}

std::string markdown_table(const RunInfo& info, const std::vector<VariantSummary>& rows) {
  std::ostringstream out;
  out << "scenario `" << info.scenario << "`, model `" << info.model << "`, " << info.device << " "
      << info.dtype << ", " << info.threads << " threads, libtorch " << info.torch_version << ", "
      << info.steps << " steps" << (info.label.empty() ? "" : ", " + info.label) << "\n\n"
      << "| variant | s/window median (min–max) | plain | transition | fps | first frame s "
         "| text | denoise | of which KV pairs | of which blending | decode | convert "
         "| RSS MB steady / peak |\n"
      << "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows) {
    out << "| " << r.variant << " | " << spread_cell(r.window) << " | " << spread_cell(r.plain)
        << " | " << spread_cell(r.transition) << " | " << fixed(r.fps, 1) << " | "
        << fixed(r.first_frame_seconds, 2);
    for (int k = 0; k < kStageCount; ++k) out << " | " << fixed(r.stage_median[k]);
    out << " | " << fixed(r.steady_mb, 0) << " / " << fixed(r.peak_mb, 0) << " |\n";
  }
  return out.str();
}

int run_main(const char* program, int argc, char** argv,
             int (*run)(const std::vector<std::string>& args)) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace ditstream::bench
