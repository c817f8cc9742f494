#include "core/parallel/ulysses.h"

#include "core/model/forward_cancellation.h"
#include "core/model/video_transformer.h"
#include "core/parallel/call_transport.h"
#include "core/parallel/rank_mask_relay.h"

#include <torch/torch.h>

#include <optional>
#include <stdexcept>

namespace ditstream {
namespace {

int64_t exact_part(int64_t size, int64_t parts, const char* what) {
  if (size % parts != 0)
    throw std::runtime_error("parallel=ulysses: " + std::to_string(size) + " " + what +
                             " do not split over " + std::to_string(parts) + " ranks");
  return size / parts;
}

// The anchor's K/V cut to this rank's heads (attention sees 1/N of them).
std::optional<AnchorStep> anchor_heads(const std::optional<AnchorStep>& anchor, int rank,
                                       int ranks) {
  if (!anchor) return anchor;
  AnchorStep part = *anchor;
  for (auto& [layer, kv] : part.kv.layers) {
    const int64_t n = exact_part(kv.k.size(1), ranks, "heads");
    kv = {kv.k.slice(1, rank * n, (rank + 1) * n), kv.v.slice(1, rank * n, (rank + 1) * n)};
  }
  return part;
}

// This rank's part of a site: 1/N of the heads (self-attention: the head mean over every rank's
// heads) or 1/N of the video queries (cross-attention: every rank's tokens in order).
class RankShards : public SiteShards {
 public:
  RankShards(RankGroup& group, bool heads) : group_(group), heads_(heads) {}
  torch::Tensor whole_map(const torch::Tensor& part) const override {
    const auto parts = group_.all_gather(part);
    return heads_ ? torch::stack(parts).mean(0) : torch::cat(parts, -1);
  }

