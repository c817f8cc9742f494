#pragma once
// The renders ShapesBench scores: one window per caption, and a prompt change A -> B through the
// stream generator or the offline renderer, with the frames where the change happens.

#include "core/stream/offline_renderer.h"
#include "core/stream/stream_generator.h"

#include <torch/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ditstream::bench {

struct TransitionVideo {
  torch::Tensor frames;             // (N, H, W, 3) uint8
  std::vector<int64_t> boundaries;  // first video frame of every window after the first
  int64_t switch_frame = 0;         // first frame of the transition: A's segment is [0, it)
  int64_t after_frame = 0;          // first frame of B's first window: B's segment is [it, N)
  bool cut = false;                 // B starts as a shot cut (no transition windows)
};

// One window of `prompt` with the offline options' sampler, guidance and steps.
torch::Tensor render_window(const OfflineRenderer& renderer, const std::string& prompt,
                            const OfflineOptions& options);

// A from frame 0, B from the frame window 2 starts: two windows of A, the transition windows
// (none with `cut`: B starts as a shot cut), two windows of B, then finish().
TransitionVideo render_stream(std::shared_ptr<const PipelineComponents> model,
                              const StreamOptions& options, const std::string& a,
                              const std::string& b, bool cut = false);

// The offline joint render of [A, B].
TransitionVideo render_offline(const OfflineRenderer& renderer, const PipelineComponents& model,
                               const OfflineOptions& options, const std::string& a,
                               const std::string& b);

}  // namespace ditstream::bench
