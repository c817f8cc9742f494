#pragma once
// DiTCtrl mask-guided KV-sharing (ditctrl-spec §5). Same gate and batch layout as
// KvSharingControl (see kv_sharing.h for the layout contract), plus (the maps come from the joint
// self-attention of an MM-DiT, or from a cross-attention site's video->text attention, Wan's
// attn2, with the fusion on its video-only self-attention):
//   maps   at every layer l < gate.layer_end of every forward at a gated step, each pair's mask
//   rows
//          (the conditional source and target rows) record the head-mean video->text attention of
//          their OWN q/k (before any sharing) summed over the subject tokens; the running mean over
//          layers 0..l of the current forward is kept (reset at layer 0 or on a new step).
//   masks  per frame min-max normalised, >= threshold (0.3); a frame whose mask would be empty
//          becomes all-ones. M_s from the source row with source_tokens, M_t from the target row
//          with target_tokens; both target rows of a CFG pair (uncond and cond) use the same masks.
//   fusion inside the gate, a target's text queries attend to all source keys; its video queries
//          with M_t = 1 attend to source text keys + source video keys with M_s = 1, those with
//          M_t = 0 to source text keys + source video keys with M_s = 0 (spec §5.4's Bias_fg /
//          Bias_bg, done as two attention calls on gathered key subsets, exactly equivalent).
// No S×S matrix is materialised: maps come from q·k_subject and a query-chunked logsumexp.
// With all-ones masks (threshold 0) the result equals KvSharingControl to rounding.
// Over ranks: a sharded site's maps are made whole (AttentionSite::shards) before they are kept;
// a forward split by branch relays the conditional rank's masks (mask_relay.h).

#include "core/control/kv_sharing.h"
#include "core/control/mask_relay.h"
#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace ditstream {

struct MaskGuidedOptions {
  std::vector<int64_t> source_tokens;  // text positions of the subject in the source prompt
  std::vector<int64_t> target_tokens;  // ... and in the target prompt
  int64_t tokens_per_frame = 0;        // video tokens per latent frame: (H/p)·(W/p)
  double threshold = 0.3;
  int64_t max_score_elements = int64_t{1} << 24;  // bounds one query chunk of the map pass
  MaskRelaySpec relay;                            // a forward split by branch only
};

struct SubjectMasks {
  torch::Tensor source;  // bool (frames, tokens_per_frame): source keys that are foreground
  torch::Tensor target;  // bool (frames, tokens_per_frame): target queries that are foreground
};

class MaskGuidedKvSharingControl : public AttentionControl {
 public:
  // Throws when a token list is empty, tokens_per_frame is not positive or the options relay
  // masks and `relay` is null. Sites with shards (Ulysses) make their maps whole through them.
  MaskGuidedKvSharingControl(KvSharingGate gate, KvSharingLayout layout, MaskGuidedOptions options,
                             MaskRelay* relay = nullptr);

  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;

  const KvSharingGate& gate() const { return gate_; }
  int64_t calls() const { return calls_; }
  const std::vector<SharedCall>& shared_calls() const { return shared_; }
  // One entry per layout pair, from the latest gated call (empty before the first).
  const std::vector<SubjectMasks>& last_masks() const { return masks_; }
  void clear_log();

 private:
  // (row, 0 = source tokens | 1 = target tokens)
  using MapKey = std::pair<int64_t, int>;
  using MaskRows = std::pair<int64_t, int64_t>;  // (mask_source, mask_target)

  void accumulate(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k);
  torch::Tensor map_mask(const MapKey& key, int64_t video_len) const;
  // The mask rows whose maps this rank keeps: its pairs' and those it sends (not when receiving).
  std::set<MaskRows> mask_rows() const;
  // Each pair group's masks at this gated call: computed here (and sent), or received.
  std::map<MaskRows, SubjectMasks> group_masks(int64_t video_len);
  bool receives() const { return options_.relay.role == MaskRelaySpec::Role::Receive; }
  torch::Tensor fuse(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                     const torch::Tensor& v, const AttentionFn& attention);
  torch::Tensor fuse_pairs(const std::vector<size_t>& pairs, const SubjectMasks& masks,
                           int64_t text_len, const torch::Tensor& q, const torch::Tensor& k,
                           const torch::Tensor& v, const AttentionFn& attention);

  KvSharingGate gate_;
  KvSharingLayout layout_;
  MaskGuidedOptions options_;
  MaskRelay* relay_;
  std::map<MapKey, torch::Tensor> map_sums_;
  int64_t map_layers_ = 0;
  int64_t map_step_ = -1;
  int64_t map_last_layer_ = -1;
  int64_t calls_ = 0;
  std::vector<SharedCall> shared_;
  std::vector<SubjectMasks> masks_;
};

}  // namespace ditstream
