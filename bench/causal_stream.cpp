#include "bench/causal_stream.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ditstream::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double resident_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0.0;
}

std::shared_ptr<PromptTimeline> one_prompt(const std::string& text) {
  auto t = std::make_shared<PromptTimeline>();
  t->add(prompt_entry(0, text));
  return t;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string row(const std::string& name, double value, const char* unit) {
  char text[160];
  std::snprintf(text, sizeof text, "| %s | %.6g %s |\n", name.c_str(), value, unit);
  return text;
}

}  // namespace

CausalRun run_causal(std::shared_ptr<const PipelineComponents> model, const CausalOptions& o,
                     int64_t chunks) {
  CausalGenerator g(std::move(model), o, one_prompt("a red fox running in the snow"));
  torch::NoGradGuard no_grad;
  CausalRun run;
  for (int64_t c = 0; c < chunks; ++c) {
    const auto start = Clock::now();
    run.steady_frames = static_cast<int64_t>(g.next_window().size());
    run.frames += run.steady_frames;
    run.chunk_seconds.push_back(seconds_since(start));
    run.decode_seconds.push_back(g.last_window_times().seconds(Stage::Decode));
    run.resident_mb.push_back(resident_mb());
  }
  return run;
}

double windowed_seconds_per_frame(std::shared_ptr<const PipelineComponents> model,
                                  const StreamOptions& o, int64_t windows) {
  StreamGenerator g(std::move(model), o, one_prompt("a red fox running in the snow"));
  torch::NoGradGuard no_grad;
  g.next_window();  // warm-up
  const int64_t before = g.frames_emitted();
  const auto start = Clock::now();
  for (int64_t n = 0; n < windows; ++n) g.next_window();
  return seconds_since(start) / static_cast<double>(g.frames_emitted() - before);
}

std::vector<SwitchCost> measure_switches(std::shared_ptr<const PipelineComponents> model,
                                         CausalOptions o, int64_t at) {
  std::vector<SwitchCost> costs;
  for (const auto method : {SwitchMethod::Recache, SwitchMethod::Ditctrl, SwitchMethod::Cut}) {
    o.switch_method = method;
    auto timeline = one_prompt("a red fox running in the snow");
    CausalGenerator g(model, o, timeline);
    PromptEntry next;
    next.text = "a white wolf walking through a forest";
    next.frame = g.first_new_frame(at);
    timeline->add(next);
    torch::NoGradGuard no_grad;
    SwitchCost cost{switch_method_name(method)};
    for (int64_t c = 0; c <= at; ++c) {
      const auto start = Clock::now();
      g.next_window();
      const auto& t = g.last_window_times();
      const double elapsed = seconds_since(start) - t.seconds(Stage::TextEncode);
      (c == at ? cost.chunk_seconds : cost.plain_seconds) = elapsed - t.seconds(Stage::Decode);
    }
    cost.switch_seconds = g.last_switch_seconds();
    costs.push_back(cost);
  }
  return costs;
}

std::string causal_table(const CausalRun& run, double windowed_spf,
                         const std::vector<SwitchCost>& switches, int64_t warmup) {
  const std::vector<double> steady(
      run.chunk_seconds.begin() + std::min<size_t>(warmup, run.chunk_seconds.size()),
      run.chunk_seconds.end());
  const double chunk = median_of(steady);
  const auto frames_per_chunk = static_cast<double>(run.steady_frames);
  std::ostringstream out;
  out << "| measure | value |\n|---|---|\n"
      << row("chunks", static_cast<double>(run.chunk_seconds.size()), "")
      << row("frames", static_cast<double>(run.frames), "")
      << row("chunk seconds (median after warm-up)", chunk, "s")
      << row("of which VAE decode (median)", median_of(run.decode_seconds), "s")
      << row("causal seconds per frame", chunk / frames_per_chunk, "s");
  if (windowed_spf > 0)
    out << row("windowed seconds per frame (same model and size)", windowed_spf, "s")
        << row("causal / windowed seconds per frame", chunk / frames_per_chunk / windowed_spf, "");
  if (run.resident_mb.size() > 100) {
    const double base = run.resident_mb[99], last = run.resident_mb.back();
    out << row("RSS after chunk 100", base, "MB") << row("RSS after the last chunk", last, "MB")
        << row("RSS growth after chunk 100", 100.0 * (last - base) / base, "%");
  }
  double recache = 0;
  for (const auto& s : switches) {
    if (s.method == "recache") recache = s.chunk_seconds;
    out << row("switch " + s.method + ": pass seconds", s.switch_seconds, "s")
        << row("switch " + s.method + ": switch chunk / plain chunk",
               s.chunk_seconds / s.plain_seconds, "");
  }
  double recache_pass = 0;
  for (const auto& s : switches) {
    if (s.method == "recache") recache_pass = s.switch_seconds;
    if (s.method == "ditctrl" && recache > 0)
      out << row("ditctrl switch chunk / recache switch chunk", s.chunk_seconds / recache, "")
          << row("ditctrl pass / recache pass", s.switch_seconds / recache_pass, "");
  }
  return out.str();
}

}  // namespace ditstream::bench
