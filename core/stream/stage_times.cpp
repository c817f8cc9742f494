#include "core/stream/stage_times.h"

#include <torch/cuda.h>

namespace ditstream {

std::string stage_name(Stage stage) {
  switch (stage) {
    case Stage::TextEncode:
      return "text_encode";
    case Stage::Denoise:
      return "denoise";
    case Stage::KvSharing:
      return "kv_sharing";
    case Stage::Blending:
      return "blending";
    case Stage::Decode:
      return "decode";
    case Stage::Convert:
      return "convert";
  }
  return "?";
}

StageTimes::Scope::Scope(StageTimes& times, Stage stage) : times_(times), stage_(stage) {
  times_.synchronize();
  start_ = std::chrono::steady_clock::now();
}

StageTimes::Scope::~Scope() {
  try {
    times_.synchronize();
  } catch (...) {  // a failing device reports itself through the stage's own work
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
  times_.seconds_[static_cast<int>(stage_)] += took.count();
}

void StageTimes::synchronize() const {
  if (device_.is_cuda()) torch::cuda::synchronize(device_.index());
}

}  // namespace ditstream
