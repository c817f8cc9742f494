#pragma once
// DiTCtrl KV-sharing (ditctrl-spec §4): inside a (step, layer) gate, each target batch row attends
// with its own queries to its source row's full K/V sequence (text + video, after q/k norm and
// rotation, i.e. exactly what `attend` receives). Outside the gate every row attends normally.
//
// Batch layout contract (the stream code builds the transformer batch this way):
//   with CFG:    [u_src, u_tgt, c_src, c_tgt], roles {Uncond, Uncond, Cond, Cond};
//                u_tgt reads u_src's K/V, c_tgt reads c_src's K/V (KvSharingLayout::cfg_pair)
//   without CFG: [src, tgt]; tgt reads src's K/V (KvSharingLayout::plain_pair)
// Any other layout (e.g. a third row for a plain pass of the target) is described by listing its
// pairs explicitly; rows that are not a target attend normally. Source and target are different
// windows denoised at the same step in the same forward (spec §4.2, §8.3).

#include "core/model/attention_control.h"

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace ditstream {

// Half-open ranges on the sampler step index (0 = noisiest) and the transformer block index.
struct KvSharingGate {
  int64_t step_start = 0;
  int64_t step_end = 0;
  int64_t layer_start = 0;
  int64_t layer_end = 0;

  bool has_step(int64_t step) const { return step >= step_start && step < step_end; }
  bool contains(int64_t step, int64_t layer) const {
    return has_step(step) && layer >= layer_start && layer < layer_end;
  }
  bool empty() const { return step_end <= step_start || layer_end <= layer_start; }
  int64_t size() const;  // number of gated (step, layer) pairs

  // The reference's steps [2,25) of 50 and layers [25,30) of 30, kept at the same fractions:
  //   layer_start = min(floor(25·L/30), L−1), layer_end = L        (always at least one layer)
  //   step_start  = ceil(2·N/50)                                   (the noisiest steps stay plain)
  //   step_end    = max(round_half_up(25·N/50), min(step_start+1, N))
  // e.g. L=2 -> [1,2), L=3 -> [2,3), N=10 -> [1,5), N=4 -> [1,2), N=1 -> empty.
  static KvSharingGate defaults_for(int64_t num_layers, int64_t num_steps);
};

// One source->target row pair. mask_source / mask_target name the (conditional) rows whose
// video->text attention yields the source / target subject masks for this pair; plain KV-sharing
// ignores them. Under CFG both pairs take their masks from the conditional rows (spec §5.3).
struct KvSharePair {
  int64_t source = 0;
  int64_t target = 1;
  int64_t mask_source = 0;
  int64_t mask_target = 1;
};

struct KvSharingLayout {
  std::vector<KvSharePair> pairs;

  static KvSharingLayout cfg_pair();    // [u_src, u_tgt, c_src, c_tgt]
  static KvSharingLayout plain_pair();  // [src, tgt]

  // Throws when a row is out of range, a row is a target twice, a target is also a source, or
  // (when roles are known) a pair mixes Uncond and Cond rows or, where `masks` are read, a mask
  // row is not Cond.
  void validate(int64_t batch, const std::vector<BatchRole>* roles, bool masks = true) const;
  std::vector<int64_t> targets() const;
  std::vector<int64_t> sources() const;  // in the order of targets()
};

struct SharedCall {
  int64_t step = 0;
  int64_t layer = 0;
  bool operator==(const SharedCall& o) const { return step == o.step && layer == o.layer; }
};

class KvSharingControl : public AttentionControl {
 public:
  KvSharingControl(KvSharingGate gate, KvSharingLayout layout);

  torch::Tensor attend(const AttentionSite& site, const torch::Tensor& q, const torch::Tensor& k,
                       const torch::Tensor& v, const AttentionFn& attention) override;

  const KvSharingGate& gate() const { return gate_; }
  const KvSharingLayout& layout() const { return layout_; }
  // Every attend call, and the (step, layer) of those that shared K/V, in call order.
  int64_t calls() const { return calls_; }
  const std::vector<SharedCall>& shared_calls() const { return shared_; }
  void clear_log();

 private:
  KvSharingGate gate_;
  KvSharingLayout layout_;
  int64_t calls_ = 0;
  std::vector<SharedCall> shared_;
};

// Throws when the batch has not forked yet at a gated site (the layout names rows after the fork).
void check_forked(const AttentionSite& site);

// k (or v) with each target row replaced by its source row; one attention call over the result
// keeps non-target rows bit-identical to a plain forward of the same batch.
torch::Tensor share_rows(const torch::Tensor& kv, const KvSharingLayout& layout);

}  // namespace ditstream
