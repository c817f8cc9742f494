#pragma once
// Measurements of bench/ditstream_bench.cpp and their summaries: per-window samples, JSON lines,
// a markdown table.

#include "core/stream/runtime_options.h"
#include "core/stream/stage_times.h"

#include <array>
#include <chrono>
#include <string>
#include <vector>

namespace ditstream::bench {

struct RunInfo {
  std::string label, model, device, dtype, torch_version, scenario;
  int threads = 0;
  int64_t steps = 0;
};
RunInfo run_info(const std::string& label, const std::string& model, const RuntimeOptions& runtime,
                 const std::string& scenario, int64_t steps);

struct WindowSample {
  std::string variant;
  int64_t window = 0;
  bool transition = false;
  int64_t frames = 0;
  double seconds = 0;      // wall time of next_window()
  double since_start = 0;  // from the generator's construction to the end of this window
  std::array<double, kStageCount> stages{};
  double resident_mb = 0;  // VmRSS after the window
  double peak_mb = 0;      // VmHWM after the window
};
using Clock = std::chrono::steady_clock;
WindowSample measure_window(const std::string& variant, int64_t window, bool transition,
                            size_t frames, Clock::time_point begin, Clock::time_point start,
                            const StageTimes& times);

struct Spread {
  double median = 0, min = 0, max = 0;
  int64_t count = 0;
};
Spread spread(std::vector<double> values);

struct VariantSummary {
  std::string variant;
  Spread window, plain, transition;
  double fps = 0;                  // frames / seconds over the measured windows
  double first_frame_seconds = 0;  // construction to the end of window 0
  std::array<double, kStageCount> stage_median{};
  double steady_mb = 0, peak_mb = 0;
};
// Windows before `warmup` are excluded (except for the time to first frame).
VariantSummary summarise(const std::string& variant, const std::vector<WindowSample>& samples,
                         int64_t warmup);

void append_json_lines(const std::string& path, const RunInfo& info,
                       const std::vector<WindowSample>& samples);
std::string markdown_table(const RunInfo& info, const std::vector<VariantSummary>& rows);

// A bench program's main: runs `run` on the arguments, turning an exception into a message
// naming `program` and exit status 1.
int run_main(const char* program, int argc, char** argv,
             int (*run)(const std::vector<std::string>& args));

}  // namespace ditstream::bench
