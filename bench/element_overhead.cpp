#include "bench/element_overhead.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace ditstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

PathTiming time_core(std::shared_ptr<const PipelineComponents> model, const StreamOptions& options,
                     int64_t windows) {
  auto timeline = std::make_shared<PromptTimeline>();
  timeline->add(prompt_entry(0, "a red fox running in the snow"));
  const auto start = Clock::now();
  StreamGenerator g(std::move(model), options, timeline);
  for (int64_t n = 0; n < windows; ++n) g.next_window();
  return {g.frames_emitted(), seconds_since(start)};
}

std::string overhead_table(const PathTiming& core, const PathTiming& element,
                           const std::string& launch) {
  const auto row = [](const char* path, const PathTiming& t) {
    char line[160];
    std::snprintf(line, sizeof line, "| %s | %lld | %.2f | %.2f |\n", path,
                  static_cast<long long>(t.frames), t.seconds,
                  static_cast<double>(t.frames) / t.seconds);
    return std::string(line);
  };
  std::ostringstream out;
  out << "element vs core on the same windows: `" << launch << "`\n\n"
      << "| path | frames | seconds | fps |\n|---|---|---|---|\n"
      << row("core StreamGenerator", core) << row("ditstreamsrc ! fakesink", element);
  char ratio[96];
  std::snprintf(ratio, sizeof ratio, "\noverhead ratio (element seconds / core seconds): %.3f\n",
                element.seconds / core.seconds);
  return out.str() + ratio;
}

}  // namespace ditstream::bench
