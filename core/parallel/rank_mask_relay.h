#pragma once
// Mask-guided KV-sharing's masks between the two branches' ranks (mask_relay.h), over the
// stream's process group; masks travel as bytes.

#include "core/control/mask_relay.h"
#include "core/parallel/rank_group.h"

namespace ditstream {

class RankMaskRelay : public MaskRelay {
 public:
  RankMaskRelay(RankGroup& group, int peer) : group_(group), peer_(peer) {}
  void send(const torch::Tensor& masks) override;
  torch::Tensor receive(at::IntArrayRef sizes) override;

 private:
  RankGroup& group_;
  int peer_;
};

}  // namespace ditstream
