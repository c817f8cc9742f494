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

struct AttentionSite {
  int64_t step = 0;      // sampler step index within the window
  int64_t layer = 0;     // transformer block index
  int64_t text_len = 0;  // the first text_len tokens of the sequence are text
  const std::vector<BatchRole>* roles = nullptr;  // one per batch row; null when unknown
  AttentionKind kind = AttentionKind::Self;
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

// Per-forward context handed to the transformer.
struct AttentionContext {
  AttentionControl* control = nullptr;
  int64_t step = 0;
  std::vector<BatchRole> roles;  // e.g. {Uncond, Cond} under CFG
};

// softmax(q kᵀ / sqrt(hd)) v without a mask; fused kernel where available, else query-chunked so
// the score matrix stays bounded.
torch::Tensor full_attention(const torch::Tensor& q, const torch::Tensor& k,
                             const torch::Tensor& v);

}  // namespace ditstream