 private:
  RankGroup& group_;
  bool heads_;
};

}  // namespace

torch::Tensor UlyssesShard::local(const torch::Tensor& tokens) const {
  const int64_t n = exact_part(tokens.size(1), group_.world_size(), "video tokens");
  return tokens.slice(1, group_.rank() * n, (group_.rank() + 1) * n);
}

torch::Tensor UlyssesShard::gather(const torch::Tensor& local) {
  return torch::cat(group_.all_gather(local), 1);
}

torch::Tensor UlyssesAttention::to_heads(const torch::Tensor& x, int64_t text_len) {
  const int64_t ranks = group_.world_size(), b = x.size(0), d = x.size(3);
  const int64_t heads = exact_part(x.size(1), ranks, "heads");
  const auto text =
      x.slice(2, 0, text_len).slice(1, group_.rank() * heads, (group_.rank() + 1) * heads);
  const auto video = x.slice(2, text_len);
  const int64_t s = video.size(2);
  // Slice i of the heads goes to rank i; what comes back is every rank's tokens of our heads.
  const auto out = group_.all_to_all(video.reshape({b, ranks, heads, s, d}).transpose(0, 1))
                       .permute({1, 2, 0, 3, 4})
                       .reshape({b, heads, ranks * s, d});
  return text_len > 0 ? torch::cat({text, out}, 2) : out;
}

torch::Tensor UlyssesAttention::to_tokens(const torch::Tensor& x, int64_t text_len) {
  const int64_t ranks = group_.world_size(), b = x.size(0), heads = x.size(1), d = x.size(3);
  const auto video = x.slice(2, text_len);
  const int64_t s = video.size(2) / ranks;
  const auto out =
      group_.all_to_all(video.reshape({b, heads, ranks, s, d}).permute({2, 0, 1, 3, 4}))
          .transpose(0, 1)
          .reshape({b, ranks * heads, s, d});
  if (text_len == 0) return out;
  return torch::cat({torch::cat(group_.all_gather(x.slice(2, 0, text_len)), 1), out}, 2);
}

torch::Tensor UlyssesAttention::attend(const AttentionSite& site, const torch::Tensor& q,
                                       const torch::Tensor& k, const torch::Tensor& v,
                                       const AttentionFn& attention) {
  const auto inner = [&](const AttentionSite& part, const torch::Tensor& qp,
                         const torch::Tensor& kp, const torch::Tensor& vp) {
    return inner_ ? inner_->attend(part, qp, kp, vp, attention) : attention(qp, kp, vp);
  };
  const bool cross = site.kind == AttentionKind::Cross;
  const RankShards shards(group_, !cross);
  AttentionSite part = site;
  part.shards = &shards;
  if (cross) return inner(part, q, k, v);
  const int64_t t = site.text_len;
  return to_tokens(inner(part, to_heads(q, t), to_heads(k, t), to_heads(v, t)), t);
}

torch::Tensor run_forward_sharded(const VideoTransformer& transformer, const ForwardCall& call,
                                  RankGroup& group, MaskRelay* relay) {
  const ForwardCancellation uninterruptible(nullptr);
  const auto control = make_attention_control(call.control, relay);
  const auto anchor = anchor_heads(call.anchor, group.rank(), group.world_size());
  std::optional<AnchorAttention> anchored;
  AttentionControl* inner = control.get();
  if (anchor) inner = &anchored.emplace(*anchor, inner);
  UlyssesAttention exchange(group, inner);
  UlyssesShard shard(group);
  const SequenceShardScope scope(&shard);
  ForwardCall plain = call;
  plain.anchor.reset();  // read inside the exchange, on this rank's heads
  return run_forward_here(transformer, plain, &exchange);
}

torch::Tensor run_chunk_sharded(const VideoTransformer& transformer, const ChunkCall& call,
                                RollingKvCache& cache, RankGroup& group) {
  const ForwardCancellation uninterruptible(nullptr);
  UlyssesAttention exchange(group, &cache);
  UlyssesShard shard(group);
  const SequenceShardScope scope(&shard);
  return run_chunk_here(transformer, call, cache, &exchange);
}

UlyssesForward::UlyssesForward(std::shared_ptr<const VideoTransformer> transformer,
                               std::shared_ptr<RankGroup> group)
    : transformer_(std::move(transformer)), group_(std::move(group)) {
  if (group_->rank() != 0) throw std::invalid_argument("UlyssesForward runs on rank 0");
}

torch::Tensor UlyssesForward::run(const ForwardCall& call) const {
  for (int rank = 1; rank < group_->world_size(); ++rank) send_call(*group_, call, rank);
  return run_forward_sharded(*transformer_, call, *group_);
}

torch::Tensor UlyssesForward::run_chunk(const ChunkCall& call, RollingKvCache& cache) const {
  for (int rank = 1; rank < group_->world_size(); ++rank)
    send_chunk(*group_, {call, cache.id(), cache.options()}, rank);
  return run_chunk_sharded(*transformer_, call, cache, *group_);
}

namespace {

// This rank's cache for rank 0's cache `m.cache_id` (a new stream's replaces the last one).
RollingKvCache& worker_cache(std::unique_ptr<RollingKvCache>& cache, uint64_t& id,
                             const ChunkMessage& m, const VideoTransformer& transformer) {
  if (cache && id == m.cache_id) return *cache;
  KvCacheOptions options = m.options;
  options.shift_key_frames = [&transformer](const torch::Tensor& keys, int64_t frames) {
    return transformer.shift_key_frames(keys, frames);
  };
  cache = std::make_unique<RollingKvCache>(options);
  id = m.cache_id;
  return *cache;
}

}  // namespace

int64_t serve_sharded_forwards(RankGroup& from, RankGroup& shards,
                               const VideoTransformer& transformer, bool reply, int mask_peer) {
  std::optional<RankMaskRelay> relay;
  if (mask_peer >= 0) relay.emplace(from, mask_peer);
  std::unique_ptr<RollingKvCache> cache;
  uint64_t cache_id = 0;
  int64_t served = 0;
  for (; auto message = recv_message(from, 0); ++served) {
    if (const auto* call = std::get_if<ForwardCall>(&*message)) {
      const auto prediction =
          run_forward_sharded(transformer, *call, shards, relay ? &*relay : nullptr);
      if (reply) send_prediction(from, prediction, 0);
      continue;
    }
    const auto& chunk = std::get<ChunkMessage>(*message);
    run_chunk_sharded(transformer, chunk.call, worker_cache(cache, cache_id, chunk, transformer),
                      shards);
  }
  return served;
}

}  // namespace ditstream
