#pragma once
// Wall time per stage of a window, for progress messages and bench/. Stages nest: KV-sharing pair
// forwards and blending happen inside denoising, so the transformer's own share is
// denoise - kv_sharing - blending.

#include <torch/types.h>

#include <array>
#include <chrono>
#include <string>
#include <utility>

namespace ditstream {

enum class Stage { TextEncode, Denoise, KvSharing, Blending, Decode, Convert };
constexpr int kStageCount = 6;
std::string stage_name(Stage stage);  // "text_encode", "denoise", ...

class StageTimes {
 public:
  // With a CUDA device, every measurement synchronises first so queued kernels are charged to
  // the stage that launched them.
  explicit StageTimes(torch::Device device = torch::kCPU) : device_(device) {}

  template <typename F>
  decltype(auto) time(Stage stage, F&& work) {
    const Scope scope(*this, stage);
    return work();
  }
  double seconds(Stage stage) const { return seconds_[static_cast<int>(stage)]; }
  void clear() { seconds_.fill(0.0); }

 private:
  class Scope {
   public:
    Scope(StageTimes& times, Stage stage);
    ~Scope();

   private:
    StageTimes& times_;
    Stage stage_;
    std::chrono::steady_clock::time_point start_;
  };
  void synchronize() const;

  torch::Device device_;
  std::array<double, kStageCount> seconds_{};
};

// times->time(stage, work), or just work() without a clock.
template <typename F>
decltype(auto) time_stage(StageTimes* times, Stage stage, F&& work) {
  return times ? times->time(stage, std::forward<F>(work)) : work();
}

}  // namespace ditstream
