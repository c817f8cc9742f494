#include "core/parallel/rank_mask_relay.h"

#include <torch/torch.h>

namespace ditstream {

void RankMaskRelay::send(const torch::Tensor& masks) {
  group_.send({masks.to(group_.device(), torch::kUInt8).contiguous()}, peer_);
}

torch::Tensor RankMaskRelay::receive(at::IntArrayRef sizes) {
  std::vector<torch::Tensor> masks{
      torch::empty(sizes, torch::TensorOptions(torch::kUInt8).device(group_.device()))};
  group_.recv(masks, peer_);
  return masks[0].to(torch::kBool);
}

}  // namespace ditstream
