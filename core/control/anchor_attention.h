#pragma once
// Anchor memory's attention (long-stream-methods.md: StreamingT2V's appearance preservation,
// Text2Video-Zero's cross-frame attention, LongLive's frame sink). At the gated (step, layer)s of
// a forward, every query also attends to the keys and values of an anchor's video tokens, whose
// scores get an additive log-weight (the strength):
//   softmax([q kᵀ/√d ; q k_aᵀ/√d + log_weight]) [v ; v_a]
// The anchor's K/V of a step come from a forward of the anchor frames alone (AnchorRecorder), so
// the main forward's rows and layers outside the gate are untouched.

#include "core/control/kv_sharing.h"
#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <map>

namespace ditstream {

// Per gated layer, the anchor's video-token keys and values (1, heads, N, head_dim).
struct AnchorKv {
  struct Layer {
    torch::Tensor k, v;
  };
  std::map<int64_t, Layer> layers;
};

// One step's anchor: its K/V and the log-weight on its scores.
struct AnchorStep {
  AnchorKv kv;
  double log_weight = 0.0;
};

// Attends normally and keeps, at the gate's layers, the video tokens' K/V of every batch row, the
// rows' tokens laid side by side (one anchor of several frames or prompts).
class AnchorRecorder : public AttentionControl {
 public:
  explicit AnchorRecorder(KvSharingGate gate) : gate_(gate) {}
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;
  AnchorKv take() { return std::move(kv_); }

 private:
  KvSharingGate gate_;
  AnchorKv kv_;
};

// Adds the anchor at its layers; `next` (may be null), e.g. KV-sharing, sees the call first and
// its attention reads the anchor too.
class AnchorAttention : public AttentionControl {
 public:
  AnchorAttention(const AnchorStep& anchor, AttentionControl* next)
      : anchor_(anchor), next_(next) {}
  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;
  int64_t anchored_calls() const { return anchored_; }

 private:
  const AnchorStep& anchor_;
  AttentionControl* next_;
  int64_t anchored_ = 0;
};

// softmax over [k ; anchor_k] with log_weight added to the anchor keys' scores, through a plain
// `attention` call: q and the keys gain zero-padded columns that carry the bias, q pre-scaled so
// the kernel's 1/√(d + pad) still means 1/√d.
torch::Tensor attend_with_anchor(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, const AnchorKv::Layer& anchor,
                                 double log_weight, const AttentionFn& attention);

}  // namespace ditstream
