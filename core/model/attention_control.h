#pragma once
// The one interface every transformer attention call goes through. Plain generation passes no
// control; DiTCtrl's KV-sharing, mask-guided fusion and attention-map capture implement it in
// core/control without branches inside the model.

#include <torch/types.h>

#include <functional>
#include <vector>

namespace ditstream {

enum class BatchRole { Uncond, Cond };
// Self: q, k, v of one sequence. Cross: queries from the video, keys and values from the text
// (Wan's attn2; text_len is 0 there).
enum class AttentionKind { Self, Cross };

struct BatchFork;
class BlockCache;

// How this rank holds an attention call split over ranks (Ulysses); a site without one is whole.
class SiteShards {
 public:
  virtual ~SiteShards() = default;
  // A per-video-token map a control computed as a head mean over this rank's part of the call
  // -> the map over every head and every video token, the same on every rank.
  virtual torch::Tensor whole_map(const torch::Tensor& part) const = 0;
};

struct AttentionSite {
  int64_t step = 0;      // sampler step index within the window
  int64_t layer = 0;     // transformer block index
  int64_t text_len = 0;  // the first text_len tokens of the sequence are text
  const std::vector<BatchRole>* roles = nullptr;  // one per batch row; null when unknown
  AttentionKind kind = AttentionKind::Self;
  const BatchFork* pending_fork = nullptr;  // set in the blocks before a fork
  const SiteShards* shards = nullptr;       // set by a sequence-parallel exchange
};

// q, k, v: (B, heads, S, head_dim) after q/k norm and positional rotation; returns (B, heads, S,
// hd).
using AttentionFn = std::function<torch::Tensor(const torch::Tensor& q, const torch::Tensor& k,
                                                const torch::Tensor& v)>;

class AttentionControl {
 public:
  virtual ~AttentionControl() = default;
  // May replace k/v before calling `attention`, call it several times and fuse, or observe.
  virtual torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const AttentionFn& attention) = 0;
};

// From block `layer` on, the forward goes on with the batch rows `rows` (a row may be taken twice):
// what the blocks before it computed for a row is reused, not recomputed. DiTCtrl's shared pass of
// a window equals its plain pass below the KV-sharing gate, so it forks off the plain row there.
// Controls name rows as they are after the fork; row_before() maps them to the rows before it.
struct BatchFork {
  int64_t layer = -1;            // -1: no fork
  std::vector<int64_t> rows;     // per row after the fork, the row it continues
  std::vector<BatchRole> roles;  // per row after the fork

  bool active() const { return layer >= 0; }
  // `t` (batch rows first) re-indexed by `rows`; a broadcast tensor (size 1 < batch) stays as is.
  torch::Tensor apply(const torch::Tensor& t, int64_t batch) const;
};

// The batch row that holds row `row` (as numbered after any fork) at this site.
inline int64_t row_before(const AttentionSite& site, int64_t row) {
  return site.pending_fork ? site.pending_fork->rows.at(static_cast<size_t>(row)) : row;
}

// Per-forward context handed to the transformer.
struct AttentionContext {
  AttentionControl* control = nullptr;
  int64_t step = 0;
  std::vector<BatchRole> roles;  // e.g. {Uncond, Cond} under CFG
  BatchFork fork;
  BlockCache* block_cache = nullptr;  // a step cache (core/model/block_cache.h)
};

// Before block `layer`: applies ctx.fork there (to every tensor in `rows`, whose first one sets
// the batch) and keeps `site` telling the blocks before it that a fork is pending.
void fork_at_block(const AttentionContext& ctx, int64_t layer, AttentionSite& site,
                   std::vector<torch::Tensor*> rows);

// softmax(q kᵀ / sqrt(hd)) v without a mask; fused kernel where available, else query-chunked so
// the score matrix stays bounded.
torch::Tensor full_attention(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v);

}  // namespace ditstream
