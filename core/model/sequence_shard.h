#pragma once
// Sequence parallelism (Ulysses) as the model sees it: while a SequenceShard is installed on the
// thread that runs a forward, the model keeps only this rank's slice of the video tokens (and of
// their rotary tables) from the embedding on, and gathers the whole sequence back before its
// output layers. Attention sees every token through its control (core/parallel/ulysses.h), which
// trades tokens for heads around it. Without a shard both calls return their input: like forward
// cancellation, an ambient per-forward state of the thread, so the families' forwards stay one
// code path.

#include <torch/types.h>

namespace ditstream {

class SequenceShard {
 public:
  virtual ~SequenceShard() = default;
  // This rank's slice of `tokens` (B, S, ...) along dim 1.
  virtual torch::Tensor local(const torch::Tensor& tokens) const = 0;
  // Every rank's slice (B, S / N, D), concatenated in rank order.
  virtual torch::Tensor gather(const torch::Tensor& local) = 0;
};

// Installs `shard` on this thread for its lifetime.
class SequenceShardScope {
 public:
  explicit SequenceShardScope(SequenceShard* shard);
  ~SequenceShardScope();
  SequenceShardScope(const SequenceShardScope&) = delete;
  SequenceShardScope& operator=(const SequenceShardScope&) = delete;

 private:
  SequenceShard* outer_;
};

torch::Tensor shard_video_tokens(const torch::Tensor& video);   // (B, S, D)
torch::Tensor gather_video_tokens(const torch::Tensor& video);  // (B, S / N, D)
// A per-token table (S, ...), e.g. rotary cos/sin, cut to this rank's tokens.
torch::Tensor shard_token_rows(const torch::Tensor& table);

}  // namespace ditstream
