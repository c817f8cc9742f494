#pragma once
// ForwardCalls and their predictions between ranks: a JSON header (roles, timestep, control,
// fork, tensor shapes) followed by the tensors, over the group's point-to-point sends.

#include "core/parallel/forward_call.h"
#include "core/parallel/rank_group.h"

#include <optional>

namespace ditstream {

void send_call(RankGroup& group, const ForwardCall& call, int to);
// Tells rank `to` that no more calls come.
void send_stop(RankGroup& group, int to);
// Nullopt once the sender stopped. Tensors arrive on the group's device.
std::optional<ForwardCall> recv_call(RankGroup& group, int from);

// The reply: fp32 (rows after the fork, F, C, h, w) of the call `call`.
void send_prediction(RankGroup& group, const torch::Tensor& prediction, int to);
torch::Tensor recv_prediction(RankGroup& group, const ForwardCall& call, int from);

}  // namespace ditstream
