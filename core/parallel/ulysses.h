#pragma once
// Ulysses sequence parallelism (DeepSpeed-Ulysses, as xDiT runs it for video DiTs): each of N
// ranks holds 1/N of the video tokens through the blocks; around every self-attention an
// all-to-all trades tokens for heads, so attention (and every control on the hook: KV-sharing,
// anchors) sees the whole sequence for 1/N of the heads, and a second all-to-all trades back;
// mask-guided maps (head means) are averaged over the ranks' heads, and a cross-attention
// site's (1/N of the video queries) gathered over tokens (AttentionSite::shards).
// Text tokens are kept whole on every rank (they are few); their attention output is gathered
// over heads. Exact up to fp32 rounding. Needs heads and video tokens divisible by N.

#include "core/model/attention_control.h"
#include "core/model/sequence_shard.h"
#include "core/parallel/forward_call.h"
#include "core/parallel/rank_group.h"

#include <memory>

namespace ditstream {

class UlyssesShard : public SequenceShard {
 public:
  explicit UlyssesShard(RankGroup& group) : group_(group) {}
  torch::Tensor local(const torch::Tensor& tokens) const override;
  torch::Tensor gather(const torch::Tensor& local) override;

 private:
  RankGroup& group_;
};

// Wraps the forward's control (may be null): self-attention sites exchange tokens for heads
// around it; cross-attention (video queries, whole text) needs no exchange.
class UlyssesAttention : public AttentionControl {
 public:
  UlyssesAttention(RankGroup& group, AttentionControl* inner) : group_(group), inner_(inner) {}
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;

 private:
  torch::Tensor to_heads(const torch::Tensor& x,
                         int64_t text_len);  // (B,H,T+S/N,d) -> (B,H/N,T+S,d)
  torch::Tensor to_tokens(const torch::Tensor& x, int64_t text_len);  // and back

  RankGroup& group_;
  AttentionControl* inner_;
};

// Every rank's part of one forward (the same call on every rank); the prediction is whole on
// every rank. Cancellation waits for the forward's end: the ranks' collectives must pair up.
// `relay`: a mask-guided branch's channel to the other branch (cfg+ulysses).
torch::Tensor run_forward_sharded(const VideoTransformer& transformer, const ForwardCall& call,
                                  RankGroup& group, MaskRelay* relay = nullptr);

// The same for a causal chunk: every rank's `cache` holds the K/V of its heads (the causal KV
// cache sharded by heads), the chunk's whole token sequence.
torch::Tensor run_chunk_sharded(const VideoTransformer& transformer, const ChunkCall& call,
                                RollingKvCache& cache, RankGroup& group);

// Rank 0: sends each call to every other rank and runs its own part.
class UlyssesForward : public ForwardExecutor {
 public:
  UlyssesForward(std::shared_ptr<const VideoTransformer> transformer,
                 std::shared_ptr<RankGroup> group);
  torch::Tensor run(const ForwardCall& call) const override;
  torch::Tensor run_chunk(const ChunkCall& call, RollingKvCache& cache) const override;

 private:
  std::shared_ptr<const VideoTransformer> transformer_;
  std::shared_ptr<RankGroup> group_;
};

// Ranks other than 0: run their part, over `shards`, of each call rank 0 sends through `from`,
// until it stops, keeping one KV cache (the newest stream's) for causal chunks; with `reply`,
// send each prediction back to rank 0; mask-guided masks are relayed with rank `mask_peer` of
// `from` (cfg+ulysses: the other branch's rank at this position). Returns the calls served.
int64_t serve_sharded_forwards(RankGroup& from, RankGroup& shards,
                               const VideoTransformer& transformer, bool reply = false,
                               int mask_peer = -1);

}  // namespace ditstream
