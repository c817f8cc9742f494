#pragma once
// ForwardCalls and their predictions between ranks: a JSON header (roles, timestep, control,
// fork, tensor shapes) followed by the tensors, over the group's point-to-point sends.

#include "core/parallel/forward_call.h"
#include "core/parallel/rank_group.h"

#include <optional>
#include <variant>

namespace ditstream {

// A causal chunk's forward for a rank that keeps a cache of its own per `cache_id`, made from
// `options` on first use (the receiver supplies the key shift from its own transformer).
struct ChunkMessage {
  ChunkCall call;
  uint64_t cache_id = 0;
  KvCacheOptions options;
};
using RankMessage = std::variant<ForwardCall, ChunkMessage>;

void send_call(RankGroup& group, const ForwardCall& call, int to);
void send_chunk(RankGroup& group, const ChunkMessage& chunk, int to);
// Tells rank `to` that no more calls come.
void send_stop(RankGroup& group, int to);
// Nullopt once the sender stopped. Tensors arrive on the group's device.
std::optional<RankMessage> recv_message(RankGroup& group, int from);
// Throws when a chunk arrives instead.
std::optional<ForwardCall> recv_call(RankGroup& group, int from);

// The reply: fp32 (rows after the fork, F, C, h, w) of the call `call`.
void send_prediction(RankGroup& group, const torch::Tensor& prediction, int to);
torch::Tensor recv_prediction(RankGroup& group, const ForwardCall& call, int from);

}  // namespace ditstream
