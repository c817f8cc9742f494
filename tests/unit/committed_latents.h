#pragma once
// What a stream commits: the latents a generator (windowed or causal) hands to its
// on_committed_latents callback over `windows` calls of next_window, in order.

#include "core/stream/frame_generator.h"

#include <torch/torch.h>

#include <vector>

namespace ditstream::testing {

inline std::vector<torch::Tensor> committed_latents(FrameGenerator& generator, int64_t windows) {
  std::vector<torch::Tensor> committed;
  StreamCallbacks callbacks;
  callbacks.on_committed_latents = [&](int64_t, const torch::Tensor& l) {
    committed.push_back(l.clone());
  };
  generator.set_callbacks(callbacks);
  torch::NoGradGuard no_grad;
  for (int64_t n = 0; n < windows; ++n) generator.next_window();
  return committed;
}

}  // namespace ditstream::testing
